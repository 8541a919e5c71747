"""Counts over a selection of entries: papers per year, the most used datasets, and so on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..loading.view import CatalogueView

GROUPINGS = ("year", "keyword", "dataset", "env", "kind", "source", "method")

# For each grouping but year, the labels of the selected entries: one row per entry and label,
# each entry's labels once, in the order the entry gives them, entries in catalogue order.
_LABELS = {
    "keyword": "SELECT text FROM terms WHERE field = 'keyword' AND position IN ({selection})"
    " GROUP BY position, text ORDER BY position, min(rank)",
    "source": "SELECT text FROM terms WHERE field = 'source' AND position IN ({selection})"
    " GROUP BY position, text ORDER BY position, min(rank)",
    "dataset": "SELECT target.title FROM links JOIN entries target ON target.position = links.target"
    " WHERE relation = 'dataset' AND source IN ({selection}) GROUP BY source, links.target ORDER BY source, min(rank)",
    "env": "SELECT target.title FROM links JOIN entries target ON target.position = links.target"
    " WHERE relation = 'env' AND source IN ({selection}) GROUP BY source, links.target ORDER BY source, min(rank)",
    # Each method a selected entry links to directly (methods.py), once per entry.
    "method": "SELECT m.id FROM method_links l JOIN entries m ON m.position = l.method"
    " WHERE l.source IN ({selection}) GROUP BY l.source, l.method ORDER BY l.source, min(l.rank)",
    "kind": "SELECT kind FROM entries WHERE position IN ({selection}) ORDER BY position",
}


def counts(view: CatalogueView, condition: str, parameters: Sequence[object], by: str) -> list[tuple[str, int]]:
    """(label, count) pairs over the entries that meet `condition`: by year in year order, by
    anything else most frequent first."""
    if by == "year":
        per_year = dict(
            view.rows(
                f"SELECT year, count(*) FROM entries WHERE kind = 'paper' AND ({condition}) GROUP BY year", parameters
            )
        )
        if not per_year:
            return []
        years = range(min(per_year), max(per_year) + 1)  # empty years show as 0: gaps are information
        return [(str(year), per_year.get(year, 0)) for year in years]
    if by not in _LABELS:
        raise ValueError(f"unknown grouping {by!r}")
    selection = f"SELECT position FROM entries WHERE {condition}"
    return tally(row[0] for row in view.rows(_LABELS[by].format(selection=selection), parameters))


def tally(labels: Iterable[str]) -> list[tuple[str, int]]:
    """Count labels ignoring case, most frequent first; each shown in its commonest spelling."""
    counted: Counter[str] = Counter()
    spelling: dict[str, Counter[str]] = {}
    for label in labels:
        key = label.casefold()
        counted[key] += 1
        spelling.setdefault(key, Counter())[label] += 1
    ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    return [(spelling[key].most_common(1)[0][0], count) for key, count in ranked]

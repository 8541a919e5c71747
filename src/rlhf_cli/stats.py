"""Counts over a selection of entries: papers per year, the most used datasets, and so on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .catalog import Catalogue
from .models import Entry, Paper

GROUPINGS = ("year", "keyword", "dataset", "env", "kind", "source")


def counts(catalogue: Catalogue, entries: Iterable[Entry], by: str) -> list[tuple[str, int]]:
    """(label, count) pairs: by year in year order, by anything else most frequent first."""
    selection = list(entries)
    if by == "year":
        per_year = Counter(entry.year for entry in selection if isinstance(entry, Paper))
        if not per_year:
            return []
        years = range(min(per_year), max(per_year) + 1)  # empty years show as 0: gaps are information
        return [(str(year), per_year.get(year, 0)) for year in years]
    tally: Counter[str] = Counter()
    spelling: dict[str, Counter[str]] = {}
    for entry in selection:
        for label in _labels(catalogue, entry, by):
            key = label.casefold()
            tally[key] += 1
            spelling.setdefault(key, Counter())[label] += 1
    ranked = sorted(tally.items(), key=lambda item: (-item[1], item[0]))
    return [(spelling[key].most_common(1)[0][0], count) for key, count in ranked]


def _labels(catalogue: Catalogue, entry: Entry, by: str) -> list[str]:
    if by == "keyword":
        return list(dict.fromkeys(getattr(entry, "keywords", [])))
    if by == "dataset":
        return [
            catalogue.by_id[i].display_name
            for i in dict.fromkeys(getattr(entry, "datasets", []))
            if i in catalogue.by_id
        ]
    if by == "env":
        return [
            catalogue.by_id[i].display_name for i in dict.fromkeys(getattr(entry, "envs", [])) if i in catalogue.by_id
        ]
    if by == "kind":
        return [entry.KIND]
    if by == "source":
        return list(dict.fromkeys(source.name for source in entry.sources))
    raise ValueError(f"unknown grouping {by!r}")

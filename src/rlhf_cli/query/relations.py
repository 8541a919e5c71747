"""Entries related to one entry, ranked, each with the reasons it is related."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalogue.identifiers import normal_url
from ..catalogue.models import Codebase, Dataset, Entry, Paper
from ..plain import Plain

if TYPE_CHECKING:
    from ..loading.view import CatalogueView

# What each kind of link is worth when ranking related entries.
IMPLEMENTS = 6.0
USES = 5.0
SAME_CODE = 4.0
SHARED_DATASET = 3.0
SHARED_ENV = 2.0
SHARED_AUTHOR = 2.0
SHARED_KEYWORD = 1.0


class Related(Plain, frozen=True):
    entry: Entry
    score: float
    reasons: tuple[str, ...]


def related(view: CatalogueView, entry: Entry, limit: int | None = None) -> tuple[list[Related], int]:
    """The entries linked to `entry`, strongest links first (the first `limit`), and how many in all.

    Ties keep the order in which the links were found: the entry's own links, then the other
    entries in catalogue order. Only the entries shown are built.
    """
    found: dict[int, tuple[float, list[str]]] = {}
    me = view.position(entry)

    def add(other: int, weight: float, reason: str) -> None:
        if other == me:
            return
        score, reasons = found.get(other, (0.0, []))
        if reason not in reasons:
            found[other] = (score + weight, [*reasons, reason])

    for dataset in view.datasets_of(entry):  # a paper's or codebase's
        add(view.position(dataset), USES, f"{entry.KIND} uses dataset {dataset.display_name}")
    for environment in view.envs_of(entry):
        add(view.position(environment), USES, f"{entry.KIND} uses environment {environment.display_name}")
    if entry.USED_BY_OTHERS:
        for user in view.users_of(entry):
            add(view.position(user), USES, f"{user.KIND} uses it")
    if isinstance(entry, Paper):
        for codebase in view.implementations_of(entry):
            add(view.position(codebase), IMPLEMENTS, "implements this paper")
        for target in view.code_targets(entry):
            add(view.position(target), SAME_CODE, "is the paper's code link")
    if isinstance(entry, Codebase):
        for paper in view.papers_of(entry):
            add(view.position(paper), IMPLEMENTS, "implemented by this codebase")
    if isinstance(entry, Dataset | Codebase):
        for paper in view.papers_linking_code_to(entry):
            add(view.position(paper), SAME_CODE, "links to this as its code")

    # What the other entries share with this one: (position, weight, reason), in catalogue order,
    # and for each entry datasets, environments, code, authors, then keywords.
    shared: list[tuple[int, int, float, str]] = []
    for order, relation, weight, label in (
        (0, "dataset", SHARED_DATASET, "dataset"),
        (1, "env", SHARED_ENV, "environment"),
    ):
        rows = view.rows(
            "SELECT other.source, target.title FROM links mine"
            " JOIN links other ON other.target = mine.target AND other.relation = mine.relation"
            " JOIN entries target ON target.position = mine.target"
            " WHERE mine.source = ? AND mine.relation = ? AND other.source != ?"
            " GROUP BY other.source, mine.target ORDER BY other.source, min(mine.rank)",
            (me, relation, me),
        )
        shared += [(other, order, weight, f"also uses {label} {title}") for other, title in rows]
    my_code = list(dict.fromkeys(normal_url(link.url) for link in entry.code))
    if my_code:
        rows = view.rows(
            f"SELECT DISTINCT position FROM code WHERE url_key IN ({','.join('?' * len(my_code))}) AND position != ?",
            (*my_code, me),
        )
        shared += [(other, 2, SAME_CODE, "same code repository") for (other,) in rows]
    for order, field, weight, label in (
        (3, "author", SHARED_AUTHOR, "author"),
        (4, "keyword", SHARED_KEYWORD, "keyword"),
    ):
        mine = {text.casefold(): text for text in (entry.authors if field == "author" else entry.keywords)}
        if not mine:
            continue
        rows = view.rows(
            f"SELECT DISTINCT position, folded FROM terms WHERE field = ? AND folded IN ({','.join('?' * len(mine))})"
            " AND position != ?",
            (field, *mine, me),
        )
        # In the order this entry lists them (a set's order, before, changed from run to run).
        place = {folded: number for number, folded in enumerate(mine)}
        rows.sort(key=lambda row: (row[0], place[row[1]]))
        shared += [(other, order, weight, f"shares {label} {mine[folded]}") for other, folded in rows]
    shared.sort(key=lambda item: (item[0], item[1]))  # stable: keeps each entry's order within a kind of link
    for other, _, weight, reason in shared:
        add(other, weight, reason)

    if not found:
        return [], 0
    keys = _sort_keys(view, list(found))
    ranked = sorted(found, key=lambda position: (-found[position][0], *keys[position]))
    shown = ranked if limit is None else ranked[:limit]
    entries = view.entries_at(shown)
    return [Related(e, found[p][0], tuple(found[p][1])) for p, e in zip(shown, entries, strict=True)], len(ranked)


def _sort_keys(view: CatalogueView, positions: list[int]) -> dict[int, tuple[str, str]]:
    """Each entry's kind and case-folded display name, read from the store."""
    table = view.position_table(positions)
    rows = view.rows(f"SELECT position, kind, title_key FROM entries WHERE position IN (SELECT position FROM {table})")
    return {position: (kind, title_key) for position, kind, title_key in rows}

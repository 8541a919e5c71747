"""Fuzzy search over every kind of entry, ranked best first."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .catalog import Catalogue
from .models import Blog, Codebase, Dataset, Entry, Kind, Paper, Topic

# How much a perfect match in each field counts, relative to a match on the entry's own names.
NAME_WEIGHT = 1.0
KEYWORD_WEIGHT = 0.95
PERSON_WEIGHT = 0.9
LINK_WEIGHT = 0.85
SUMMARY_WEIGHT = 0.8
# Scores below this (0 to 100, after weighting) are noise, not matches.
MIN_SCORE = 72.0
KIND_ORDER: dict[str, int] = {"paper": 0, "codebase": 1, "dataset": 2, "environment": 3, "topic": 4, "blog": 5}


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    field: str  # the field of the best match
    text: str  # the text it matched


def search(catalogue: Catalogue, query: str, kinds: Iterable[Kind] | None = None) -> list[Hit]:
    """Entries matching `query`, best first; ties broken by kind, then title, so order is stable."""
    from rapidfuzz import fuzz, process, utils

    wanted = None if kinds is None else set(kinds)
    keys: list[tuple[Entry, str, str, float]] = [
        (entry, field, text, weight)
        for entry in catalogue.entries
        if wanted is None or entry.KIND in wanted
        for field, text, weight in _search_keys(catalogue, entry)
    ]
    query_key = utils.default_process(query)
    if not query_key:
        return []
    scores = process.extract(
        query_key,
        [utils.default_process(text) for _, _, text, _ in keys],
        scorer=fuzz.WRatio,
        processor=None,
        limit=None,
        score_cutoff=MIN_SCORE,
    )
    best: dict[str, Hit] = {}
    for _, raw_score, index in scores:
        entry, field, text, weight = keys[index]
        score = round(raw_score * weight, 1)
        current = best.get(entry.id)
        if score >= MIN_SCORE and (current is None or score > current.score):
            best[entry.id] = Hit(entry, score, field, text)
    return sorted(best.values(), key=lambda h: (-h.score, KIND_ORDER[h.entry.KIND], h.entry.display_name.casefold()))


def _search_keys(catalogue: Catalogue, entry: Entry) -> Iterator[tuple[str, str, float]]:
    """The texts an entry can be found by, with the field each comes from and its weight."""
    for name in dict.fromkeys(entry.names):
        yield "name", name, NAME_WEIGHT
    for field in ("keywords", "tasks"):
        for word in getattr(entry, field, []):
            yield field, word, KEYWORD_WEIGHT
    if isinstance(entry, Paper):
        for author in entry.authors:
            yield "authors", author, PERSON_WEIGHT
        if entry.authors_org:
            yield "authors", entry.authors_org, PERSON_WEIGHT
    if isinstance(entry, Paper | Codebase):
        for linked in [*catalogue.datasets_of(entry), *catalogue.envs_of(entry)]:
            yield linked.KIND, linked.display_name, LINK_WEIGHT
    if isinstance(entry, Blog):
        yield "publisher", entry.publisher, LINK_WEIGHT
    if isinstance(entry, Topic):
        yield "summary", entry.summary_en, SUMMARY_WEIGHT
        yield "summary", entry.summary_zh, SUMMARY_WEIGHT
    if isinstance(entry, Dataset) and entry.summary:
        yield "summary", entry.summary, SUMMARY_WEIGHT

"""Fuzzy search over every kind of entry, ranked best first."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
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
# A query word counts as found in a text if some word there is this similar (fuzz.ratio) ...
WORD_CUTOFF = 80.0
# ... or starts with the query word, or shares a long start with it (summarization, summarize).
PREFIX_SCORE = 90.0
STEM_SCORE = 85.0
# Word-by-word matches rank just below a text that equals the query as a whole.
WORD_SCALE = 0.95
# From here on (CJK radicals onward) scripts are written without spaces between words, so a
# query in them is also looked for as a substring, its score scaled down a little.
UNSPACED_SCRIPTS_START = 0x2E80
SUBSTRING_SCALE = 0.9
KIND_ORDER: dict[str, int] = {
    "paper": 0,
    "codebase": 1,
    "dataset": 2,
    "environment": 3,
    "topic": 4,
    "book": 5,
    "blog": 6,
}


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    field: str  # the field of the best match
    text: str  # the text it matched


def search(catalogue: Catalogue, query: str, kinds: Iterable[Kind] | None = None) -> list[Hit]:
    """Entries matching `query`, best first; ties broken by kind, then title, so order is stable.

    Each searchable text is scored three ways and the best counts: as a whole against the whole
    query (forgives typos: "instruct gtp"), word by word (forgives word order and word forms:
    "summarization" finds "summarize"), and, for scripts written without spaces such as Chinese,
    as a substring ("强化学习" within "逆向强化学习").
    """
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
    texts = [utils.default_process(text) for _, _, text, _ in keys]
    scores = _word_scores(query_key.split(), texts)
    scorers: list[tuple[Callable[..., float], float]] = [(fuzz.ratio, 1.0)]
    if any(ord(char) >= UNSPACED_SCRIPTS_START for char in query_key):
        scorers.append((fuzz.partial_ratio, SUBSTRING_SCALE))
    for scorer, scale in scorers:
        for _, score, index in process.extract(
            query_key, texts, scorer=scorer, processor=None, limit=None, score_cutoff=MIN_SCORE / scale
        ):
            scores[index] = max(scores.get(index, 0.0), score * scale)
    best: dict[str, Hit] = {}
    for index, raw_score in scores.items():
        entry, field, text, weight = keys[index]
        score = round(raw_score * weight, 1)
        current = best.get(entry.id)
        if score >= MIN_SCORE and (current is None or score > current.score):
            best[entry.id] = Hit(entry, score, field, text)
    return sorted(best.values(), key=lambda h: (-h.score, KIND_ORDER[h.entry.KIND], h.entry.display_name.casefold()))


def _word_scores(query_words: list[str], texts: list[str]) -> dict[int, float]:
    """Score texts by how well each query word matches some word of the text, averaged over the query.

    Words are matched through an index of the distinct words in `texts`, so each query word is
    compared with each distinct word once, not with every text.
    """
    from rapidfuzz import fuzz, process

    postings: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        for word in set(text.split()):
            postings.setdefault(word, []).append(index)
    vocabulary = list(postings)
    totals: dict[int, float] = {}
    for query_word in dict.fromkeys(query_words):
        best_by_text: dict[int, float] = {}
        close = process.extract(query_word, vocabulary, scorer=fuzz.ratio, limit=None, score_cutoff=WORD_CUTOFF)
        similar = {word: score for word, score, _ in close}
        for word in vocabulary:
            stem_score = _stem_score(query_word, word)
            if stem_score:
                similar[word] = max(similar.get(word, 0.0), stem_score)
        for word, score in similar.items():
            for index in postings[word]:
                best_by_text[index] = max(best_by_text.get(index, 0.0), score)
        for index, score in best_by_text.items():
            totals[index] = totals.get(index, 0.0) + score
    count = len(dict.fromkeys(query_words))
    return {index: WORD_SCALE * total / count for index, total in totals.items()}


def _stem_score(query_word: str, word: str) -> float:
    """Credit for a word that the query word starts (overoptim...), or that shares a long start with it."""
    if len(query_word) < 4:
        return 0.0
    common = 0
    for a, b in zip(query_word, word, strict=False):
        if a != b:
            break
        common += 1
    if common == len(query_word):
        return PREFIX_SCORE
    return STEM_SCORE if common >= 6 else 0.0


def _search_keys(catalogue: Catalogue, entry: Entry) -> Iterator[tuple[str, str, float]]:
    """The texts an entry can be found by, with the field each comes from and its weight."""
    for name in dict.fromkeys(entry.names):
        yield "name", name, NAME_WEIGHT
    for field in ("keywords", "tasks"):
        for word in getattr(entry, field, []):
            yield field, word, KEYWORD_WEIGHT
    organisation: str | None = getattr(entry, "authors_org", None)
    for author in [*getattr(entry, "authors", []), *([organisation] if organisation else [])]:
        yield "authors", author, PERSON_WEIGHT
    if isinstance(entry, Paper | Codebase):
        linked_entries: list[Entry] = [*catalogue.datasets_of(entry), *catalogue.envs_of(entry)]
        for linked in linked_entries:
            yield linked.KIND, linked.display_name, LINK_WEIGHT
    if isinstance(entry, Blog):
        yield "publisher", entry.publisher, LINK_WEIGHT
    if isinstance(entry, Topic):
        yield "summary", entry.summary_en, SUMMARY_WEIGHT
        yield "summary", entry.summary_zh, SUMMARY_WEIGHT
    if isinstance(entry, Dataset) and entry.summary:
        yield "summary", entry.summary, SUMMARY_WEIGHT

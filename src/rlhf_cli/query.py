"""Run a parsed query against a catalogue: which entries match, how well, and why.

Field terms are checked against the catalogue when the query is compiled, so an unknown dataset,
environment, keyword, author or source is reported (with close names) before anything runs.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .catalog import Catalogue
from .errors import NotFoundError
from .models import Codebase, Entry, Kind, Paper
from .querylang import And, Field, Node, Not, Phrase, Text, describe

if TYPE_CHECKING:
    from .search import Hit, SearchIndex, SegmentedIndex


@dataclass(slots=True)
class Match:
    score: float | None  # how well the text terms matched (0-100); None if the query has none
    reasons: tuple[str, ...]  # why the entry matched, one phrase per term


@dataclass(slots=True)
class _Test:
    """A compiled field term: a test on an entry and a sentence saying why it passed."""

    test: Callable[[Entry], bool]
    reason: Callable[[Entry], str]


class Query:
    """A query compiled against one catalogue and its search index."""

    def __init__(
        self, catalogue: Catalogue, node: Node | None, index: Callable[[], SearchIndex | SegmentedIndex]
    ) -> None:
        self.catalogue = catalogue
        self.node = node
        self._index = index
        self._tests: dict[int, _Test] = {}
        self._texts: dict[int, dict[int, Hit]] = {}
        self._phrases: dict[int, dict[int, str]] = {}
        self._positions = {entry.id: position for position, entry in enumerate(catalogue.entries)}
        if node is not None:
            self._compile(node)

    def describe(self) -> str:
        return "everything" if self.node is None else describe(self.node)

    def text_hit(self, entry: Entry) -> Hit | None:
        """The search hit behind the first free-text term that found this entry, if any."""
        position = self._positions[entry.id]
        return next((hits[position] for hits in self._texts.values() if position in hits), None)

    def run(self, entries: list[Entry]) -> list[tuple[Entry, Match]]:
        """The entries that match, in the given order, each with its match."""
        results = []
        for entry in entries:
            match = self.match(entry)
            if match is not None:
                results.append((entry, match))
        return results

    def match(self, entry: Entry, node: Node | None = None) -> Match | None:
        node = self.node if node is None else node
        if node is None:
            return Match(None, ())
        if isinstance(node, Field):
            test = self._tests[id(node)]
            return Match(None, (test.reason(entry),)) if test.test(entry) else None
        position = self._positions[entry.id]
        if isinstance(node, Text):
            hit = self._texts[id(node)].get(position)
            return None if hit is None else Match(hit.score, (f"text '{node.words}': {hit.field} '{hit.text}'",))
        if isinstance(node, Phrase):
            field = self._phrases[id(node)].get(position)
            return None if field is None else Match(100.0, (f'phrase "{node.text}" in {field}',))
        if isinstance(node, Not):
            return Match(None, (f"not {describe(node.term)}",)) if self.match(entry, node.term) is None else None
        matches = [self.match(entry, term) for term in node.terms]
        found = [m for m in matches if m is not None]
        if (isinstance(node, And) and len(found) < len(matches)) or not found:
            return None
        scores = [m.score for m in found if m.score is not None]
        if isinstance(node, And):
            score = sum(scores) / len(scores) if scores else None
        else:
            score = max(scores) if scores else None
        return Match(score, tuple(reason for m in found for reason in m.reasons))

    def _compile(self, node: Node) -> None:
        if isinstance(node, Field):
            self._tests[id(node)] = _field_test(self.catalogue, node)
        elif isinstance(node, Text):
            self._texts[id(node)] = {hit.position: hit for hit in self._index().search(node.words)}
        elif isinstance(node, Phrase):
            self._phrases[id(node)] = self._index().phrase_positions(node.text)
        elif isinstance(node, Not):
            self._compile(node.term)
        else:
            for term in node.terms:
                self._compile(term)


def terms_label(node: Node | None) -> str:
    """The terms of a query as the user gave them, leaving out the kind the command implies."""
    terms = node.terms if isinstance(node, And) else (node,) if node is not None else ()
    shown = [term for term in terms if not (isinstance(term, Field) and term.name == "kind")]
    return " ".join(describe(term) for term in shown)


def empty_hint(query: Query, entries: list[Entry], noun: str) -> str | None:
    """Explain an empty result: which term clashes, and what the others do match.

    With a year term, say which years the other terms' matches come from; otherwise say how
    many entries each term matches on its own.
    """
    node = query.node
    if not isinstance(node, And):
        return None
    terms = [term for term in node.terms if not (isinstance(term, Field) and term.name == "kind")]
    if len(terms) == 1 and isinstance(terms[0], Field) and terms[0].name == "year":
        years = sorted({e.year for e in entries if isinstance(e, Paper)})
        return f"{noun} in the catalogue are from {years[0]} to {years[-1]}" if years else None
    if len(terms) < 2:
        return None
    year = next((t for t in terms if isinstance(t, Field) and t.name == "year"), None)
    if year is not None:
        others = [t for t in terms if t is not year]
        matching = [e for e in entries if all(query.match(e, t) is not None for t in others)]
        years = sorted({e.year for e in matching if isinstance(e, Paper)})
        if years:
            which = " ".join(describe(t) for t in others)
            return f"{noun} with {which} are from {', '.join(map(str, years))}, not {year.years}"
    counts = [f"{describe(t)} alone matches {sum(query.match(e, t) is not None for e in entries)}" for t in terms]
    return f"no {noun} match all terms together: " + "; ".join(counts)


def _field_test(catalogue: Catalogue, node: Field) -> _Test:
    value = node.value
    needle = value.casefold()
    if node.name == "year":
        years = node.years
        assert years is not None
        return _Test(lambda e: isinstance(e, Paper) and e.year in years, lambda e: f"year {getattr(e, 'year', '')}")
    if node.name == "kind":
        return _Test(lambda e: value == e.KIND, lambda e: f"kind {e.KIND}")
    if node.name == "code":
        wanted = bool(node.flag)

        def has_code(entry: Entry) -> bool:
            return isinstance(entry, Codebase) or (isinstance(entry, Paper) and bool(entry.code))

        return _Test(lambda e: has_code(e) == wanted, lambda e: "has code" if wanted else "has no code")
    if node.name in ("dataset", "env"):
        kind: Kind = "dataset" if node.name == "dataset" else "environment"
        target = catalogue.resolve(value, kinds=[kind], what=kind)

        def uses(entry: Entry) -> bool:
            return isinstance(entry, Paper | Codebase) and target.id in (
                entry.datasets if kind == "dataset" else entry.envs
            )

        return _Test(uses, lambda e: f"uses {kind} {target.display_name}")
    texts_of: Callable[[Entry], list[str]] = {
        "title": lambda e: [name for name in e.names if name != e.id],
        "author": lambda e: [*getattr(e, "authors", []), *filter(None, [getattr(e, "authors_org", None)])],
        "keyword": lambda e: [*getattr(e, "keywords", []), *getattr(e, "tasks", [])],
        "source": lambda e: [source.name for source in e.sources],
        "venue": lambda e: [venue] if (venue := getattr(e, "venue", None)) else [],
    }[node.name]

    def found(entry: Entry) -> str | None:
        return next((text for text in texts_of(entry) if needle in text.casefold()), None)

    if not any(found(entry) is not None for entry in catalogue.entries):
        known = sorted({text for entry in catalogue.entries for text in texts_of(entry)})
        raise NotFoundError(node.name, value, _close(value, known))
    return _Test(lambda e: found(e) is not None, lambda e: f"{node.name} '{found(e)}'")


def _close(value: str, choices: list[str]) -> list[str]:
    lowered = {choice.casefold(): choice for choice in choices}
    close = difflib.get_close_matches(value.casefold(), list(lowered), n=3, cutoff=0.6)
    return [lowered[c] for c in close]

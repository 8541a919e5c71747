"""Run a parsed query against a catalogue's store: which entries match, how well, and why.

Field terms are checked against the catalogue when the query is compiled, so an unknown dataset,
environment, keyword, author or source is reported (with close names) before anything runs.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..catalogue.models import Entry, Kind, Paper
from ..errors import NotFoundError
from ..loading.schema import labs_of
from ..plain import Plain
from .querylang import And, Field, Node, Not, Phrase, Text, describe
from .search import FIELDS

if TYPE_CHECKING:
    from ..loading.view import CatalogueView
    from .search import Hit


class Match(Plain):
    score: float | None  # how well the text terms matched (0-100); None if the query has none
    reasons: tuple[str, ...]  # why the entry matched, one phrase per term


class _Test(Plain):
    """A compiled field term: a condition on the store's `entries` (SQL and parameters), the
    same test on an entry, and a sentence saying why it passed."""

    sql: str
    parameters: tuple[object, ...]
    test: Callable[[Entry], bool]
    reason: Callable[[Entry], str]


# Free text in a listing's query filters more strictly than search does (90 against the text's
# own score, before field weights): a listing answers "which papers are about X", where a near
# miss ("reward shaping" for "reward hacking") is wrong. The CLI's listings and the API share it.
LISTING_MIN_SCORE = 90.0


class Query:
    """A query compiled against one catalogue view (and its search index).

    The view's store selects the matching entries (`select`); the entries it builds are checked
    again term by term (`match`), which gives each match its score and reasons.
    """

    def __init__(self, view: CatalogueView, node: Node | None, min_score: float | None = None) -> None:
        self.view = view
        self.node = node
        self.min_score = min_score  # free-text hits below it do not match (None: search's own threshold)
        self._tests: dict[int, _Test] = {}
        self._texts: dict[int, dict[int, Hit]] = {}
        self._ranks: dict[int, dict[int, int]] = {}
        self._phrases: dict[int, dict[int, str]] = {}
        self._tables: dict[int, str] = {}
        if node is not None:
            self._compile(node)

    def describe(self) -> str:
        return "everything" if self.node is None else describe(self.node)

    def has_text(self) -> bool:
        """True if the query has a free-text term (whose matches have a score)."""
        return bool(self._texts)

    def text_rank(self, entry: Entry) -> int:
        """Where search ranks this entry for the first free-text term that found it (0 is best)."""
        position = self.view.position(entry)
        for ranks in self._ranks.values():
            if position in ranks:
                return ranks[position]
        return 1 << 30  # found by no free-text term

    def text_hit(self, entry: Entry) -> Hit | None:
        """The search hit behind the first free-text term that found this entry, if any."""
        position = self.view.position(entry)
        return next((hits[position] for hits in self._texts.values() if position in hits), None)

    def sql(self, node: Node | None = None) -> tuple[str, list[object]]:
        """The query (or one of its terms) as a condition on the store's `entries` table."""
        node = self.node if node is None else node
        if node is None:
            return "1", []
        if isinstance(node, Field):
            test = self._tests[id(node)]
            return test.sql, list(test.parameters)
        if isinstance(node, Text | Phrase):
            return f"position IN (SELECT position FROM {self._tables[id(node)]})", []
        if isinstance(node, Not):
            inner, parameters = self.sql(node.term)
            return f"NOT ({inner})", parameters
        parts = [self.sql(term) for term in node.terms]
        joiner = " AND " if isinstance(node, And) else " OR "
        return joiner.join(f"({part})" for part, _ in parts), [p for _, parameters in parts for p in parameters]

    def select(
        self, base: str = "1", parameters: tuple[object, ...] = (), order: str = "position", limit: int | None = None
    ) -> tuple[list[tuple[Entry, Match]], int]:
        """The entries of `base` that match, in `order`, each with its match (the first `limit`
        of them), and how many match in all."""
        condition, own = self.sql()
        positions = self.view.positions_where(f"({base}) AND ({condition})", [*parameters, *own], order)
        shown = positions if limit is None else positions[:limit]
        results = []
        for entry in self.view.entries_at(shown):
            match = self.match(entry)
            if match is not None:
                results.append((entry, match))
        return results, len(positions) - len(shown) + len(results)

    def match(self, entry: Entry, node: Node | None = None) -> Match | None:
        node = self.node if node is None else node
        if node is None:
            return Match(None, ())
        if isinstance(node, Field):
            test = self._tests[id(node)]
            return Match(None, (test.reason(entry),)) if test.test(entry) else None
        position = self.view.position(entry)
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
            self._tests[id(node)] = _field_test(self.view, node)
        elif isinstance(node, Text):
            ranked = self.view.index().search(node.words)
            if self.min_score is not None:
                # The text's own score, before the field's weight: an exact word in a publisher
                # or keyword passes, a word two typos away does not.
                weights = dict(FIELDS)
                ranked = [hit for hit in ranked if hit.score / weights[hit.field] >= self.min_score - 1e-9]
            hits = {hit.position: hit for hit in ranked}
            self._texts[id(node)] = hits
            self._ranks[id(node)] = {hit.position: rank for rank, hit in enumerate(ranked)}
            self._tables[id(node)] = self.view.position_table(hits)
        elif isinstance(node, Phrase):
            found = self.view.index().phrase_positions(node.text)
            self._phrases[id(node)] = found
            self._tables[id(node)] = self.view.position_table(found)
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


def empty_hint(query: Query, base: str, parameters: tuple[object, ...], noun: str) -> str | None:
    """Explain an empty result among the entries of `base`: which term clashes, and what the
    others do match.

    With a year term, say which years the other terms' matches come from; otherwise say how
    many entries each term matches on its own.
    """
    node = query.node
    if not isinstance(node, And):
        return None
    view = query.view
    terms = [term for term in node.terms if not (isinstance(term, Field) and term.name == "kind")]
    papers = f"({base}) AND kind = 'paper'"
    if len(terms) == 1 and isinstance(terms[0], Field) and terms[0].name == "year":
        ((first, last),) = view.rows(f"SELECT min(year), max(year) FROM entries WHERE {papers}", parameters)
        return f"{noun} in the catalogue are from {first} to {last}" if first is not None else None
    if len(terms) < 2:
        return None
    year = next((t for t in terms if isinstance(t, Field) and t.name == "year"), None)
    if year is not None:
        others = [t for t in terms if t is not year]
        parts = [query.sql(t) for t in others]
        condition = " AND ".join(f"({part})" for part, _ in parts)
        found = view.rows(
            f"SELECT DISTINCT year FROM entries WHERE {papers} AND {condition} ORDER BY year",
            [*parameters, *(p for _, own in parts for p in own)],
        )
        years = [row[0] for row in found]
        if years:
            which = " ".join(describe(t) for t in others)
            return f"{noun} with {which} are from {', '.join(map(str, years))}, not {year.years}"
    counts = []
    for term in terms:
        condition, own = query.sql(term)
        count = view.value(f"SELECT count(*) FROM entries WHERE ({base}) AND ({condition})", [*parameters, *own])
        counts.append(f"{describe(term)} alone matches {count}")
    return f"no {noun} match all terms together: " + "; ".join(counts)


# The `terms` rows (schema.py) that each text field of the query language looks in.
_TERM_FIELDS = {
    "title": ("title",),
    "author": ("author", "org", "lab"),
    "keyword": ("keyword", "task"),
    "source": ("source",),
    "venue": ("venue",),
}


def _field_test(view: CatalogueView, node: Field) -> _Test:
    value = node.value
    needle = value.casefold()
    if node.name == "year":
        years = node.years
        assert years is not None
        bounds = [("year >= ?", years.start), ("year <= ?", years.end)]
        sql = " AND ".join(["kind = 'paper'", *(part for part, bound in bounds if bound is not None)])
        return _Test(
            sql,
            tuple(bound for _, bound in bounds if bound is not None),
            lambda e: e.year is not None and e.year in years,
            lambda e: f"year {e.year}",
        )
    if node.name == "kind":
        return _Test("kind = ?", (value,), lambda e: value == e.KIND, lambda e: f"kind {e.KIND}")
    if node.name == "code":
        wanted = bool(node.flag)

        return _Test(
            "has_code = ?",
            (int(wanted),),
            lambda e: e.has_code == wanted,
            lambda e: "has code" if wanted else "has no code",
        )
    if node.name in ("dataset", "env"):
        kind: Kind = "dataset" if node.name == "dataset" else "environment"
        target = view.resolve(value, kinds=[kind], what=kind)

        def listed(entry: Entry) -> bool:
            return target.id in (entry.datasets if kind == "dataset" else entry.envs)

        def by_code(entry: Entry) -> bool:
            return isinstance(entry, Paper) and target in view.used_through_code(entry)

        def reason(entry: Entry) -> str:
            if listed(entry):
                return f"uses {kind} {target.display_name}"
            return f"uses {kind} {target.display_name} (its code link is the {kind}'s repository)"

        return _Test(
            "position IN (SELECT source FROM links WHERE relation IN (?, ?) AND target = ?)",
            (node.name, f"{node.name}-by-code", view.position(target)),
            lambda entry: listed(entry) or by_code(entry),
            reason,
        )
    if node.name == "method":
        return _method_test(view, node)
    texts_of: Callable[[Entry], list[str]] = {
        "title": lambda e: [name for name in e.names if name != e.id],
        "author": lambda e: [*e.authors, *filter(None, [e.authors_org]), *labs_of(e)],
        "keyword": lambda e: [*e.keywords, *e.tasks],
        "source": lambda e: [source.name for source in e.sources],
        "venue": lambda e: [e.venue] if e.venue else [],
    }[node.name]

    def found(entry: Entry) -> str | None:
        return next((text for text in texts_of(entry) if needle in text.casefold()), None)

    fields = _TERM_FIELDS[node.name]
    in_fields = f"field IN ({', '.join('?' * len(fields))})"
    if view.value(f"SELECT 1 FROM terms WHERE {in_fields} AND instr(folded, ?) > 0 LIMIT 1", [*fields, needle]) is None:
        known = sorted({row[0] for row in view.rows(f"SELECT DISTINCT text FROM terms WHERE {in_fields}", fields)})
        raise NotFoundError(node.name, value, _close(value, known))
    return _Test(
        f"position IN (SELECT position FROM terms WHERE {in_fields} AND instr(folded, ?) > 0)",
        (*fields, needle),
        lambda e: found(e) is not None,
        lambda e: f"{node.name} '{found(e)}'",
    )


def _close(value: str, choices: list[str]) -> list[str]:
    lowered = {choice.casefold(): choice for choice in choices}
    close = difflib.get_close_matches(value.casefold(), list(lowered), n=3, cutoff=0.6)
    return [lowered[c] for c in close]


def _method_test(view: CatalogueView, node: Field) -> _Test:
    """`method:ID`: papers and codebases linked to the method or to any method below it (`ID!`:
    to the method alone); a codebase also through a paper it implements. The reason names the
    node and the link (methods.MethodLink.describe)."""
    from ..catalogue.methods import tree

    method = view.resolve_method(node.value)
    wanted = [method.id] if node.flag else tree(view).descendants(method.id)
    rows = view.method_link_rows(wanted)
    linked: dict[int, list[str]] = {}
    for position, method_id, relation, via, origin in rows:
        from ..catalogue.methods import MethodLink

        linked.setdefault(position, []).append(MethodLink("", method_id, relation, via, origin).describe())
    # Codebases that implement a linked paper.
    through: dict[int, list[str]] = {}
    if linked:
        table = view.position_table(linked)
        found = view.rows(
            "SELECT l.source, p.id FROM links l JOIN entries p ON p.position = l.target"
            f" WHERE l.relation = 'implements' AND l.target IN (SELECT position FROM {table}) ORDER BY l.rank"
        )
        for position, paper_id in found:
            through.setdefault(position, []).append(f"implements {paper_id}")
    matched = set(linked) | set(through)
    table = view.position_table(matched)
    scope = f"{method.id}!" if node.flag else method.id

    def reason(entry: Entry) -> str:
        position = view.position(entry)
        return f"method {scope}: " + "; ".join([*linked.get(position, []), *through.get(position, [])])

    return _Test(
        f"position IN (SELECT position FROM {table})",
        (),
        lambda entry: view.position(entry) in matched,
        reason,
    )

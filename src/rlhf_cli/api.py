"""The Python API: the catalogue for notebooks, scripts and agents.

    >>> from rlhf_cli import open_catalogue
    >>> rlhf = open_catalogue()
    >>> rlhf.get("instructgpt")["year"]
    2022

Every answer is made of records: plain dicts with the fields of the JSON output (`rlhf ...
--format json`), typed as `Record`, so `pandas.DataFrame(results)` takes them as they are.

This module is the one place that knows how the library is put together (the loader, the
store's view, the query compiler, the record builders); the CLI's MCP server and the HTML export go
through it, so it is what to re-point when the storage changes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NotRequired, Required, TypedDict, cast

from .catalogue.models import KINDS, Kind
from .errors import NotFoundError, RlhfError, UsageError
from .query.query import LISTING_MIN_SCORE

if TYPE_CHECKING:
    from .loading.view import CatalogueView
    from .query.querylang import Node

__all__ = [
    "Catalogue",
    "CitationFormat",
    "CodeLink",
    "Match",
    "NotFoundError",
    "Record",
    "Results",
    "RlhfError",
    "Source",
    "open_catalogue",
]

CitationFormat = Literal["bibtex", "csl-json", "ris"]
PaperSort = Literal["year", "title", "id"]


class CodeLink(TypedDict):
    url: str
    official: bool


class Source(TypedDict):
    name: str  # the list (see catalog/NOTICE.md) the entry was taken from
    line: int  # the line of that list


class Match(TypedDict):
    field: str
    text: str


class Category(TypedDict):
    """Where a reference list files a paper: the list, and its heading path ("A > B")."""

    source: str
    path: str


class Record(TypedDict, total=False):
    """One entry, as `--format json` writes it; which keys are present depends on `kind`.

    Search results add `score` and `matched`; related entries add `score` and `reasons`.
    """

    id: Required[str]
    kind: Required[Kind]
    title: Required[str]
    url: Required[str | None]
    notes: Required[str | None]
    sources: Required[list[Source]]
    year: int
    short_name: str | None
    aliases: list[str]
    authors: list[str]
    authors_et_al: bool
    authors_org: str | None
    arxiv: str | None
    venue: str | None
    categories: list[Category]
    keywords: list[str]
    datasets: list[str]
    envs: list[str]
    code: list[CodeLink]
    dataset_ids: list[str]
    env_ids: list[str]
    papers: list[str]
    other_urls: list[str]
    form: str | None
    tasks: list[str]
    summary: str | None
    used_by: int
    publisher: str | None
    language: str | None
    name_zh: str | None
    category: str | None
    summary_en: str | None
    summary_zh: str | None
    score: NotRequired[float | None]
    matched: NotRequired[Match]
    reasons: NotRequired[list[str]]


class Results(list[Record]):
    """A list of records, with the conversions notebooks want."""

    def to_dicts(self) -> list[dict[str, Any]]:
        """Independent copies of the records, exactly as `--format json` writes them."""
        return [dict(copy.deepcopy(record)) for record in self]

    def to_records(self) -> list[dict[str, Any]]:
        """Flat rows (a text or number in every cell), for a spreadsheet or `DataFrame.to_csv`.

        Lists are joined with "; "; code links become their URLs, sources "list:line".
        """
        return [{key: _flat(value) for key, value in record.items()} for record in self]

    @property
    def ids(self) -> list[str]:
        return [record["id"] for record in self]


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(_flat(item)) for item in value)
    if isinstance(value, dict):
        if "url" in value:
            return value["url"]
        if "line" in value:
            return f"{value['name']}:{value['line']}"
        return "; ".join(f"{key}: {item}" for key, item in value.items())
    return value


def open_catalogue(*paths: str | Path, bundled: bool = True) -> Catalogue:
    """The catalogue in use (as the CLI sees it), plus any extra files or folders in `paths`.

    Raises CatalogError if any catalogue file is broken (the CLI's read commands go on without
    it instead; an API user gets to decide).
    """
    return Catalogue.open(*paths, bundled=bundled)


class Catalogue:
    """The RLHF map: search it, filter it, look entries up, follow links and cite."""

    def __init__(self, view: CatalogueView) -> None:
        self._view = view

    @classmethod
    def open(cls, *paths: str | Path, bundled: bool = True) -> Catalogue:
        """See `open_catalogue`."""
        from .loading.loader import catalog_paths, open_view

        return cls(open_view(catalog_paths([Path(path) for path in paths], bundled=bundled)))

    def __len__(self) -> int:
        return int(self._view.value("SELECT COUNT(*) FROM entries"))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._view.find(name) is not None

    def __repr__(self) -> str:
        return f"<rlhf_cli.Catalogue of {len(self)} entries>"

    def entries(
        self,
        kind: Kind | None = None,
        query: str | None = None,
        limit: int | None = None,
        *,
        min_score: float = LISTING_MIN_SCORE,
    ) -> Results:
        """Every entry (of one kind), in catalogue order, that matches `query` (see the README).

        Free words in `query` must match at least `min_score` (0-100), as in the CLI's listings."""
        if kind is None:
            return self._run(("1", (), "position"), _parse(query), limit, min_score)
        _check_kind(kind)
        return self._run(("kind = ?", (kind,), "position"), _parse(query), limit, min_score)

    def search(self, query: str, *, limit: int | None = 20, kinds: Iterable[Kind] | None = None) -> Results:
        """Entries matching free words (typos forgiven), an identifier (arXiv id, DOI, link...) or
        a full query, best first, as `rlhf search`."""
        from .hotpath import looks_like_identifier, plain_words
        from .query.querylang import Or, conjunction, text_only
        from .query.querylang import field as query_field

        if not query.strip():
            raise UsageError("search: give at least one word to look for")
        wanted: list[str] | None = list(dict.fromkeys(kinds)) if kinds else None
        for kind in wanted or []:
            _check_kind(kind)
        if plain_words(query) or looks_like_identifier(query.strip()):
            return self._words(" ".join(query.split()), wanted, limit)
        node = _parse(query)
        words = text_only(node)
        if words is not None:
            return self._words(words, wanted, limit)
        kind_node = None
        if wanted:
            terms = tuple(query_field("kind", kind) for kind in wanted)
            kind_node = terms[0] if len(terms) == 1 else Or(terms)
        return self._run(("1", (), "position"), conjunction(kind_node, node), limit, None, ranked=True)

    def papers(
        self,
        query: str | None = None,
        *,
        year: int | str | None = None,
        keyword: str | None = None,
        dataset: str | None = None,
        env: str | None = None,
        uses: str | None = None,
        author: str | None = None,
        has_code: bool = False,
        sort: PaperSort = "year",
        limit: int | None = None,
        min_score: float = LISTING_MIN_SCORE,
    ) -> Results:
        """Papers, newest first, filtered as `rlhf papers` filters them.

        `year` is a year (2022) or a range ("2020..2022", ">=2022"); `dataset`, `env` and `uses`
        take an id, name or alias; `keyword` and `author` match part of a keyword or a name.
        """
        from .query.querylang import conjunction
        from .query.querylang import field as query_field

        terms: list[Node] = [query_field("kind", "paper")]
        for name, value in (("year", year), ("keyword", keyword), ("dataset", dataset), ("env", env)):
            if value is not None:
                terms.append(query_field(name, str(value)))
        if uses is not None:
            target = self._view.resolve(uses, kinds=["dataset", "environment"], what="dataset or environment")
            terms.append(query_field("dataset" if target.KIND == "dataset" else "env", target.id))
        if author is not None:
            terms.append(query_field("author", author))
        if has_code:
            terms.append(query_field("code", "yes"))
        # As `rlhf papers`: newest first, then by title (title_key is the case-folded title).
        orders = {"year": "year DESC, title_key, position", "title": "title_key, position", "id": "id"}
        if sort not in orders:
            raise UsageError(f"papers: sort by one of {', '.join(orders)}, not '{sort}'")
        node = conjunction(*terms, _parse(query))
        return self._run(("kind = 'paper'", (), orders[sort]), node, limit, min_score)

    def get(self, name: str) -> Record:
        """The entry whose id, title, name, alias or identifier (arXiv id, DOI...) is `name` (any
        case); NotFoundError with close names otherwise."""
        from .output.records import entry_record

        return _typed(entry_record(self._view.resolve(name), self._view))

    def links(self, name: str) -> dict[str, list[Record]]:
        """Every entry linked to this one, in both directions, by relation (as `rlhf show`)."""
        from .output.records import links_record, method_links_record

        entry = self._view.resolve(name)
        links = links_record(entry, self._view) | method_links_record(entry, self._view)
        return {relation: [_typed(record) for record in linked] for relation, linked in links.items()}

    def related(self, name: str, *, limit: int | None = None) -> Results:
        """Entries linked to this one (datasets, code, authors, keywords...), strongest first."""
        from .output.records import entry_record
        from .query.relations import related

        view = self._view
        found, _ = related(view, view.resolve(name), limit)
        view.prefetch_links([view.position(r.entry) for r in found])
        return Results(
            _typed({"score": r.score, "reasons": list(r.reasons)} | entry_record(r.entry, view)) for r in found
        )

    def cite(self, names: str | Sequence[str], format: CitationFormat = "bibtex", *, ascii_only: bool = False) -> str:
        """Citations of entries (papers, codebases, blogs and books) in BibTeX, CSL-JSON or RIS."""
        from .output import cite as citations

        wanted = [names] if isinstance(names, str) else list(names)
        records = [self.get(name) for name in dict.fromkeys(wanted)]
        unique: list[dict[str, Any]] = list({record["id"]: dict(record) for record in records}.values())
        plain, left = citations.citable(unique)
        for record in left:
            raise UsageError(
                f"cite: {record['id']} is a {record['kind']}, which has no citable form; "
                f"cite a paper that uses it (rlhf related {record['id']})"
            )
        if format == "bibtex":
            return citations.bibtex(plain, ascii_only=ascii_only)
        if format == "csl-json":
            return citations.csl_json(plain)
        if format == "ris":
            return citations.ris(plain)
        raise UsageError(f"cite: format is one of bibtex, csl-json, ris, not '{format}'")

    def graph(self, entries: Iterable[str] | None = None) -> tuple[Results, list[tuple[str, str, str]]]:
        """The paper-dataset-codebase graph of some entries (default: all): the nodes' records and
        the links, each (source id, target id, "uses" or "implements")."""
        from .output.graph import edges
        from .output.records import entry_record

        view = self._view
        selection = view.all_entries() if entries is None else [view.resolve(name) for name in entries]
        nodes, links = edges(view, selection)
        records = Results(_typed(entry_record(node, view)) for node in nodes)
        return records, [(link.source.id, link.target.id, link.label) for link in links]

    def _words(self, words: str, kinds: list[str] | None, limit: int | None) -> Results:
        """Free words (or an identifier) alone, as the CLI's fast search path answers them."""
        from .hotpath import identifier_records
        from .output.records import hit_records

        view = self._view
        records = identifier_records(view, words, kinds, limit)
        if not records:
            records = hit_records(view.index().search(words, kinds)[:limit], view)
        return Results(_typed(record) for record in records)

    def _run(
        self,
        selection: tuple[str, tuple[object, ...], str],
        node: Node | None,
        limit: int | None,
        min_score: float | None,
        ranked: bool = False,
    ) -> Results:
        """As the CLI's listings: the entries of `selection` (an SQL condition on the store's
        entries, its parameters and an order) that match `node`."""
        from .output.records import entry_record
        from .query.query import Query
        from .query.search import KIND_ORDER

        view = self._view
        base, parameters, order = selection
        query = Query(view, node, None if ranked else min_score)
        results, _ = query.select(base, parameters, order, None if ranked else limit)
        if ranked:  # as `rlhf search`: score, then where search ranks it, then kind and title
            rank = {kind: place for place, kind in enumerate(KIND_ORDER)}
            results.sort(
                key=lambda r: (
                    -(r[1].score or 0.0),
                    query.text_rank(r[0]),
                    rank[r[0].KIND],
                    r[0].display_name.casefold(),
                )
            )
        scored = not ranked and query.has_text()
        shown = results[:limit]
        view.prefetch_links([view.position(entry) for entry, _ in shown])
        out = Results()
        for entry, match in shown:
            record: dict[str, Any] = entry_record(entry, view)
            score = None if match.score is None else round(match.score, 1)
            if ranked:
                hit = query.text_hit(entry)
                why = {"field": "query", "text": "; ".join(match.reasons)}
                matched = {"field": hit.field, "text": hit.text} if hit else why
                record = {"score": score, "matched": matched} | record
            elif scored:
                record = {"score": score} | record
            out.append(_typed(record))
        return out


def _parse(query: str | None) -> Node | None:
    from .query.querylang import parse

    return parse(query) if query else None


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise UsageError(f"kind is one of {', '.join(KINDS)}, not '{kind}'")


def _typed(record: dict[str, Any]) -> Record:
    # The record builders return dict[str, Any]; `Record` documents (and types) what they hold,
    # and tests/test_api.py checks the two agree for every kind.
    return cast(Record, record)

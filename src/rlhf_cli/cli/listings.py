"""`rlhf search` and the listing commands: papers, codebases, datasets, envs, blogs, books, topics.

Each listing turns its typed options into query terms (so `--year 2022` and `year:2022` are the
same query), adds the QUERY argument, and runs the whole query through `_listing`.
"""

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ExitCode, Stop, UsageError
from ..hotpath import looks_like_identifier, plain_words, search_columns, search_limit, search_words
from ..output import render
from ..output.render import Column, Format, field
from . import KindChoice, Session, command, user_query

if TYPE_CHECKING:
    from ..loading.view import CatalogueView
    from ..query.querylang import Node


class PaperSort(StrEnum):
    YEAR = "year"
    TITLE = "title"
    ID = "id"


class DatasetSort(StrEnum):
    NAME = "name"
    USES = "uses"


class Language(StrEnum):
    EN = "en"
    ZH = "zh"


class Category(StrEnum):
    TECHNIQUE = "technique"
    APPLICATION = "application"


def option_term(option: str, name: str, value: str) -> "Node":
    """The query term for a typed option, with errors that name the option."""
    from ..query.querylang import QueryError, field

    try:
        return field(name, value)
    except QueryError as error:
        raise UsageError(f"{option}: {error.reason}") from None


def _listing(
    noun: str,
    view: "CatalogueView",
    selection: tuple[str, tuple[object, ...], str],
    node: "Node | None",
    columns: list[Column],
    output: Format | None,
    limit: int | None,
    explain: bool,
    min_score: float | None = None,
    ranked: bool = False,
) -> None:
    """Run the query over the entries the store selects (an SQL condition on `entries`, its
    parameters and an order), then print the matches or say why there are none (exit 1).

    A ranked listing (search) keeps what search finds; an ordered one (papers, datasets...) keeps
    only free-text matches of at least `min_score` (LISTING_MIN_SCORE by default), and shows each
    entry's score when the query has free text."""
    from ..output.records import entry_record
    from ..query.query import LISTING_MIN_SCORE, Query, empty_hint, terms_label
    from ..query.search import KIND_ORDER

    if limit is None:
        from ..config import load_config

        limit = load_config().limit
    base, parameters, order = selection
    threshold = None if ranked else LISTING_MIN_SCORE if min_score is None else min_score
    query = Query(view, node, threshold)
    if explain:
        render.note(f"query: {query.describe()}")
    # A ranked listing needs every match to rank them; an ordered one builds only those shown.
    results, total = query.select(base, parameters, order, None if ranked else limit)
    if ranked:  # by score, then as search ranks equal matches (where, coverage, links), then by kind and title
        rank = {kind: place for place, kind in enumerate(KIND_ORDER)}
        results.sort(
            key=lambda r: (-(r[1].score or 0.0), query.text_rank(r[0]), rank[r[0].KIND], r[0].display_name.casefold())
        )
    scored = not ranked and query.has_text()
    if not results:
        if output is not None:
            render.empty_listing(columns, output)
        if view.problems:  # the broken files, reported next, are the likelier story
            raise Stop(ExitCode.NO_MATCH)
        said = terms_label(node)
        render.error(f"no {noun} match {said}" if said else f"the catalogue has no {noun}")
        hint = empty_hint(query, base, parameters, noun)
        if hint:
            render.note(f"hint: {hint}")
        raise Stop(ExitCode.NO_MATCH)
    shown = results if limit is None else results[:limit]
    fmt = output or render.default_format()
    view.prefetch_links([view.position(entry) for entry, _ in shown])
    records = []
    for entry, match in shown:
        record = entry_record(entry, view)
        if ranked:
            hit = query.text_hit(entry)
            matched = (
                {"field": hit.field, "text": hit.text} if hit else {"field": "query", "text": "; ".join(match.reasons)}
            )
            record = {"score": None if match.score is None else round(match.score, 1), "matched": matched} | record
        elif scored:
            record = {"score": None if match.score is None else round(match.score, 1)} | record
        if explain:
            record["explain"] = list(match.reasons)
            if fmt not in (Format.JSON, Format.JSONL):
                score = "" if match.score is None else f" ({match.score:.1f})"
                render.note(f"{entry.id}{score}: " + "; ".join(match.reasons))
        records.append(record)
    render.listing(records, [field("score", "Score"), *columns] if scored else columns, fmt)
    if len(shown) < total and sys.stderr.isatty():
        render.note(f"showing {len(shown)} of {total}; use --limit to see more")


def _kind_listing(
    session: Session,
    kind: str,
    noun: str,
    selection: tuple[str, tuple[object, ...]],
    columns: list[Column],
    query: list[str] | None,
    catalog: list[Path] | None,
    no_bundled: bool,
    output: Format | None,
    limit: int | None,
    explain: bool,
    min_score: float | None,
) -> None:
    """The listing of one kind of entry, in catalogue order: those of `selection` (an SQL
    condition and its parameters) that match the QUERY."""
    from ..query.querylang import conjunction

    node = user_query(query)
    view = session.open(catalog, no_bundled)
    whole = conjunction(option_term("kind", "kind", kind), node)
    condition, parameters = selection
    _listing(
        noun,
        view,
        (f"kind = ? AND ({condition})", (kind, *parameters), "position"),
        whole,
        columns,
        output,
        limit,
        explain,
        min_score,
    )


@command()
def search(
    session: Session,
    query: list[str],
    kind: list[KindChoice] | None = None,
    limit: int | None = None,
    output: Format | None = None,
    explain: bool = False,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """Search every kind of entry by title, name, alias, keyword, author, dataset or topic, best first."""
    text = " ".join(query)
    if not text.strip():
        raise UsageError("search: give at least one word to look for")
    limit = search_limit(limit)
    kinds = [k.value for k in kind] if kind else None
    if (plain_words(text) or looks_like_identifier(text.strip())) and not explain:
        # Free words alone, the common case: no need to load the query language at all.
        search_words(session.open(catalog, no_bundled), " ".join(text.split()), kinds, limit, output)
        return
    from ..query.querylang import Or, conjunction, text_only
    from ..query.querylang import field as query_field

    node = user_query(query)
    view = session.open(catalog, no_bundled)
    words = text_only(node)
    if words is not None and not explain:
        search_words(view, words, kinds, limit, output)
        return
    kind_node = None
    if kinds:
        kind_terms = tuple(query_field("kind", k) for k in kinds)
        kind_node = kind_terms[0] if len(kind_terms) == 1 else Or(kind_terms)
    whole = conjunction(kind_node, node)
    _listing("entries", view, ("1", (), "position"), whole, search_columns(), output, limit, explain, ranked=True)


def _title_cell(record: dict[str, Any]) -> str:
    short: str | None = record.get("short_name")
    title: str = record["title"]
    return f"{title} ({short})" if short and short not in title else title


def _authors_cell(record: dict[str, Any]) -> str:
    authors: list[str] = record["authors"]
    if not authors:
        return record.get("authors_org") or ""
    return authors[0] + (" et al." if len(authors) > 1 or record["authors_et_al"] else "")


PAPER_COLUMNS = [
    field("id", "ID"),
    field("year", "Year"),
    Column("Title", _title_cell, wide=True),
    Column("Authors", _authors_cell),
    Column("Code", lambda r: "yes" if r["code"] else ""),
    field("url", "URL", in_table=False),
]


def _subject_terms(
    view: "CatalogueView", keyword: str | None, dataset: str | None, env: str | None, uses: str | None = None
) -> "list[Node]":
    """The --keyword, --dataset, --env and --uses terms that papers and codebases share."""
    terms = []
    if keyword is not None:
        terms.append(option_term("--keyword", "keyword", keyword))
    if dataset is not None:
        terms.append(option_term("--dataset", "dataset", dataset))
    if env is not None:
        terms.append(option_term("--env", "env", env))
    if uses is not None:
        target = view.resolve(uses, kinds=["dataset", "environment"], what="dataset or environment")
        terms.append(option_term("--uses", "dataset" if target.KIND == "dataset" else "env", target.id))
    return terms


@command()
def papers(
    session: Session,
    query: list[str] | None = None,
    year: str | None = None,
    keyword: str | None = None,
    dataset: str | None = None,
    env: str | None = None,
    uses: str | None = None,
    author: str | None = None,
    venue: str | None = None,
    has_code: bool = False,
    method: str | None = None,
    sort: PaperSort = PaperSort.YEAR,
    min_score: float | None = None,
    limit: int | None = None,
    output: Format | None = None,
    explain: bool = False,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """List papers, newest first, filtered by options or a query."""
    from ..query.querylang import conjunction

    terms = [option_term("--year", "year", year)] if year is not None else []
    node = user_query(query)
    view = session.open(catalog, no_bundled)
    terms += _subject_terms(view, keyword, dataset, env, uses)
    if author is not None:
        terms.append(option_term("--author", "author", author))
    if venue is not None:
        terms.append(option_term("--venue", "venue", venue))
    if has_code:
        terms.append(option_term("--has-code", "code", "yes"))
    if method is not None:
        terms.append(option_term("--method", "method", method))
    # Newest first, then by title (a paper's title_key is its case-folded title), then catalogue order.
    order = {
        PaperSort.YEAR: "year DESC, title_key, position",
        PaperSort.TITLE: "title_key, position",
        PaperSort.ID: "id",
    }[sort]
    whole = conjunction(option_term("kind", "kind", "paper"), *terms, node)
    _listing("papers", view, ("kind = 'paper'", (), order), whole, PAPER_COLUMNS, output, limit, explain, min_score)


@command()
def codebases(
    session: Session,
    query: list[str] | None = None,
    keyword: str | None = None,
    dataset: str | None = None,
    env: str | None = None,
    method: str | None = None,
    min_score: float | None = None,
    limit: int | None = None,
    output: Format | None = None,
    explain: bool = False,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """List codebases: RLHF libraries and the code released with papers."""
    from ..query.querylang import conjunction

    node = user_query(query)
    view = session.open(catalog, no_bundled)
    terms = _subject_terms(view, keyword, dataset, env)
    if method is not None:
        terms.append(option_term("--method", "method", method))
    columns = [
        field("id", "ID"),
        field("title", "Name"),
        field("keywords", "Keywords", wide=True),
        field("url", "URL", in_table=False),
    ]
    whole = conjunction(option_term("kind", "kind", "codebase"), *terms, node)
    selection = ("kind = 'codebase'", (), "title_key, position")
    _listing("codebases", view, selection, whole, columns, output, limit, explain, min_score)


@command()
def datasets(
    session: Session,
    query: list[str] | None = None,
    used_by: str | None = None,
    sort: DatasetSort = DatasetSort.NAME,
    min_score: float | None = None,
    limit: int | None = None,
    output: Format | None = None,
    explain: bool = False,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """List datasets and dataset collections, with how many papers and codebases use each."""
    from ..query.querylang import conjunction

    node = user_query(query)
    view = session.open(catalog, no_bundled)
    base: tuple[str, tuple[object, ...]] = ("kind = 'dataset'", ())
    noun = "datasets"
    if used_by is not None:
        user = view.resolve(used_by, kinds=["paper", "codebase"], what="paper or codebase")
        used = "position IN (SELECT target FROM links WHERE source = ? AND relation IN ('dataset', 'dataset-by-code'))"
        base = (f"kind = 'dataset' AND {used}", (view.position(user),))
        noun = f"datasets used by {user.display_name}"
    # By name (then catalogue order); most used first keeps that order among equals.
    order = "used_by DESC, title_key, position" if sort is DatasetSort.USES else "title_key, position"
    columns = [
        field("id", "ID"),
        field("title", "Name", wide=True),
        field("form", "Form"),
        field("used_by", "Used by"),
        field("url", "URL", in_table=False),
    ]
    whole = conjunction(option_term("kind", "kind", "dataset"), node)
    _listing(noun, view, (*base, order), whole, columns, output, limit, explain, min_score)


@command()
def envs(
    session: Session,
    query: list[str] | None = None,
    min_score: float | None = None,
    limit: int | None = None,
    output: Format | None = None,
    explain: bool = False,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """List experiment environments (Atari, MuJoCo, ...), with how many entries use each."""
    columns = [field("id", "ID"), field("title", "Name", wide=True), field("used_by", "Used by")]
    _kind_listing(
        session,
        "environment",
        "environments",
        ("1", ()),
        columns,
        query,
        catalog,
        no_bundled,
        output,
        limit,
        explain,
        min_score,
    )


@command()
def blogs(
    session: Session,
    query: list[str] | None = None,
    language: Language | None = None,
    min_score: float | None = None,
    limit: int | None = None,
    output: Format | None = None,
    explain: bool = False,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """List blog posts, talks and notes about RLHF."""
    columns = [
        field("id", "ID"),
        field("publisher", "Publisher"),
        field("language", "Lang"),
        field("title", "Title", wide=True),
        field("url", "URL", in_table=False),
    ]
    noun = f"blogs in language '{language.value}'" if language else "blogs"

    selection: tuple[str, tuple[object, ...]] = ("1", ())
    if language is not None:
        selection = ("json_extract(data, '$.language') = ?", (language.value,))
    _kind_listing(
        session, "blog", noun, selection, columns, query, catalog, no_bundled, output, limit, explain, min_score
    )


@command()
def books(
    session: Session,
    query: list[str] | None = None,
    min_score: float | None = None,
    limit: int | None = None,
    output: Format | None = None,
    explain: bool = False,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """List books about RLHF."""
    columns = [field("id", "ID"), field("title", "Title", wide=True), field("url", "URL", in_table=False)]
    _kind_listing(
        session, "book", "books", ("1", ()), columns, query, catalog, no_bundled, output, limit, explain, min_score
    )


@command()
def topics(
    session: Session,
    query: list[str] | None = None,
    category: Category | None = None,
    min_score: float | None = None,
    limit: int | None = None,
    output: Format | None = None,
    explain: bool = False,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """List the field's core techniques and application areas, in English and Chinese."""
    columns = [field("id", "ID"), field("category", "Category"), field("title", "English"), field("name_zh", "中文")]
    noun = f"topics in category '{category.value}'" if category else "topics"

    selection: tuple[str, tuple[object, ...]] = ("1", ())
    if category is not None:
        selection = ("json_extract(data, '$.category') = ?", (category.value,))
    _kind_listing(
        session, "topic", noun, selection, columns, query, catalog, no_bundled, output, limit, explain, min_score
    )

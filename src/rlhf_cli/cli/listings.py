"""`rlhf search` and the listing commands: papers, codebases, datasets, envs, blogs, books, topics.

Each listing turns its typed options into query terms (so `--year 2022` and `year:2022` are the
same query), adds the QUERY argument, and runs the whole query through `_listing`.
"""

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .. import render
from ..errors import ExitCode, Stop, UsageError
from ..hotpath import SEARCH_LIMIT, plain_words, search_columns, search_limit, search_words
from ..render import Column, Format, field
from . import (
    LEFT_OUT,
    CatalogOption,
    ExplainOption,
    FormatOption,
    KindChoice,
    LimitOption,
    NoBundledOption,
    QueryArgument,
    _complete,
    command,
    open_snapshot,
    user_query,
)

if TYPE_CHECKING:
    from ..catalog import Catalogue
    from ..models import Entry
    from ..querylang import Node
    from ..snapshot import Snapshot


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
    from ..querylang import QueryError, field

    try:
        return field(name, value)
    except QueryError as error:
        raise UsageError(f"{option}: {error.reason}") from None


def _listing(
    noun: str,
    snapshot: "Snapshot",
    entries: "list[Entry]",
    node: "Node | None",
    columns: list[Column],
    output: Format | None,
    limit: int | None,
    explain: bool,
    ranked: bool = False,
) -> None:
    """Run the query over `entries`, then print the matches or say why there are none (exit 1)."""
    from ..query import Query, empty_hint, terms_label
    from ..records import entry_record
    from ..search import KIND_ORDER

    catalogue = snapshot.catalogue
    query = Query(catalogue, node, lambda: snapshot.index)
    if explain:
        render.note(f"query: {query.describe()}")
    results = query.run(entries)
    if ranked:
        order = {kind: rank for rank, kind in enumerate(KIND_ORDER)}
        results.sort(key=lambda r: (-(r[1].score or 0.0), order[r[0].KIND], r[0].display_name.casefold()))
    if not results:
        if LEFT_OUT:  # the broken files, reported next, are the likelier story
            raise Stop(ExitCode.NO_MATCH)
        said = terms_label(node)
        render.error(f"no {noun} match {said}" if said else f"the catalogue has no {noun}")
        hint = empty_hint(query, entries, noun)
        if hint:
            render.note(f"hint: {hint}")
        raise Stop(ExitCode.NO_MATCH)
    if limit is None:
        from ..config import load_config

        limit = load_config().limit
    shown = results if limit is None else results[:limit]
    fmt = output or render.default_format()
    records = []
    for entry, match in shown:
        record = entry_record(entry, catalogue)
        if ranked:
            hit = query.text_hit(entry)
            matched = (
                {"field": hit.field, "text": hit.text} if hit else {"field": "query", "text": "; ".join(match.reasons)}
            )
            record = {"score": None if match.score is None else round(match.score, 1), "matched": matched} | record
        if explain:
            record["explain"] = list(match.reasons)
            if fmt not in (Format.JSON, Format.JSONL):
                score = "" if match.score is None else f" ({match.score:.1f})"
                render.note(f"{entry.id}{score}: " + "; ".join(match.reasons))
        records.append(record)
    render.listing(records, columns, fmt)
    if len(shown) < len(results) and sys.stderr.isatty():
        render.note(f"showing {len(shown)} of {len(results)}; use --limit to see more")


def _kind_listing(
    kind: str,
    noun: str,
    select: "Callable[[Catalogue], list[Entry]]",
    columns: list[Column],
    query: list[str] | None,
    catalog: list[Path] | None,
    no_bundled: bool,
    output: Format | None,
    limit: int | None,
    explain: bool,
) -> None:
    """The listing of one kind of entry: those `select` picks that match the QUERY."""
    from ..querylang import conjunction

    node = user_query(query)
    snapshot = open_snapshot(catalog, no_bundled)
    whole = conjunction(option_term("kind", "kind", kind), node)
    _listing(noun, snapshot, select(snapshot.catalogue), whole, columns, output, limit, explain)


@command()
def search(
    query: Annotated[
        list[str], typer.Argument(help="Words to look for (typos and word order are forgiven), or a full query.")
    ],
    kind: Annotated[
        list[KindChoice] | None, typer.Option("--kind", "-k", help="Only entries of this kind (repeatable).")
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            min=1,
            help=f"Show at most this many results. Default: {SEARCH_LIMIT}, or `limit` in the config file.",
            show_default=False,
        ),
    ] = None,
    output: FormatOption = None,
    explain: ExplainOption = False,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """Search every kind of entry by title, name, alias, keyword, author, dataset or topic, best first."""
    text = " ".join(query)
    if not text.strip():
        raise UsageError("search: give at least one word to look for")
    limit = search_limit(limit)
    kinds = [k.value for k in kind] if kind else None
    if plain_words(text) and not explain:
        # Free words alone, the common case: no need to load the query language at all.
        search_words(open_snapshot(catalog, no_bundled), " ".join(text.split()), kinds, limit, output)
        return
    from ..querylang import Or, conjunction, text_only
    from ..querylang import field as query_field

    node = user_query(query)
    snapshot = open_snapshot(catalog, no_bundled)
    words = text_only(node)
    if words is not None and not explain:
        search_words(snapshot, words, kinds, limit, output)
        return
    kind_node = None
    if kinds:
        kind_terms = tuple(query_field("kind", k) for k in kinds)
        kind_node = kind_terms[0] if len(kind_terms) == 1 else Or(kind_terms)
    whole = conjunction(kind_node, node)
    entries = list(snapshot.catalogue.entries)
    _listing("entries", snapshot, entries, whole, search_columns(), output, limit, explain, ranked=True)


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
    snapshot: "Snapshot", keyword: str | None, dataset: str | None, env: str | None, uses: str | None = None
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
        target = snapshot.catalogue.resolve(uses, kinds=["dataset", "environment"], what="dataset or environment")
        terms.append(option_term("--uses", "dataset" if target.KIND == "dataset" else "env", target.id))
    return terms


@command()
def papers(
    query: QueryArgument = None,
    year: Annotated[
        str | None,
        typer.Option(
            "--year",
            "-y",
            help="A year (2022), a range (2020..2022, 2021.., ..2019) or a bound (>=2022, <2019).",
            autocompletion=_complete(what="years"),
        ),
    ] = None,
    keyword: Annotated[
        str | None,
        typer.Option(
            "--keyword",
            "-k",
            help="Only papers with a keyword containing this text.",
            autocompletion=_complete(what="keywords"),
        ),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            "--dataset",
            "-d",
            help="Only papers using this dataset (id, name or alias).",
            autocompletion=_complete(("dataset",)),
        ),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option(
            "--env",
            "-e",
            help="Only papers using this environment (id, name or alias).",
            autocompletion=_complete(("environment",)),
        ),
    ] = None,
    uses: Annotated[
        str | None,
        typer.Option(
            "--uses",
            "-u",
            help="Only papers using this dataset or environment.",
            autocompletion=_complete(("dataset", "environment")),
        ),
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", "-a", help="Only papers with an author whose name contains this text.")
    ] = None,
    has_code: Annotated[bool, typer.Option("--has-code", help="Only papers with a link to code.")] = False,
    sort: Annotated[
        PaperSort, typer.Option("--sort", "-s", help="Order: year (newest first), title or id.")
    ] = PaperSort.YEAR,
    limit: LimitOption = None,
    output: FormatOption = None,
    explain: ExplainOption = False,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List papers, newest first, filtered by options or a query."""
    from ..models import Paper
    from ..querylang import conjunction

    terms = [option_term("--year", "year", year)] if year is not None else []
    node = user_query(query)
    snapshot = open_snapshot(catalog, no_bundled)
    terms += _subject_terms(snapshot, keyword, dataset, env, uses)
    if author is not None:
        terms.append(option_term("--author", "author", author))
    if has_code:
        terms.append(option_term("--has-code", "code", "yes"))
    found: list[Paper] = list(snapshot.catalogue.papers)
    order: dict[PaperSort, Callable[[Paper], Any]] = {
        PaperSort.YEAR: lambda p: (-p.year, p.title.casefold()),
        PaperSort.TITLE: lambda p: p.title.casefold(),
        PaperSort.ID: lambda p: p.id,
    }
    found.sort(key=order[sort])
    whole = conjunction(option_term("kind", "kind", "paper"), *terms, node)
    _listing("papers", snapshot, list(found), whole, PAPER_COLUMNS, output, limit, explain)


@command()
def codebases(
    query: QueryArgument = None,
    keyword: Annotated[
        str | None,
        typer.Option(
            "--keyword",
            "-k",
            help="Only codebases with a keyword or task containing this text.",
            autocompletion=_complete(what="keywords"),
        ),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            "--dataset", "-d", help="Only codebases using this dataset.", autocompletion=_complete(("dataset",))
        ),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option(
            "--env", "-e", help="Only codebases using this environment.", autocompletion=_complete(("environment",))
        ),
    ] = None,
    limit: LimitOption = None,
    output: FormatOption = None,
    explain: ExplainOption = False,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List codebases: RLHF libraries and the code released with papers."""
    from ..querylang import conjunction

    node = user_query(query)
    snapshot = open_snapshot(catalog, no_bundled)
    terms = _subject_terms(snapshot, keyword, dataset, env)
    found = sorted(snapshot.catalogue.codebases, key=lambda e: e.display_name.casefold())
    columns = [
        field("id", "ID"),
        field("title", "Name"),
        field("keywords", "Keywords", wide=True),
        field("url", "URL", in_table=False),
    ]
    whole = conjunction(option_term("kind", "kind", "codebase"), *terms, node)
    _listing("codebases", snapshot, list(found), whole, columns, output, limit, explain)


@command()
def datasets(
    query: QueryArgument = None,
    used_by: Annotated[
        str | None,
        typer.Option(
            "--used-by",
            "-u",
            help="Only datasets used by this paper or codebase (id, alias or title).",
            autocompletion=_complete(("paper", "codebase")),
        ),
    ] = None,
    sort: Annotated[
        DatasetSort, typer.Option("--sort", "-s", help="Order: name, or uses (most used first).")
    ] = DatasetSort.NAME,
    limit: LimitOption = None,
    output: FormatOption = None,
    explain: ExplainOption = False,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List datasets and dataset collections, with how many papers and codebases use each."""
    from ..models import Codebase, Paper
    from ..querylang import conjunction

    node = user_query(query)
    snapshot = open_snapshot(catalog, no_bundled)
    catalogue = snapshot.catalogue
    found = sorted(catalogue.datasets, key=lambda d: d.display_name.casefold())
    noun = "datasets"
    if used_by is not None:
        user = catalogue.resolve(used_by, kinds=["paper", "codebase"], what="paper or codebase")
        assert isinstance(user, Paper | Codebase)
        found = [d for d in found if d.id in user.datasets]
        noun = f"datasets used by {user.display_name}"
    if sort is DatasetSort.USES:
        found.sort(key=lambda d: -catalogue.users_count(d))
    columns = [
        field("id", "ID"),
        field("title", "Name", wide=True),
        field("form", "Form"),
        field("used_by", "Used by"),
        field("url", "URL", in_table=False),
    ]
    whole = conjunction(option_term("kind", "kind", "dataset"), node)
    _listing(noun, snapshot, list(found), whole, columns, output, limit, explain)


@command()
def envs(
    query: QueryArgument = None,
    limit: LimitOption = None,
    output: FormatOption = None,
    explain: ExplainOption = False,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List experiment environments (Atari, MuJoCo, ...), with how many entries use each."""
    columns = [field("id", "ID"), field("title", "Name", wide=True), field("used_by", "Used by")]
    _kind_listing(
        "environment",
        "environments",
        lambda catalogue: list(catalogue.environments),
        columns,
        query,
        catalog,
        no_bundled,
        output,
        limit,
        explain,
    )


@command()
def blogs(
    query: QueryArgument = None,
    language: Annotated[Language | None, typer.Option("--language", "-l", help="Only posts in this language.")] = None,
    limit: LimitOption = None,
    output: FormatOption = None,
    explain: ExplainOption = False,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
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

    def select(catalogue: "Catalogue") -> "list[Entry]":
        return [blog for blog in catalogue.blogs if language is None or blog.language == language.value]

    _kind_listing("blog", noun, select, columns, query, catalog, no_bundled, output, limit, explain)


@command()
def books(
    query: QueryArgument = None,
    limit: LimitOption = None,
    output: FormatOption = None,
    explain: ExplainOption = False,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List books about RLHF."""
    columns = [field("id", "ID"), field("title", "Title", wide=True), field("url", "URL", in_table=False)]
    books = lambda catalogue: list(catalogue.books)  # noqa: E731
    _kind_listing("book", "books", books, columns, query, catalog, no_bundled, output, limit, explain)


@command()
def topics(
    query: QueryArgument = None,
    category: Annotated[
        Category | None, typer.Option("--category", help="Only techniques, or only application areas.")
    ] = None,
    limit: LimitOption = None,
    output: FormatOption = None,
    explain: ExplainOption = False,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List the field's core techniques and application areas, in English and Chinese."""
    columns = [field("id", "ID"), field("category", "Category"), field("title", "English"), field("name_zh", "中文")]
    noun = f"topics in category '{category.value}'" if category else "topics"

    def select(catalogue: "Catalogue") -> "list[Entry]":
        return [t for t in catalogue.topics if category is None or t.category == category.value]

    _kind_listing("topic", noun, select, columns, query, catalog, no_bundled, output, limit, explain)

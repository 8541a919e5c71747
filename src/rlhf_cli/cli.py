"""The `rlhf` command line: options in, records out. The only module that imports typer.

Commands load the catalogue, ask the library modules for entries and hand records to `render`.
Expected failures (`RlhfError`) are turned into one line on stderr and a documented exit code
by `_error_boundary`, which wraps every command.
"""

import functools
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from . import __version__, render
from .errors import ExitCode, RlhfError, UsageError
from .render import Column, Format, field

if TYPE_CHECKING:
    from .catalog import Catalogue
    from .models import Entry
    from .query import Filter

F = TypeVar("F", bound=Callable[..., Any])


def _error_boundary(command: F) -> F:
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RlhfError as problem:
            render.error(str(problem))
            raise typer.Exit(problem.exit_code) from None
        except BrokenPipeError:
            # The reader went away (`rlhf papers | head -1`): stop quietly, and keep Python's
            # final flush of stdout from complaining about the closed pipe.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(ExitCode.OK) from None

    return run  # type: ignore[return-value]


class _App(typer.Typer):
    """A Typer app whose every command runs inside the error boundary."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        register = super().command(*args, **kwargs)
        return lambda command: register(_error_boundary(command))


app = _App(
    name="rlhf",
    help="The RLHF research map in your terminal: papers, code, datasets, environments and reading.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class KindChoice(StrEnum):
    PAPER = "paper"
    DATASET = "dataset"
    CODEBASE = "codebase"
    ENVIRONMENT = "environment"
    BLOG = "blog"
    BOOK = "book"
    TOPIC = "topic"


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


CatalogOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--catalog",
        "-c",
        help="Add a catalogue file or folder of .toml files (repeatable); $RLHF_CATALOG adds more.",
        show_default=False,
    ),
]
NoBundledOption = Annotated[
    bool,
    typer.Option("--no-bundled", help="Leave out the bundled catalogue: use only --catalog and $RLHF_CATALOG."),
]
FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format. Default: table on a terminal, tsv (tab-separated, no header) in a pipe.",
        show_default=False,
    ),
]
LimitOption = Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Show at most this many.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rlhf {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """The RLHF research map in your terminal: papers, code, datasets, environments and reading."""


def _open(catalog: list[Path] | None, no_bundled: bool) -> "Catalogue":
    from .loader import catalog_paths, load

    return load(catalog_paths(catalog, bundled=not no_bundled))


def _show_listing(
    records: list[dict[str, Any]],
    columns: list[Column],
    output: Format | None,
    limit: int | None,
    empty_message: str,
    hint: str | None = None,
) -> None:
    """Print records, or say why there are none and exit 1."""
    if not records:
        render.error(empty_message)
        if hint:
            render.note(f"hint: {hint}")
        raise typer.Exit(ExitCode.NO_MATCH)
    shown = records if limit is None else records[:limit]
    render.listing(shown, columns, output or render.default_format())
    if len(shown) < len(records) and sys.stderr.isatty():
        render.note(f"showing {len(shown)} of {len(records)}; use --limit to see more")


def _filtered(
    catalogue: "Catalogue", entries: "list[Entry]", filters: "list[Filter]", noun: str
) -> "tuple[list[Entry], str, str | None]":
    from .query import apply, empty_hint

    matches = apply(entries, filters)
    said = " ".join(f.label for f in filters)
    message = f"no {noun} match {said}" if filters else f"the catalogue has no {noun}"
    return matches, message, None if matches else empty_hint(entries, filters, noun)


def _subject_filters(
    catalogue: "Catalogue", keyword: str | None, dataset: str | None, env: str | None
) -> "list[Filter]":
    """The --keyword, --dataset and --env filters that papers and codebases share."""
    from . import query

    filters = []
    if keyword is not None:
        filters.append(query.keyword_filter(catalogue, keyword))
    if dataset is not None:
        filters.append(query.link_filter(catalogue, dataset, "dataset", "--dataset"))
    if env is not None:
        filters.append(query.link_filter(catalogue, env, "environment", "--env"))
    return filters


PAPER_COLUMNS = [
    field("id", "ID"),
    field("year", "Year"),
    Column("Title", lambda r: _title_cell(r), wide=True),
    Column("Authors", lambda r: _authors_cell(r)),
    Column("Code", lambda r: "yes" if r["code"] else ""),
]


def _title_cell(record: dict[str, Any]) -> str:
    short: str | None = record.get("short_name")
    title: str = record["title"]
    return f"{title} ({short})" if short and short not in title else title


def _authors_cell(record: dict[str, Any]) -> str:
    authors: list[str] = record["authors"]
    if not authors:
        return record.get("authors_org") or ""
    return authors[0] + (" et al." if len(authors) > 1 or record["authors_et_al"] else "")


@app.command()
def search(
    query: Annotated[list[str], typer.Argument(help="Words to look for; typos and word order are forgiven.")],
    kind: Annotated[
        list[KindChoice] | None, typer.Option("--kind", "-k", help="Only entries of this kind (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many results.")] = 20,
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """Fuzzy-search every kind of entry by title, name, alias, keyword, author, dataset or topic."""
    from .loader import catalog_paths, open_snapshot
    from .records import hit_record

    text = " ".join(query)
    if not text.strip():
        raise UsageError("search: give at least one word to look for")
    snapshot = open_snapshot(catalog_paths(catalog, bundled=not no_bundled))
    hits = snapshot.index.search(text, [k.value for k in kind] if kind else None)
    columns = [
        field("score", "Score"),
        field("kind", "Kind"),
        field("id", "ID"),
        field("title", "Title", wide=True),
        Column("Matched", lambda r: f"{r['matched']['field']}: {r['matched']['text']}"),
    ]
    # Only the hits that will be shown are read from the store.
    shown = hits if limit is None else hits[:limit]
    records = [hit_record(hit, snapshot.record(hit.position)) for hit in shown]
    _show_listing(records, columns, output, None, f"nothing matches '{text}'", "try fewer or shorter words")
    if len(shown) < len(hits) and sys.stderr.isatty():
        render.note(f"showing {len(shown)} of {len(hits)}; use --limit to see more")


@app.command()
def papers(
    year: Annotated[
        str | None,
        typer.Option("--year", "-y", help="A year (2022) or an inclusive range (2020..2022, 2021.., ..2019)."),
    ] = None,
    keyword: Annotated[
        str | None, typer.Option("--keyword", "-k", help="Only papers with a keyword containing this text.")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", "-d", help="Only papers using this dataset (id, name or alias).")
    ] = None,
    env: Annotated[
        str | None, typer.Option("--env", "-e", help="Only papers using this environment (id, name or alias).")
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
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List papers, newest first, filtered by year, keyword, dataset, environment, author or code."""
    from . import query
    from .models import Paper
    from .records import entry_record

    years = query.YearRange.parse(year) if year is not None else None
    catalogue = _open(catalog, no_bundled)
    filters = [query.year_filter(years)] if years is not None else []
    filters += _subject_filters(catalogue, keyword, dataset, env)
    if author is not None:
        filters.append(query.author_filter(catalogue, author))
    if has_code:
        filters.append(query.has_code_filter())
    matches, message, hint = _filtered(catalogue, list(catalogue.papers), filters, "papers")
    found = [paper for paper in matches if isinstance(paper, Paper)]
    if sort is PaperSort.YEAR:
        found.sort(key=lambda p: (-p.year, p.title.casefold()))
    elif sort is PaperSort.TITLE:
        found.sort(key=lambda p: p.title.casefold())
    else:
        found.sort(key=lambda p: p.id)
    records = [entry_record(paper, catalogue) for paper in found]
    _show_listing(records, PAPER_COLUMNS, output, limit, message, hint)


@app.command()
def codebases(
    keyword: Annotated[
        str | None, typer.Option("--keyword", "-k", help="Only codebases with a keyword or task containing this text.")
    ] = None,
    dataset: Annotated[str | None, typer.Option("--dataset", "-d", help="Only codebases using this dataset.")] = None,
    env: Annotated[str | None, typer.Option("--env", "-e", help="Only codebases using this environment.")] = None,
    limit: LimitOption = None,
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List codebases: RLHF libraries and the code released with papers."""
    from .records import entry_record

    catalogue = _open(catalog, no_bundled)
    filters = _subject_filters(catalogue, keyword, dataset, env)
    matches, message, hint = _filtered(catalogue, list(catalogue.codebases), filters, "codebases")
    columns = [
        field("id", "ID"),
        field("title", "Name"),
        field("keywords", "Keywords", wide=True),
        field("url", "URL", in_table=False),
    ]
    records = [entry_record(entry, catalogue) for entry in sorted(matches, key=lambda e: e.display_name.casefold())]
    _show_listing(records, columns, output, limit, message, hint)


@app.command()
def datasets(
    used_by: Annotated[
        str | None,
        typer.Option("--used-by", "-u", help="Only datasets used by this paper or codebase (id, alias or title)."),
    ] = None,
    sort: Annotated[
        DatasetSort, typer.Option("--sort", "-s", help="Order: name, or uses (most used first).")
    ] = DatasetSort.NAME,
    limit: LimitOption = None,
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List datasets and dataset collections, with how many papers and codebases use each."""
    from . import query
    from .records import entry_record

    catalogue = _open(catalog, no_bundled)
    filters = [query.used_by_filter(catalogue, used_by)] if used_by is not None else []
    matches, message, hint = _filtered(catalogue, list(catalogue.datasets), filters, "datasets")
    records = [entry_record(entry, catalogue) for entry in matches]
    records.sort(key=lambda r: r["title"].casefold())
    if sort is DatasetSort.USES:
        records.sort(key=lambda r: -r["used_by"])
    columns = [
        field("id", "ID"),
        field("title", "Name", wide=True),
        field("form", "Form"),
        field("used_by", "Used by"),
        field("url", "URL", in_table=False),
    ]
    _show_listing(records, columns, output, limit, message, hint)


@app.command()
def envs(
    limit: LimitOption = None,
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List experiment environments (Atari, MuJoCo, ...), with how many entries use each."""
    from .records import entry_record

    catalogue = _open(catalog, no_bundled)
    records = [entry_record(env, catalogue) for env in catalogue.environments]
    columns = [field("id", "ID"), field("title", "Name", wide=True), field("used_by", "Used by")]
    _show_listing(records, columns, output, limit, "the catalogue has no environments")


@app.command()
def blogs(
    language: Annotated[Language | None, typer.Option("--language", "-l", help="Only posts in this language.")] = None,
    limit: LimitOption = None,
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List blog posts, talks and notes about RLHF."""
    from .records import entry_record

    catalogue = _open(catalog, no_bundled)
    found = [blog for blog in catalogue.blogs if language is None or blog.language == language.value]
    columns = [
        field("id", "ID"),
        field("publisher", "Publisher"),
        field("language", "Lang"),
        field("title", "Title", wide=True),
    ]
    message = f"no blogs in language '{language.value}'" if language else "the catalogue has no blogs"
    _show_listing([entry_record(blog, catalogue) for blog in found], columns, output, limit, message)


@app.command()
def books(
    limit: LimitOption = None,
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List books about RLHF."""
    from .records import entry_record

    catalogue = _open(catalog, no_bundled)
    columns = [field("id", "ID"), field("title", "Title", wide=True), field("url", "URL", in_table=False)]
    records = [entry_record(book, catalogue) for book in catalogue.books]
    _show_listing(records, columns, output, limit, "the catalogue has no books")


@app.command()
def topics(
    category: Annotated[
        Category | None, typer.Option("--category", help="Only techniques, or only application areas.")
    ] = None,
    limit: LimitOption = None,
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """List the field's core techniques and application areas, in English and Chinese."""
    from .records import entry_record

    catalogue = _open(catalog, no_bundled)
    found = [topic for topic in catalogue.topics if category is None or topic.category == category.value]
    columns = [field("id", "ID"), field("category", "Category"), field("title", "English"), field("name_zh", "中文")]
    message = f"no topics in category '{category.value}'" if category else "the catalogue has no topics"
    _show_listing([entry_record(topic, catalogue) for topic in found], columns, output, limit, message)


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="An id, title, name or alias (any case).")],
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """Show one entry in full, with everything linked to it in either direction."""
    from .records import entry_record, links_record

    catalogue = _open(catalog, no_bundled)
    entry = catalogue.resolve(name)
    fmt = output or render.default_format()
    render.detail(entry_record(entry, catalogue), links_record(entry, catalogue), fmt)


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Catalogue files or folders to check as one catalogue. Default: the catalogue in use."),
    ] = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """Check catalogue files and report every problem; exit 3 if there is any."""
    from .loader import catalog_paths, check

    targets = list(paths) if paths else catalog_paths(catalog, bundled=not no_bundled)
    problems = check(targets)
    for problem in problems:
        render.write(render.visible(str(problem)) + "\n")
    if problems:
        render.error(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found")
        raise typer.Exit(ExitCode.CATALOG)
    render.note(f"ok: {', '.join(str(path) for path in targets)}")

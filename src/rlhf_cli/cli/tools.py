"""Commands over the whole catalogue: validate, stats, graph, export."""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import ExitCode, Stop, UsageError, WriteError
from ..output import render
from ..output.render import Format, field
from . import Session, command, user_query
from .typer_app import CatalogOption, FormatOption, LimitOption, NoBundledOption, QueryArgument, _complete

if TYPE_CHECKING:
    from ..catalogue.models import Entry, Method
    from ..loading.view import CatalogueView
    from ..query.querylang import Node


@command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Catalogue files or folders to check as one catalogue; their references may point into the "
            "catalogue in use, as in the other commands. Default: the catalogue in use."
        ),
    ] = None,
    sources: Annotated[
        Path | None,
        typer.Option(
            "--sources",
            help="The folder of the reference lists: compare each entry with the lines its sources cite.",
            show_default=False,
        ),
    ] = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """Check catalogue files and report every problem; exit 3 if there is any."""
    from ..loading.loader import catalog_paths, check

    if sources is not None and not sources.is_dir():
        raise UsageError(f"validate: --sources: no such folder: {sources}")
    in_use = catalog_paths(catalog, bundled=not no_bundled)
    targets = list(paths) if paths else in_use
    problems = check(targets, context=in_use if paths else None)
    for problem in problems:
        render.write(render.visible(str(problem)) + "\n")
    if problems:
        render.error(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found")
        raise Stop(ExitCode.CATALOG)
    if sources is not None:
        from ..awesome.provenance import differences
        from ..loading.loader import load

        found = differences(load(targets), sources)
        for difference in found:
            render.write(render.visible(str(difference)) + "\n")
        if found:
            count = f"{len(found)} difference{'s' if len(found) != 1 else ''}"
            render.error(f"{count} from the sources that the entries' notes do not explain")
            raise Stop(ExitCode.CATALOG)
        render.note(f"ok: {', '.join(str(path) for path in targets)}; every entry agrees with its sources in {sources}")
        return
    render.note(f"ok: {', '.join(str(path) for path in targets)}")


class Grouping(StrEnum):
    YEAR = "year"
    KEYWORD = "keyword"
    DATASET = "dataset"
    ENV = "env"
    KIND = "kind"
    SOURCE = "source"
    METHOD = "method"


@command()
def stats(
    session: Session,
    query: QueryArgument = None,
    by: Annotated[Grouping, typer.Option("--by", "-b", help="What to count by.")] = Grouping.YEAR,
    limit: LimitOption = None,
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """Count entries (of a query, or all) by year, keyword, dataset, environment, kind, source or method."""
    from ..query.stats import counts

    view = session.open(catalog, no_bundled)
    rows = counts(view, *_selection(view, user_query(query)), by.value)
    if by is not Grouping.YEAR and limit is not None:
        rows = rows[:limit]
    if not rows:
        render.error(f"nothing to count by {by.value}")
        raise Stop(ExitCode.NO_MATCH)
    fmt = output or render.default_format()
    records = [{by.value: label, "count": count} for label, count in rows]
    if fmt is Format.TABLE:
        render.bar_chart(rows, title=f"{'papers' if by is Grouping.YEAR else 'entries'} by {by.value}")
    elif fmt in (Format.JSON, Format.JSONL, Format.CSV, Format.TSV, Format.MARKDOWN):
        render.listing(records, [field(by.value, by.value.title()), field("count", "Count")], fmt)
    else:
        raise UsageError(f"stats: --format {fmt.value} does not apply to counts")


class GraphFormat(StrEnum):
    MERMAID = "mermaid"
    DOT = "dot"
    SVG = "svg"
    PNG = "png"


@command()
def graph(
    session: Session,
    query: QueryArgument = None,
    output: Annotated[
        GraphFormat,
        typer.Option("--format", "-f", help="Diagram language, or a picture (svg, png) drawn by Graphviz's dot."),
    ] = GraphFormat.MERMAID,
    methods: Annotated[
        bool, typer.Option("--methods", help="Draw the method tree (QUERY, if given, is the method to start from).")
    ] = False,
    lineage: Annotated[
        str | None,
        typer.Option(
            "--lineage",
            help="Draw the family of this method's introducing papers (each a variant of its parent's).",
            autocompletion=_complete(("method",)),
        ),
    ] = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """Print the graph of a query's papers, datasets and code (default: all papers), or the method tree or a lineage."""
    import sys

    from ..output import graph as diagrams
    from ..query.querylang import field as query_field

    if methods and lineage is not None:
        raise UsageError("graph: give --methods or --lineage, not both")
    view = session.open(catalog, no_bundled)
    nodes: list[Entry] | list[Method]
    if methods or lineage is not None:
        from ..catalogue.methods import tree
        from ..catalogue.models import Paper, only

        methods_tree = tree(view)
        if not methods_tree.methods:
            render.error("the catalogue has no methods (catalog/methods.toml)")
            raise Stop(ExitCode.NO_MATCH)
        if lineage is not None:
            start = view.resolve_method(lineage).id
            introduced = [m.introduced_by for m in methods_tree.methods.values() if m.introduced_by]
            papers = {p.id: p for p in only(Paper, view.lookup_ids(introduced))}
            nodes, links = diagrams.lineage(methods_tree, start, papers)
        else:
            root = view.resolve_method(" ".join(query)).id if query else None
            nodes, links = diagrams.method_tree(methods_tree, root)
    else:
        condition, parameters = _selection(view, user_query(query) or query_field("kind", "paper"))
        selection = view.entries_where(condition, parameters)
        if not selection:
            render.error("nothing matches the query, so there is no graph")
            raise Stop(ExitCode.NO_MATCH)
        nodes, links = diagrams.edges(view, selection)
    if output is GraphFormat.MERMAID:
        render.write(diagrams.mermaid(nodes, links))
    elif output is GraphFormat.DOT:
        render.write(diagrams.dot(nodes, links))
    else:
        if output is GraphFormat.PNG and sys.stdout.isatty():
            raise UsageError("graph: a PNG is binary; redirect it to a file (rlhf graph -f png > graph.png)")
        image = diagrams.picture(diagrams.dot(nodes, links), output.value)
        if output is GraphFormat.SVG:
            render.write(image.decode("utf-8"))
        else:
            sys.stdout.buffer.write(image)
            sys.stdout.buffer.flush()


def _selection(view: "CatalogueView", node: "Node | None") -> tuple[str, list[object]]:
    """The entries of the catalogue that match a query (all of them for no query), as an SQL
    condition on the store's `entries` and its parameters."""
    from ..query.query import Query

    return Query(view, node).sql()


class ExportFormat(StrEnum):
    SQLITE = "sqlite"
    MARKDOWN = "markdown"
    HTML = "html"


class ListLanguage(StrEnum):
    EN = "en"
    ZH = "zh"


@command()
def export(
    session: Session,
    destination: Annotated[
        Path,
        typer.Argument(
            help="The file to write; '-' for stdout (markdown); a folder for html. An existing file is "
            "replaced only if it is a regular file holding the same format (or with --force); html writes "
            "only into a new or empty folder or an earlier html export (or with --force)."
        ),
    ],
    output: Annotated[ExportFormat, typer.Option("--format", "-f", help="What to write.")] = ExportFormat.SQLITE,
    language: Annotated[
        ListLanguage, typer.Option("--lang", help="Headings of the Markdown list: English or Chinese.")
    ] = ListLanguage.EN,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing file even if it holds something else.")
    ] = False,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """Export the whole catalogue: a SQLite database, an awesome list in Markdown, or a static site."""
    import sqlite3

    from ..atomic import replace_file, writable_destination

    if str(destination) == "-":
        if output is ExportFormat.HTML:
            raise UsageError("export: a site is a folder of files and cannot go to stdout; give a folder name")
        if output is not ExportFormat.MARKDOWN:
            raise UsageError("export: a SQLite database cannot go to stdout; give a file name")
        render.write(_markdown(session, catalog, no_bundled, language))
        return
    if output is ExportFormat.HTML:
        _html(session, destination, force, catalog, no_bundled)
        return
    if output is ExportFormat.MARKDOWN:
        looks_like, what, extensions = _looks_like_text, "a text file", _MARKDOWN_EXTENSIONS
    else:
        from ..output.export_sqlite import looks_like_sqlite

        looks_like, what, extensions = looks_like_sqlite, "a SQLite database", _SQLITE_EXTENSIONS
    try:
        target = writable_destination(destination, looks_like, what, force)
    except UsageError as error:
        raise UsageError(f"export: {error}") from None
    if destination.suffix.lower() not in extensions:
        render.note(f"rlhf: warning: writing {output.value} to {destination}, a name not ending in {extensions[0]}")
    try:
        if output is ExportFormat.MARKDOWN:
            text = _markdown(session, catalog, no_bundled, language)
            replace_file(target, lambda temporary: temporary.write_text(text, encoding="utf-8"))
            return
        from ..output.export_sqlite import export as export_sqlite

        view = session.open(catalog, no_bundled, tolerant=False)
        export_sqlite(view, target)
    except (OSError, sqlite3.Error) as error:
        raise WriteError(f"export: cannot write {destination}: {getattr(error, 'strerror', None) or error}") from None
    render.note(f"wrote {view.value('SELECT count(*) FROM entries')} entries to {destination}")


_MARKDOWN_EXTENSIONS: tuple[str, ...] = (".md", ".markdown", ".txt")
_SQLITE_EXTENSIONS: tuple[str, ...] = (".sqlite", ".sqlite3", ".db", ".db3")


def _html(session: Session, destination: Path, force: bool, catalog: list[Path] | None, no_bundled: bool) -> None:
    from ..api import Catalogue
    from ..output.export_html import export as export_html
    from ..output.export_html import writable_folder

    try:
        folder = writable_folder(destination, force)
    except UsageError as error:
        raise UsageError(f"export: {error}") from None
    # Strict, as the other formats: a site must not silently miss the entries of a broken file.
    catalogue = Catalogue(session.open(catalog, no_bundled, tolerant=False))
    try:
        count = export_html(catalogue, folder)
    except OSError as error:
        raise WriteError(f"export: cannot write {destination}: {error.strerror or error}") from None
    render.note(f"wrote {count} entries to {destination}/ (open {destination}/index.html)")


def _markdown(session: Session, catalog: list[Path] | None, no_bundled: bool, language: ListLanguage) -> str:
    from ..awesome.export_markdown import export as export_markdown

    # Strict: an export must not silently miss the entries of a broken file.
    return export_markdown(session.open(catalog, no_bundled, tolerant=False).catalogue(), language.value)


def _looks_like_text(head: bytes) -> bool:
    """True for a file a Markdown export may replace: UTF-8 text (a cut-off last character is fine)."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3 and len(head) == 8192
    return True


class CacheAction(StrEnum):
    INFO = "info"
    CLEAR = "clear"


@command()
def cache(
    action: Annotated[
        CacheAction, typer.Argument(help="info: where the cache is, how big, for which files; clear: empty it.")
    ],
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """Show the cache of validated catalogues (info), or remove it (clear)."""
    from ..loading import store
    from ..loading.loader import catalog_paths, catalogue_files

    folder = store.cache_dir()
    if action is CacheAction.CLEAR:
        removed = store.clear()
        render.note(f"removed {len(removed)} file{'s' if len(removed) != 1 else ''} from {folder}")
        return
    in_use = store.set_name([str(path) for path in catalogue_files(catalog_paths(catalog, bundled=not no_bundled))])
    found = [store.describe(path, in_use) for path in store.stores()]
    render.note(f"cache folder: {folder}")
    if not found:
        render.note("it holds no catalogue stores")
        return
    records = [
        {
            "path": str(info.path),
            "size": info.size,
            "entries": info.entries,
            "in_use": info.current,
            "files": info.files,
        }
        for info in found
    ]
    columns = [
        field("path", "Store", wide=True),
        field("size", "Bytes"),
        field("entries", "Entries"),
        render.Column("In use", lambda r: "yes" if r["in_use"] else ""),
        render.Column("Files", lambda r: "\n".join(r["files"]), wide=True),
    ]
    render.listing(records, columns, output or render.default_format())

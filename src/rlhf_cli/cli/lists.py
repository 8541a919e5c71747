"""Commands for awesome lists in Markdown: import and lint (export is in tools.py)."""

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import ExitCode, Stop, UsageError, WriteError
from ..output import render
from ..output.render import Format, field
from . import command
from .typer_app import CatalogOption, FormatOption, NoBundledOption

if TYPE_CHECKING:
    from ..awesome.importer import Plan
    from ..awesome.reader import Item


@command("import")
def import_list(
    markdown: Annotated[Path, typer.Argument(help="The list to import: an awesome list (Markdown) or a BibTeX file.")],
    into: Annotated[
        Path | None,
        typer.Option(
            "--into",
            help="Catalogue folder to write into. Default: your own catalogue (searched with the bundled one).",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Name recorded as the entries' source. Default: the file's name.")
    ] = None,
    bib: Annotated[
        Path | None,
        typer.Option("--bib", help="A BibTeX file to fill the years and authors the list's lines lack."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be added, merged and skipped.")] = False,
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """Import an awesome list (or a BibTeX file) into catalogue TOML, merging with what is already there."""
    from ..awesome.importer import locked, plan_import, read_target, write_plan
    from ..loading.loader import catalog_paths, load, user_catalog_dir

    text = _read_text(markdown)
    folder = into or user_catalog_dir()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"import: {folder} is not a folder")
    in_use = catalog_paths(catalog, bundled=not no_bundled)
    if folder.is_dir() and all(path.resolve() != folder.resolve() for path in in_use):
        in_use.append(folder)
    bibtex = markdown.suffix.casefold() == ".bib"
    references = (bib.stem, _read_text(bib)) if bib is not None else None

    def plan() -> "Plan":
        return plan_import(
            text, source or markdown.stem, load(in_use), read_target(folder), _progress, bibtex, references
        )

    if dry_run:
        made = plan()
    else:
        try:
            with locked(folder):  # read, plan and write as one step: another import waits
                made = plan()
                if made.changed:
                    write_plan(made, folder, in_use)
        except OSError as error:
            raise WriteError(f"import: cannot write to {folder}: {error.strerror or error}") from None
    for number, line in made.unread:
        render.note(f"{markdown}:{number}: not read as an item: {line}")
    records = [
        {"action": a.action, "kind": a.kind, "id": a.id, "title": a.title, "line": a.line, "reason": a.reason}
        for a in made.actions
    ]
    columns = [field("action", "Action"), field("kind", "Kind"), field("id", "ID"), field("line", "Line")]
    columns += [field("title", "Title", wide=True), field("reason", "Why", wide=True)]
    if records:
        render.listing(records, columns, output or render.default_format())
    counts = {name: sum(a.action == name for a in made.actions) for name in ("added", "merged", "skipped")}
    verb = "would write" if dry_run else "wrote"
    summary = f"{counts['added']} added, {counts['merged']} merged, {counts['skipped']} skipped"
    written = "nothing to write" if not made.changed else f"{verb} {folder}"
    render.note(f"{summary}; {written}")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: not valid UTF-8 (byte {error.start})") from None
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None


def _progress(items: "Iterable[Item]") -> "Iterable[Item]":
    """A progress bar on a terminal for long lists; the items unchanged otherwise."""
    listed = list(items)
    if len(listed) < 50 or not sys.stderr.isatty():
        return listed
    from rich.console import Console
    from rich.progress import track

    return track(listed, description="importing", transient=True, console=Console(stderr=True))


@command()
def lint(
    target: Annotated[
        Path | None,
        typer.Argument(help="An awesome list (.md), or catalogue files or a folder. Default: the catalogue in use."),
    ] = None,
    output: FormatOption = None,
    catalog: CatalogOption = None,
    no_bundled: NoBundledOption = False,
) -> None:
    """Find defects in an awesome list or a catalogue: line, rule, severity and a fix; exit 3 on errors."""
    from ..awesome.lint import lint_catalogue, lint_markdown
    from ..loading.loader import catalog_paths

    if target is not None and target.suffix.casefold() in (".md", ".markdown"):
        findings = lint_markdown(str(target), _read_text(target))
    else:
        in_use = catalog_paths(catalog, bundled=not no_bundled)
        findings = lint_catalogue([target], context=in_use) if target is not None else lint_catalogue(in_use)
    fmt = output or render.default_format()
    records = [
        {"file": f.file, "line": f.line, "rule": f.rule, "severity": f.severity, "message": f.message, "hint": f.hint}
        for f in findings
    ]
    if fmt in (Format.TABLE, Format.TSV):  # compiler-style lines read best at a terminal and in a pipe
        for finding in findings:
            render.write(render.visible(str(finding)) + "\n")
    else:
        columns = [
            field("line", "Line"),
            field("severity", "Severity"),
            field("rule", "Rule"),
            field("message", "Message"),
        ]
        render.listing(records, columns, fmt)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    render.note(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
    if errors:
        raise Stop(ExitCode.CATALOG)

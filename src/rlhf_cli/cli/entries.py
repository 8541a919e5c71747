"""Commands about one entry or a few: show, related, open, cite."""

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AmbiguousError, ExitCode, NotFoundError, RlhfError, Stop, UsageError
from ..output import render
from ..output.render import Column, Format, field
from . import Session, command

if TYPE_CHECKING:
    from ..catalogue.models import Entry


class CiteFormat(StrEnum):
    BIBTEX = "bibtex"
    CSL_JSON = "csl-json"
    RIS = "ris"


@command()
def show(
    session: Session,
    name: str,
    output: Format | None = None,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """Show one entry in full, with everything linked to it in either direction."""
    from ..output.records import entry_record, links_record, method_links_record

    fmt = output or render.default_format()
    if output is None and fmt not in render.DETAIL_FORMATS:  # a list format from the config file
        fmt = render.terminal_format()
    if fmt not in render.DETAIL_FORMATS:
        raise UsageError(f"show: --format {fmt.value} is for lists; use one of table, json, csv, tsv")
    view = session.open(catalog, no_bundled)
    entry = view.resolve(name)
    render.detail(entry_record(entry, view), links_record(entry, view) | method_links_record(entry, view), fmt)


@command()
def related(
    session: Session,
    name: str,
    limit: int = 15,
    output: Format | None = None,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """List entries related to one entry (shared datasets, code, authors, keywords...), strongest first."""
    from ..output.records import entry_record
    from ..query.relations import related as find_related

    view = session.open(catalog, no_bundled)
    entry = view.resolve(name)
    found, _ = find_related(view, entry, limit)
    if not found:
        render.error(f"nothing in the catalogue is linked to {entry.id}")
        raise Stop(ExitCode.NO_MATCH)
    view.prefetch_links([view.position(r.entry) for r in found])
    records = [{"score": r.score, "reasons": list(r.reasons)} | entry_record(r.entry, view) for r in found]
    columns = [
        field("score", "Score"),
        field("kind", "Kind"),
        field("id", "ID"),
        field("title", "Title", wide=True),
        Column("Why", lambda r: "; ".join(r["reasons"]), wide=True),
    ]
    render.listing(records, columns, output or render.default_format())


@command("open")
def open_entry(
    session: Session,
    name: str,
    code: bool = False,
    print_only: bool = False,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """Open an entry's page (or its code) in the web browser; only http(s) links are ever opened."""
    from ..catalogue.models import Paper

    catalogue = session.open(catalog, no_bundled)
    entry = catalogue.resolve(name)
    url = entry.url
    if code:
        if entry.code:  # a paper's code links
            url = next((link.url for link in entry.code if link.official), entry.code[0].url)
        elif isinstance(entry, Paper):
            implementations = catalogue.implementations_of(entry)
            url = implementations[0].url if implementations else None
        elif not entry.has_code:  # a codebase's page is its code
            url = None
        if url is None:
            render.error(f"open: {entry.id} has no code link")  # a fact of the catalogue, not a usage error
            raise Stop(ExitCode.NO_MATCH)
    if not url:
        render.error(f"open: {entry.id} has no link")
        raise Stop(ExitCode.NO_MATCH)
    from ..catalogue.urls import UnsafeUrl, browser_url

    try:
        url = browser_url(url)
    except UnsafeUrl as reason:
        raise UsageError(f"open: refusing to open '{render.visible(url)}': {reason}") from None
    if print_only:
        render.write(render.visible(url) + "\n")
        return
    import webbrowser

    # No shell is run, and the URL is in a form no shell would act on either (urls.py), since
    # $BROWSER may be a shell wrapper.
    if not webbrowser.open(url):
        render.write(render.visible(url) + "\n")
        render.note("rlhf: no browser found; the link is printed above")


@command()
def cite(
    session: Session,
    names: list[str],
    style: CiteFormat = CiteFormat.BIBTEX,
    ascii_only: bool = False,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """Print citations (BibTeX, CSL-JSON or RIS) of papers, codebases, blogs and books, with stable citekeys."""
    from ..output import cite as citations
    from ..output.records import entry_record

    wanted = [line.strip() for name in names for line in (sys.stdin if name == "-" else [name]) if line.strip()]
    if not wanted:
        raise UsageError("cite: no ids given (stdin was empty)")
    catalogue = session.open(catalog, no_bundled)
    found: list[Entry] = []
    unknown: list[RlhfError] = []
    for name in wanted:
        try:
            found.append(catalogue.resolve(name))
        except (NotFoundError, AmbiguousError) as error:
            unknown.append(error)  # the others are still cited; the bad ones are named after
    records = [entry_record(entry, catalogue) for entry in dict.fromkeys(found)]
    records, uncitable = citations.citable(records)
    if uncitable:
        record = uncitable[0]
        raise UsageError(
            f"cite: {record['id']} is a {record['kind']}, which has no citable form; "
            f"cite a paper that uses it (rlhf related {record['id']})"
        )
    if records and style is CiteFormat.BIBTEX:
        render.write(citations.bibtex(records, ascii_only=ascii_only))
    elif records and style is CiteFormat.CSL_JSON:
        render.write(citations.csl_json(records))
    elif records:
        render.write(citations.ris(records))
    for problem in unknown:
        render.error(str(problem))
    if unknown:
        raise Stop(ExitCode.NO_MATCH)

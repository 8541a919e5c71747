"""Write records to stdout as a Rich table, JSON, CSV or TSV; messages go to stderr.

Catalogue text is never interpreted: Rich markup is not parsed (cells are `Text`, not markup
strings) and control characters are shown as visible escapes in tables, TSV, CSV, Markdown
and messages. JSON keeps every string exactly as stored.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from ..plain import Plain
from .escapes import visible as visible
from .jsontext import json_text, unicode_stdout
from .records import Record


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    TSV = "tsv"
    MARKDOWN = "markdown"
    IDS = "ids"
    BIBTEX = "bibtex"
    CSL_JSON = "csl-json"
    RIS = "ris"


# Formats that describe one entry in full, for `rlhf show`.
DETAIL_FORMATS = (Format.TABLE, Format.JSON, Format.CSV, Format.TSV)


def default_format() -> Format:
    """The config file's `format`, else a table for a person at a terminal and tab-separated
    lines for a pipe."""
    from ..config import load_config

    configured = load_config().format
    return Format(configured) if configured else terminal_format()


def terminal_format() -> Format:
    """A table for a person at a terminal, tab-separated lines for a pipe."""
    return Format.TABLE if sys.stdout.isatty() else Format.TSV


class Column(Plain):
    header: str
    cell: Callable[[Record], Any]
    wide: bool = False  # let this column take the spare width
    in_table: bool = True  # long URLs fold badly in a table; they stay in TSV, `show` and JSON


def field(key: str, header: str, wide: bool = False, in_table: bool = True) -> Column:
    return Column(header, lambda record: record.get(key), wide, in_table)


# The width of a table when the terminal gives none that can be used (as Rich does in a pipe).
DEFAULT_WIDTH = 80
# A wide column (a title) never gets narrower than this, however long the other cells are.
WIDE_MIN_WIDTH = 20


def shown(text: str) -> str:
    """Text for a table: `visible`, and escaped where stdout's encoding has no such character
    (before Rich measures it, so columns stay aligned)."""
    text = visible(text)
    if text.isascii() or unicode_stdout():
        return text
    encoding = sys.stdout.encoding
    return text.encode(encoding, "backslashreplace").decode(encoding)


def cell_text(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(item) for item in value)
    if isinstance(value, dict):
        if "official" in value:
            return str(value["url"]) + ("" if value["official"] else " (third-party)")
        if "line" in value:
            return f"{value['name']} line {value['line']}" if value["line"] else value["name"]
        if "path" in value:  # a category: the list's heading path, and the list
            return f"{value['path']} ({value['source']})"
        return str(value.get("url") or value.get("title") or value)
    return str(value)


def write(text: str) -> None:
    """The single place output reaches stdout; a stdout that fails (full, closed) is a WriteError."""
    from ..errors import WriteError

    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise  # the reader went away: the error boundary ends quietly
    except OSError as error:
        drop_stdout()
        raise WriteError(f"cannot write to stdout: {error.strerror or error}") from None


def drop_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush of what is still buffered does
    not fail (and complain) a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def error(message: str) -> None:
    sys.stderr.write(f"rlhf: {visible(message)}\n")


def note(message: str) -> None:
    sys.stderr.write(f"{visible(message)}\n")


def empty_listing(columns: Sequence[Column], output: Format) -> None:
    """What a listing with no results prints to stdout: each machine format's empty form (`[]`
    for JSON and CSL-JSON, the header of a Markdown table), so that a script reads no result
    rather than a parse error. Lines, TSV, CSV, BibTeX, RIS and tables are simply empty."""
    if output in (Format.JSON, Format.CSL_JSON):
        write("[]\n")
    elif output is Format.MARKDOWN:
        write(_markdown([], [column for column in columns if column.in_table]))


def listing(records: Sequence[Record], columns: Sequence[Column], output: Format) -> None:
    """Render a list of records in the chosen format."""
    if output in (Format.BIBTEX, Format.CSL_JSON, Format.RIS):
        from ..errors import UsageError
        from . import cite

        kept, left = cite.citable(records)
        if not kept:
            kinds = ", ".join(dict.fromkeys(f"{record['kind']}s" for record in left))
            raise UsageError(f"--format {output.value}: {kinds} have no citable form; cite the papers that use them")
        write({Format.BIBTEX: cite.bibtex, Format.CSL_JSON: cite.csl_json, Format.RIS: cite.ris}[output](kept))
        if left:
            count = f"{len(left)} entr{'y' if len(left) == 1 else 'ies'}"
            note(f"rlhf: left out {count} with no citable form (datasets, environments, topics)")
    elif output is Format.JSON:
        write(json_text(list(records), indent=2) + "\n")
    elif output is Format.JSONL:
        write("".join(json_text(record) + "\n" for record in records))
    elif output is Format.IDS:
        write("".join(f"{visible(record['id'])}\n" for record in records))
    elif output is Format.MARKDOWN:
        write(_markdown(records, [column for column in columns if column.in_table]))
    elif output is Format.CSV:
        write(_csv(records))
    elif output is Format.TSV:
        lines = ("\t".join(_tsv_cell(column.cell(record)) for column in columns) for record in records)
        write("".join(line + "\n" for line in lines))
    else:
        _table(records, columns)


# Patterns as text, compiled (and cached by `re`) on first use: only Markdown output needs them,
# and compiling them costs a millisecond of every command's start-up.
_MARKDOWN_SPECIAL = r"([\\`*_\[\]<>|#~])"
# What a Markdown link target cannot hold as it is: white space (which ends it), controls,
# bidirectional and zero-width characters, angle brackets and backslashes (which CommonMark
# reads as escapes, so `\)` would keep a link open that other readers close).
_URL_UNSAFE = r"[\s\x00-\x1f\x7f-\x9f<>\\\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
# Parentheses a link target may keep: balanced, one level deep (Wikipedia's "Foo_(bar)"), which
# is what both CommonMark and the awesome-list reader (awesome.LINK) accept.
_BALANCED_TARGET = r"(?:[^()]|\([^()]*\))*"


def _percent_encoded(text: str) -> str:
    return "".join(f"%{byte:02X}" for byte in text.encode("utf-8", "surrogatepass"))


def markdown_url(url: str) -> str:
    """A URL written so that it is exactly one Markdown link target: what would end it early or
    start a second link (`x)[click](javascript:...)`) is percent-encoded, as in the URL itself."""
    encoded = re.sub(_URL_UNSAFE, lambda match: _percent_encoded(match.group()), url)
    if not re.fullmatch(_BALANCED_TARGET, encoded):
        encoded = encoded.replace("(", "%28").replace(")", "%29")
    return encoded


def markdown_text(text: str) -> str:
    """Text that stays literal inside a Markdown table cell or list item."""
    one_line = " ".join(visible(text).split())
    return re.sub(_MARKDOWN_SPECIAL, r"\\\1", one_line)


def _markdown(records: Sequence[Record], columns: Sequence[Column]) -> str:
    lines = ["| " + " | ".join(column.header for column in columns) + " |"]
    lines.append("|" + "|".join(" --- " for _ in columns) + "|")
    for record in records:
        cells = []
        for column in columns:
            cell = markdown_text(cell_text(column.cell(record)))
            url = record.get("url")
            if column.header in ("Title", "Name") and url and url.startswith(("http://", "https://")):
                cell = f"[{cell}](<{markdown_url(url)}>)"
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _tsv_cell(value: Any) -> str:
    return visible(cell_text(value)).replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _csv(records: Sequence[Record]) -> str:
    import csv
    import io

    keys = list(dict.fromkeys(key for record in records for key in record))
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180 line ends: fields holding \r or \n get quoted
    writer.writerow(keys)
    for record in records:
        writer.writerow([_csv_cell(record.get(key)) for key in keys])
    return buffer.getvalue()


# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    """A cell's text; text a spreadsheet would run as a formula gets a leading apostrophe."""
    text = _csv_text(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_text(value: Any) -> str:
    """A cell's text, with controls shown as escapes (CSV is read in terminals too; line breaks
    stay, in a quoted field)."""
    if isinstance(value, list):
        return "; ".join(_csv_text(item) for item in value)
    if isinstance(value, dict):
        return " ".join(f"{key}={_csv_text(val)}" for key, val in value.items())
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else visible(str(value))


def _console() -> Any:
    from rich.console import Console

    # Rich alone keeps bold and other styles under NO_COLOR; no escape codes at all is what
    # people who set it (and tools that read our output) expect.
    plain = bool(os.environ.get("NO_COLOR"))
    console = Console(highlight=False, emoji=False, markup=False, color_system=None if plain else "auto")
    if console.width < 1:  # COLUMNS=0 (Rich reads it as is) would print nothing at all
        console.width = DEFAULT_WIDTH
    return console


# Columns whose cells are short codes: never wrapped (an id broken over two lines cannot be copied).
UNWRAPPED_HEADERS = frozenset({"ID", "Score", "Kind", "Year"})
# A column that is neither unwrapped nor wide needs about this much room to be worth showing.
NARROW_MIN_WIDTH = 10


def _table(records: Sequence[Record], columns: Sequence[Column]) -> None:
    from rich.table import Table
    from rich.text import Text

    columns = [column for column in columns if column.in_table]
    cells = [[shown(cell_text(column.cell(record))) for column in columns] for record in records]
    width = _console().width
    kept = _columns_that_fit(columns, cells, width)
    if kept is None:  # too narrow for any table: one block per entry
        _print_as_list(columns, cells)
        return
    table = Table(header_style="bold", expand=False)
    for index in kept:
        column = columns[index]
        unwrapped = column.header in UNWRAPPED_HEADERS
        table.add_column(
            shown(column.header),
            overflow="fold",
            no_wrap=unwrapped,
            ratio=1 if column.wide else None,
            min_width=WIDE_MIN_WIDTH if column.wide else None,
        )
    for row in cells:
        table.add_row(*(Text(row[index]) for index in kept))
    _print(table)


def _columns_that_fit(columns: Sequence[Column], cells: list[list[str]], width: int) -> list[int] | None:
    """The columns (by index) a table of `width` can show: all, or without the last optional ones
    (neither unwrapped nor wide) until the unwrapped ones keep their full width; None if even
    the unwrapped and wide columns alone do not fit."""

    def need(index: int) -> int:
        column = columns[index]
        if column.header in UNWRAPPED_HEADERS:
            return max([len(column.header), *(len(row[index]) for row in cells)])
        return WIDE_MIN_WIDTH if column.wide else NARROW_MIN_WIDTH

    kept = list(range(len(columns)))
    while sum(need(index) + 3 for index in kept) + 1 > width:
        optional = [i for i in kept if columns[i].header not in UNWRAPPED_HEADERS and not columns[i].wide]
        if not optional:
            return None
        kept.remove(optional[-1])
    return kept


def _print_as_list(columns: Sequence[Column], cells: list[list[str]]) -> None:
    """Each entry as a block of `Header: value` lines, for terminals too narrow for a table."""
    lines: list[str] = []
    for row in cells:
        lines += [f"{column.header}: {cell}" for column, cell in zip(columns, row, strict=True) if cell]
        lines.append("")
    write("\n".join(lines))


# Set (to anything but "" or "0") to never page, as `rlhf --no-pager` does.
NO_PAGER_ENV = "RLHF_NO_PAGER"


def _print(*renderables: Any) -> None:
    console = _console()
    with console.capture() as capture:
        for renderable in renderables:
            console.print(renderable)
    _write_paged(capture.get(), console.height)


def _write_paged(text: str, height: int) -> None:
    """Write a table, through $PAGER (pydoc's pager: `less` by default) when stdin and stdout are
    a terminal and it is taller than the screen; as it is otherwise, and always when piped."""
    paging = os.environ.get(NO_PAGER_ENV, "") in ("", "0") and sys.stdin.isatty() and sys.stdout.isatty()
    if not paging or text.count("\n") < height:
        write(text)
        return
    import pydoc

    pydoc.pager(text)


# Fields that name linked entries: the links section shows them with ids and titles.
_SHOWN_AS_LINKS = frozenset({"title", "datasets", "envs", "papers", "dataset_ids", "env_ids"})


def detail(record: Record, links: dict[str, list[Record]], output: Format) -> None:
    """Render one entry with everything linked to it."""
    if output is Format.JSON:
        write(json_text(record | {"links": links}, indent=2) + "\n")
        return
    rows = [(key, cell_text(value)) for key, value in record.items() if key not in _SHOWN_AS_LINKS]
    rows = [(key, value) for key, value in rows if value]
    link_rows = [(relation, item) for relation, items in links.items() for item in items]
    if output is Format.CSV:
        fields = [{"field": key, "value": value} for key, value in rows]
        fields += [{"field": f"links.{relation}", "value": item["id"]} for relation, item in link_rows]
        write(_csv(fields))
    elif output is Format.TSV:
        lines = [f"{key}\t{_tsv_cell(value)}" for key, value in rows]
        lines += [f"links.{relation}\t{_tsv_cell(item['id'])}" for relation, item in link_rows]
        write("".join(line + "\n" for line in lines))
    else:
        _detail_table(str(record["title"]), rows, links)


def _detail_table(title: str, rows: list[tuple[str, str]], links: dict[str, list[Record]]) -> None:
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in rows:
        grid.add_row(Text(shown(key)), Text(shown(value)))
    for relation, items in links.items():
        for position, item in enumerate(items):
            label = relation.replace("_", " ") if position == 0 else ""
            grid.add_row(Text(label, style="cyan"), Text(f"{shown(item['id'])}  {shown(item['title'])}"))
    _print(Text(shown(title), style="bold"), grid)


def bar_chart(rows: Sequence[tuple[str, int]], title: str) -> None:
    """Counts as horizontal bars, scaled to the terminal's width."""
    from rich.table import Table
    from rich.text import Text

    console = _console()
    label_width = max(len(shown(label)) for label, _ in rows)
    count_width = max(len(str(count)) for _, count in rows)
    room = max(10, console.width - label_width - count_width - 4)
    top = max(count for _, count in rows) or 1
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    for label, count in rows:
        bar = ("█" if unicode_stdout() else "#") * max(1 if count else 0, round(count / top * room))
        grid.add_row(Text(shown(label)), Text(bar, style="cyan"), Text(str(count)))
    _print(Text(shown(title), style="bold"), grid)


def tree(records: Sequence[Record]) -> None:
    """Method records (depth-first, each with `depth`) as a Rich tree: id, names, paper count."""
    from rich.text import Text
    from rich.tree import Tree

    roots: list[Any] = []
    stack: list[Any] = []
    for record in records:
        label = Text(shown(str(record["id"])), style="bold")
        label.append(f"  {shown(str(record['title']))} · {shown(str(record['name_zh']))}")
        count = int(record["papers"])
        label.append(f"  ({count} paper{'' if count == 1 else 's'})", style="cyan")
        depth = int(record["depth"])
        del stack[depth:]
        node = stack[-1].add(label) if stack else Tree(label, guide_style="dim")
        if not stack:
            roots.append(node)
        stack.append(node)
    _print(*roots)

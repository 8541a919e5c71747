"""Fuzz the exports: catalogues of any text must export in every format without crashing, the
machine formats must parse back, and no text format may carry a raw control character.

    python fuzz/fuzz_export.py -max_total_time=120 /tmp/rlhf-corpus-export fuzz/corpus/export

Each input is turned into a small catalogue (papers with a dataset and a code link) whose
titles, names, authors, keywords and URL paths are arbitrary text. Catalogues that do not
validate are skipped (fuzz_loader.py covers those). A crash is any exception or failed check;
libFuzzer saves it as crash-* and it should become a test in tests/test_hardening.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from pybtex.database import parse_string

    from rlhf_cli.awesome.export_markdown import export as export_markdown
    from rlhf_cli.awesome.reader import parse as parse_list
    from rlhf_cli.errors import CatalogError
    from rlhf_cli.loading.loader import load
    from rlhf_cli.output import cite, graph
    from rlhf_cli.output.export_sqlite import export as export_sqlite
    from rlhf_cli.output.records import entry_record
    from rlhf_cli.output.render import Format, field, json_text, listing, markdown_url, visible

FOLDER = Path(tempfile.mkdtemp(prefix="rlhf-fuzz-export-"))
FILE = FOLDER / "fuzz.toml"
DATABASE = FOLDER / "fuzz.db"
# What must never reach a terminal raw (render.visible's set).
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
MERMAID_LABEL = r'"[^"`<>\n]*"'
MERMAID_LINE = re.compile(
    rf"  n_\w+(\[{MERMAID_LABEL}\]|\[\({MERMAID_LABEL}\)\]|\{{\{{{MERMAID_LABEL}\}}\}}|\(\[{MERMAID_LABEL}\]\))"
    r"|  n_\w+ -->\|\w+\| n_\w+"
)
DOT_STRING = r'"(?:[^"\\\n]|\\.)*"'
DOT_LINE = re.compile(rf"  {DOT_STRING}( -> {DOT_STRING})? \[label={DOT_STRING}(, shape=\w+)?\];")
RIS_LINE = re.compile(r"[A-Z][A-Z0-9]  - .*")


def toml_string(text: str) -> str:
    return json.dumps(text).replace("\x7f", "\\u007f")


def catalogue_text(data: bytes) -> str:
    provider = atheris.FuzzedDataProvider(data)

    def text() -> str:
        return provider.ConsumeUnicodeNoSurrogates(provider.ConsumeIntInRange(1, 40))

    papers = []
    for number in range(provider.ConsumeIntInRange(1, 3)):
        papers.append(
            f'[[paper]]\nid = "p{number}"\ntitle = {toml_string(text())}\nyear = 2022\n'
            f"url = {toml_string('https://example.org/' + text())}\n"
            f"authors = [{toml_string(text())}, {toml_string(text())}]\nkeywords = [{toml_string(text())}]\n"
            f"code = [{{ url = {toml_string('https://github.com/' + text())}, official = true }}]\n"
            f'datasets = ["d"]\nsources = [{{ name = "fuzz", line = {number} }}]\n'
        )
    dataset = f'[[dataset]]\nid = "d"\nname = {toml_string(text())}\nkeywords = [{toml_string(text())}]\n'
    dataset += f'url = {toml_string("https://example.org/d/" + text())}\nsources = [{{ name = "fuzz" }}]\n'
    return "\n".join([*papers, dataset])


def rendered(records: list[dict[str, object]], fmt: Format) -> str:
    import contextlib

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        listing(records, [field("id", "ID"), field("title", "Title", wide=True)], fmt)
    return buffer.getvalue()


def test_one_input(data: bytes) -> None:
    FILE.write_text(catalogue_text(data), encoding="utf-8")
    try:
        catalogue = load([FILE])
    except CatalogError:
        return
    records = [entry_record(entry, catalogue) for entry in catalogue.entries]
    papers = [record for record in records if record["kind"] == "paper"]

    # JSON keeps every string exactly.
    assert json.loads(json_text(records, indent=2)) == records
    # CSV: one row per record, each title as its visible text (after a formula guard).
    rows = list(csv.DictReader(io.StringIO(rendered(records, Format.CSV), newline="")))
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        title = visible(str(record["title"]))
        assert row["title"] in (title, "'" + title), (row["title"], title)
    # BibTeX parses back with one entry per paper; RIS is tagged lines.
    assert len(parse_string(cite.bibtex(papers), "bibtex").entries) == len(papers)
    ris = cite.ris(papers)
    assert all(RIS_LINE.fullmatch(line) for line in ris.splitlines() if line), ris
    assert ris.count("ER  - ") == len(papers)
    # The awesome list reads back: same titles (as visible text) and exactly the same links.
    items = {item.title: item for item in parse_list(export_markdown(catalogue)).items}
    for paper in catalogue.papers:
        item = items[" ".join(visible(paper.title).split())]
        assert paper.url is not None and item.url == markdown_url(paper.url), (item.url, paper.url)
        assert [link.url for link in item.code] == [markdown_url(link.url) for link in paper.code]
    # Diagrams: every line is a node or an edge of the language's grammar, labels quoted.
    nodes, links = graph.edges(catalogue, list(catalogue.papers))
    mermaid = graph.mermaid(nodes, links).splitlines()
    assert mermaid[0] == "graph LR" and all(MERMAID_LINE.fullmatch(line) for line in mermaid[1:]), mermaid
    dot = graph.dot(nodes, links).splitlines()
    assert dot[-1] == "}" and all(DOT_LINE.fullmatch(line) for line in dot[3:-1]), dot
    # SQLite: parameters only, so every title comes back exactly.
    DATABASE.unlink(missing_ok=True)
    export_sqlite(catalogue, DATABASE)
    with sqlite3.connect(DATABASE) as connection:
        titles = dict(connection.execute("SELECT id, title FROM entries WHERE kind = 'paper'"))
    connection.close()
    assert titles == {paper.id: paper.title for paper in catalogue.papers}
    # Nothing that reaches a terminal carries a raw control character.
    texts = [rendered(records, fmt) for fmt in (Format.TABLE, Format.TSV, Format.MARKDOWN, Format.CSV)]
    texts += [cite.bibtex(papers), cite.bibtex(papers, ascii_only=True), ris, "\n".join(mermaid), "\n".join(dot)]
    texts.append(export_markdown(catalogue))
    for text in texts:
        found = RAW.search(text.replace("\r\n", "\n"))  # CSV ends its records with CRLF (RFC 4180)
        assert found is None, repr(found)


def main() -> None:
    import os

    # A file where the cache folder would be: nothing is cached, every load is a cold one.
    os.environ["RLHF_CACHE_DIR"] = str(FILE)
    os.environ["NO_COLOR"] = "1"
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

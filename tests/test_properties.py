"""Property-based tests: loaders, the Markdown importer and every exporter, on generated data."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string

from rlhf_cli.awesome.export_markdown import export as export_markdown
from rlhf_cli.awesome.importer import plan_import
from rlhf_cli.awesome.reader import parse
from rlhf_cli.awesome.tomlwrite import tables_to_toml
from rlhf_cli.catalogue.catalog import Catalogue
from rlhf_cli.errors import CatalogError, UnreadableListError
from rlhf_cli.loading.loader import check, load, open_view
from rlhf_cli.output import cite
from rlhf_cli.output.export_sqlite import export as export_sqlite
from rlhf_cli.output.records import entry_record
from rlhf_cli.output.render import Format, field, listing, visible

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Any text, control characters and all, as long as it is not blank (blank names are invalid).
TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40).filter(lambda t: t.strip())
PLAIN = st.text(string.ascii_letters + string.digits + " -:'&%#_{}[]()|*", min_size=3, max_size=40).filter(str.strip)
SLUG = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)


@st.composite
def papers(draw: st.DrawFn, text: st.SearchStrategy[str] = TEXT) -> list[dict[str, object]]:
    ids = draw(st.lists(SLUG, min_size=1, max_size=6, unique=True))
    tables = []
    for number, paper_id in enumerate(ids):
        year = draw(st.integers(2000, 2025))
        arxiv = f"{year % 100:02d}{draw(st.integers(1, 12)):02d}.{number:05d}" if draw(st.booleans()) else None
        tables.append(
            {
                "id": paper_id,
                "title": f"{draw(text)} {paper_id}",  # the id keeps titles (names) unambiguous
                "year": year,
                "url": f"https://example.org/{paper_id}?q={number}",
                "arxiv": arxiv,
                "authors": draw(st.lists(text, max_size=3)),
                "authors_et_al": draw(st.booleans()),
                "keywords": draw(st.lists(text, max_size=3)),
                "code": [{"url": f"https://github.com/x/{paper_id}", "official": draw(st.booleans())}],
                "sources": [{"name": "generated", "line": number + 1}],
            }
        )
    return tables


def write(folder: Path, tables: list[dict[str, object]]) -> None:
    (folder / "papers.toml").write_text(tables_to_toml("paper", tables), encoding="utf-8")


@SETTINGS
@given(papers())
def test_written_catalogues_load_back_the_same(tables: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        write(folder, tables)
        assert check([folder]) == []
        catalogue = load([folder])
    for table, paper in zip(tables, catalogue.papers, strict=True):
        assert paper.title == table["title"] and paper.authors == table["authors"]
        assert paper.keywords == table["keywords"] and paper.arxiv == table["arxiv"]


VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@SETTINGS
@given(st.dictionaries(st.sampled_from(["id", "title", "year", "url", "code", "sources", "extra", "datasets"]), VALUES))
def test_any_paper_table_is_either_valid_or_reported(table: dict[str, object]) -> None:
    """Arbitrary values in a [[paper]] table: check() reports problems, it never crashes."""
    toml = "[[paper]]\n" + "".join(
        f"{key} = {json.dumps(value)}\n" for key, value in table.items() if value is not None
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "x.toml"
        path.write_text(toml, encoding="utf-8")
        problems = check([path])
        try:
            load([path])
            assert problems == []
        except CatalogError as error:
            assert error.problems


@SETTINGS
@given(st.text(st.characters(codec="utf-8"), max_size=300))
def test_any_text_as_a_catalogue_file(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "x.toml"
        path.write_text(text, encoding="utf-8")
        problems = check([path])
        assert all(problem.file == str(path) for problem in problems)


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_as_a_catalogue_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "x.toml"
        path.write_bytes(data)
        assert isinstance(check([path]), list)


MARKDOWN_LINES = st.lists(
    st.sampled_from(
        ["## Papers", "## Codebases", "## Blogs", "### 2023", "### 2020 and before", "```", "- ", "  - "]
    ).flatmap(lambda prefix: st.text(max_size=30).map(lambda rest: prefix + rest))
    | st.sampled_from(["- [T](https://a.org/x)", "  - Keyword: a, b", "  - Code: [official]()", "-[x](y)"]),
    max_size=25,
)


@SETTINGS
@given(MARKDOWN_LINES)
def test_any_markdown_parses_and_plans_without_crashing(lines: list[str]) -> None:
    text = "\n".join(lines)
    parsed = parse(text)
    assert all(item.line >= 1 for item in parsed.items)
    empty: dict[str, list[dict[str, Any]]] = {
        kind: [] for kind in ("paper", "dataset", "codebase", "environment", "blog", "book")
    }
    if not parsed.items:  # a list with nothing recognised is an error naming what was not read
        with pytest.raises(UnreadableListError) as raised:
            plan_import(text, "fuzz", Catalogue([]), empty)
        assert raised.value.exit_code == 3
        return
    plan = plan_import(text, "fuzz", Catalogue([]), empty)
    assert len(plan.actions) >= len([i for i in parsed.items if i.kind == "paper" and i.url])


@SETTINGS
@given(papers(PLAIN))
def test_markdown_export_reads_back(tables: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        write(Path(directory), tables)
        catalogue = load([Path(directory)])
    items = {item.title: item for item in parse(export_markdown(catalogue)).items}
    for paper in catalogue.papers:
        item = items[" ".join(paper.title.split())]
        assert item.url == paper.url
        assert item.keywords == [" ".join(k.split()) for k in paper.keywords if "," not in k and ";" not in k] or any(
            "," in k or ";" in k for k in paper.keywords
        )
        assert [c.url for c in item.code] == [c.url for c in paper.code]


def records_of(tables: list[dict[str, object]]) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as directory:
        write(Path(directory), tables)
        catalogue = load([Path(directory)])
    return [entry_record(entry, catalogue) for entry in catalogue.entries]


def rendered(records: list[dict[str, object]], fmt: Format) -> str:
    import contextlib

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        listing(records, [field("id", "ID"), field("title", "Title")], fmt)
    return buffer.getvalue()


@SETTINGS
@given(papers())
def test_json_jsonl_and_csl_json_keep_text_exactly(tables: list[dict[str, object]]) -> None:
    records = records_of(tables)
    assert json.loads(rendered(records, Format.JSON)) == records
    assert [json.loads(line) for line in rendered(records, Format.JSONL).splitlines()] == records
    csl = json.loads(cite.csl_json(records))
    assert [item["title"] for item in csl] == [record["title"] for record in records]


@SETTINGS
@given(papers())
def test_csv_reads_back(tables: list[dict[str, object]]) -> None:
    records = records_of(tables)
    rows = list(csv.DictReader(io.StringIO(rendered(records, Format.CSV), newline="")))
    for row, record in zip(rows, records, strict=True):
        title = row["title"].removeprefix("'") if row["title"][1:].startswith(tuple("=+-@\t\r")) else row["title"]
        assert title == visible(str(record["title"]))  # controls shown as escapes, the rest exact


BIBTEX_BACK = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\%": "%",
    r"\&": "&",
    r"\#": "#",
    r"\_": "_",
    r"\$": "$",
}


def from_bibtex(text: str) -> str:
    for escaped, char in BIBTEX_BACK.items():
        text = text.replace(escaped, char)
    return text


@SETTINGS
@given(papers(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(str.strip)))
def test_bibtex_parses_back(tables: list[dict[str, object]]) -> None:
    records = records_of(tables)
    database = parse_string(cite.bibtex(records), "bibtex")
    assert list(database.entries) == cite.citekeys(records)
    for key, record in zip(cite.citekeys(records), records, strict=True):
        assert from_bibtex(database.entries[key].fields["title"]) == " ".join(str(record["title"]).split())
    ascii_text = cite.bibtex(records, ascii_only=True)
    parse_string(ascii_text, "bibtex")


@SETTINGS
@given(papers())
def test_ris_reads_back(tables: list[dict[str, object]]) -> None:
    records = records_of(tables)
    titles = [line[6:] for line in cite.ris(records).splitlines() if line.startswith("TI  - ")]
    assert titles == [" ".join(visible(str(record["title"])).split()) for record in records]


# Fewer examples: each builds a database and its schema (most of its cost), and 25 cover the
# texts' variety as well as 60 (the rest of this file's tests still run 60).
@settings(SETTINGS, max_examples=25)
@given(papers())
def test_sqlite_reads_back(tables: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        write(Path(directory), tables)
        catalogue = load([Path(directory)])
        database = Path(directory) / "x.db"
        export_sqlite(open_view([Path(directory)]), database)
        with sqlite3.connect(database) as connection:
            titles = dict(connection.execute("SELECT id, title FROM entries"))
            keywords = connection.execute("SELECT count(*) FROM terms WHERE field = 'keyword'").fetchone()[0]
        connection.close()
    assert titles == {paper.id: paper.title for paper in catalogue.papers}
    assert keywords == sum(len(paper.keywords) for paper in catalogue.papers)

"""Citations parse back with a real BibTeX parser; exports hold the catalogue; graphs and stats add up."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from pybtex.database import parse_string

from rlhf_cli.cli import app
from rlhf_cli.output.cite import bibtex, citekeys


def test_cite_bibtex_parses_back(run) -> None:  # type: ignore[no-untyped-def]
    result = run("cite", "InstructGPT", "nlpo", "deep-tamer")
    assert result.exit_code == 0, result.stderr
    database = parse_string(result.stdout, "bibtex")
    entry = database.entries["ouyang2022training"]
    assert entry.fields["title"] == "Training language models to follow instructions with human feedback"
    assert entry.fields["eprint"] == "2203.02155" and entry.fields["archivePrefix"] == "arXiv"
    assert [str(person) for person in entry.persons["author"]][:2] == ["Ouyang, Long", "Wu, Jeff"]
    assert str(entry.persons["author"][-1]) == "others"  # the list's "et al."
    nlpo = database.entries["ramamurthy2022reinforcement"]
    assert "Brantley, Kianté" in [str(person) for person in nlpo.persons["author"]]


def test_ascii_bibtex_escapes_accents(run) -> None:  # type: ignore[no-untyped-def]
    result = run("cite", "nlpo", "--ascii")
    assert result.exit_code == 0
    assert result.stdout.isascii()
    assert r"Kiant{\'{e}} Brantley" in result.stdout
    parse_string(result.stdout, "bibtex")


def test_citekeys_are_stable_and_unique() -> None:
    record = {"id": "x", "kind": "paper", "title": "The Art of Reward", "authors": ["Ada Lovelace"], "year": 2023}
    keys = citekeys([record, record, {**record, "title": "Another"}])
    assert keys == ["lovelace2023arta", "lovelace2023artb", "lovelace2023another"]


def test_hostile_text_keeps_bibtex_valid() -> None:
    record = {
        "id": "x",
        "kind": "paper",
        "title": "Braces } { unbalanced % 100 & # _ $ ~ ^ \\ end",
        "authors": ["A {B"],
        "year": 2020,
        "url": "https://example.org/{x}?a=1&b=2#frag",
    }
    text = bibtex([record])
    parsed = parse_string(text, "bibtex").entries["b2020braces"]
    assert "100" in parsed.fields["title"]
    assert text.count("{") == text.count("}")
    assert r"\textbraceright{}" in parsed.fields["title"]


def test_papers_format_bibtex_and_ids_pipe_into_cite(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    listed = run("papers", "--env", "atari", "-f", "bibtex")
    assert listed.exit_code == 0 and len(parse_string(listed.stdout, "bibtex").entries) == 4
    ids = run("papers", "--env", "atari", "-f", "ids").stdout
    cited = run.runner.invoke(app, ["cite", "-"], input=ids)
    assert cited.exit_code == 0, cited.stderr
    assert len(parse_string(cited.stdout, "bibtex").entries) == 4


def test_csl_json_and_ris(run) -> None:  # type: ignore[no-untyped-def]
    items = json.loads(run("cite", "instructgpt", "-f", "csl-json").stdout)
    assert items[0]["type"] == "article"
    assert items[0]["author"][0] == {"family": "Ouyang", "given": "Long"}
    assert items[0]["issued"] == {"date-parts": [[2022]]}
    assert items[0]["DOI"] == "10.48550/arXiv.2203.02155"
    ris = run("cite", "instructgpt", "trl", "-f", "ris").stdout
    records = [chunk for chunk in ris.split("ER  - ") if chunk.strip()]
    assert len(records) == 2
    assert "TY  - JOUR" in records[0] and "AU  - Ouyang, Long" in records[0]
    assert "TY  - COMP" in records[1] and "AU  - von Werra, Leandro" in records[1]
    assert all(line[:2].isupper() and line[2:6] == "  - " for line in ris.splitlines() if line)


def test_cite_unknown_id(run) -> None:  # type: ignore[no-untyped-def]
    result = run("cite", "instructgtp")
    assert result.exit_code == 1 and "did you mean 'instructgpt'" in result.stderr


def test_markdown_jsonl_and_ids_formats(run) -> None:  # type: ignore[no-untyped-def]
    markdown = run("papers", "--env", "atari", "-f", "markdown").stdout.splitlines()
    assert markdown[0].startswith("| ID | Year | Title")
    assert len(markdown) == 2 + 4
    assert "[Deep reinforcement learning from human preferences](<https://arxiv.org/abs/1706.03741>)" in markdown[
        -2
    ] + markdown[-1] + "".join(markdown)
    lines = run("papers", "--env", "atari", "-f", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == run("papers", "--env", "atari", "-f", "ids").stdout.split()


def test_sqlite_export(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    database = tmp_path / "rlhf.db"
    result = run("export", str(database))
    assert result.exit_code == 0, result.stderr
    connection = sqlite3.connect(database)
    try:
        papers = connection.execute("SELECT count(*) FROM entries WHERE kind = 'paper'").fetchone()[0]
        users = connection.execute(
            "SELECT e.id FROM links l JOIN entries e ON e.position = l.source JOIN entries d ON d.position = l.target"
            " WHERE d.id = 'truthfulqa' AND l.relation = 'dataset' ORDER BY e.id"
        ).fetchall()
        authors = connection.execute(
            "SELECT text FROM terms JOIN entries USING (position) WHERE id = 'instructgpt' AND field = 'author'"
            " ORDER BY rank"
        ).fetchall()
        found = connection.execute("SELECT id FROM search_fts WHERE search_fts MATCH 'ouyang'").fetchall()
        meta = dict(connection.execute("SELECT name, value FROM meta").fetchall())
        count = connection.execute("SELECT count(*) FROM entries").fetchone()[0]
    finally:
        connection.close()
    assert papers == len(run.json("papers"))
    assert ("instructgpt",) in users
    assert [name for (name,) in authors][:3] == ["Long Ouyang", "Jeff Wu", "Xu Jiang"]
    assert ("instructgpt",) in found
    assert "stat" not in meta and meta["entries"] == str(count)
    assert f"wrote {count} entries" in result.stderr
    assert not list(tmp_path.glob(".rlhf.db.*"))  # no temporary file left behind


def _tables_and_columns(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table and index of a database (its SQL, and a table's columns: PRAGMA table_info),
    and the schema version."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        found: dict[str, list[tuple[object, ...]]] = {
            "user_version": [tuple(connection.execute("PRAGMA user_version").fetchone())]
        }
        for kind, name, sql in connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name"):
            found[f"{kind} {name}"] = [(sql,), *connection.execute(f"PRAGMA table_info('{name}')").fetchall()]
    finally:
        connection.close()
    return found


def test_the_export_has_the_schema_of_the_cache(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The cache holds conftest's copy of the bundled catalogue's store, built by `rlhf search ppo`.
    from rlhf_cli.loading import store

    database = tmp_path / "rlhf.sqlite"
    assert run("export", str(database)).exit_code == 0
    (cached,) = store.stores()
    exported = _tables_and_columns(database)
    assert exported == _tables_and_columns(cached)
    assert {"table entries", "table links", "table terms", "table search_fts"} <= set(exported)
    assert [row[1] for row in exported["table entries"][1:]][:3] == ["position", "id", "kind"]


def test_export_to_a_missing_folder_is_a_usage_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("export", str(tmp_path / "no" / "such" / "x.db"))
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_graph_mermaid_and_dot(run) -> None:  # type: ignore[no-untyped-def]
    mermaid = run("graph", "env:atari", "-f", "mermaid").stdout
    assert mermaid.startswith("graph LR\n")
    assert "n_deep_tamer" in mermaid and "-->|uses| n_atari" in mermaid
    dot = run("graph", "nlpo OR rl4lms", "-f", "dot").stdout
    assert dot.startswith("digraph rlhf {") and dot.rstrip().endswith("}")
    assert '"rl4lms" -> "nlpo" [label="implements"];' in dot


def test_stats_by_year_counts_every_paper(run) -> None:  # type: ignore[no-untyped-def]
    rows = run.json("stats", "--by", "year")
    assert sum(row["count"] for row in rows) == len(run.json("papers"))
    years = [int(row["year"]) for row in rows]
    every_year = {paper["year"] for paper in run.json("papers")}
    assert years == list(range(min(every_year), max(every_year) + 1))  # years without papers count 0
    top = run.json("stats", "--by", "dataset", "--limit", "1")
    datasets = run.json("datasets")
    most = max(d["used_by"] for d in datasets)
    assert len(top) == 1 and top[0]["count"] == most
    assert top[0]["dataset"] in {d["title"] for d in datasets if d["used_by"] == most}
    chart = run("stats", "-f", "table")
    assert chart.exit_code == 0 and "█" in chart.stdout and "2017" in chart.stdout


@pytest.mark.parametrize("name", ["instructgpt", "truthfulqa", "trl", "atari"])
def test_related_gives_reasons(run, name: str) -> None:  # type: ignore[no-untyped-def]
    found = run.json("related", name)
    assert found and all(item["reasons"] for item in found)
    scores = [item["score"] for item in found]
    assert scores == sorted(scores, reverse=True)


def test_related_instructgpt(run) -> None:  # type: ignore[no-untyped-def]
    found = {item["id"]: item for item in run.json("related", "InstructGPT", "-n", "50")}
    assert "implements this paper" in found["following-instructions-human-feedback"]["reasons"]
    assert any("TruthfulQA" in reason for reason in found["webgpt"]["reasons"])


def test_open_prints_only_http_links(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert run("open", "instructgpt", "--print").stdout == "https://arxiv.org/abs/2203.02155\n"
    code = run("open", "instructgpt", "--code", "--print").stdout
    assert code == "https://github.com/openai/following-instructions-human-feedback\n"
    opened: list[str] = []

    def open_in_browser(url: str) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr("webbrowser.open", open_in_browser)
    assert run("open", "trl").exit_code == 0
    assert opened == ["https://github.com/lvwerra/trl"]


def test_open_refuses_other_schemes(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog(
        "x.toml",
        '[[environment]]\nid = "e"\nname = "E"\nsources = [{ name = "t" }]\n',
    )
    result = run("open", "e", "--no-bundled", "-c", str(folder))
    assert result.exit_code == 1 and "has no link" in result.stderr  # nothing to open: not a usage error


def test_completion_offers_catalogue_values(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rlhf_cli.query.completion import candidates

    assert "truthfulqa" in candidates("names", ("dataset",), "truth")
    assert candidates("names", ("environment",), "at") == ["atari"]
    assert "2022" in candidates("years", None, "20")
    assert any(word.casefold().startswith("ppo") for word in candidates("keywords", None, "pp"))
    monkeypatch.setenv("RLHF_CATALOG", "/nonexistent/folder")
    assert candidates("names", None, "") == []


GOLDEN = Path(__file__).parent / "golden"
GOLDEN_IDS = ["instructgpt", "nlpo", "deep-tamer"]


@pytest.mark.parametrize("style", ["bibtex", "csl-json", "ris"])
def test_golden_citations(run, style: str) -> None:  # type: ignore[no-untyped-def]
    """Exact expected output for three papers (an et-al list, an accented author, third-party code).

    After a deliberate change to the catalogue or the format, regenerate with
    `rlhf cite instructgpt nlpo deep-tamer -f STYLE > tests/golden/cite.STYLE` and review the diff.
    """
    result = run("cite", *GOLDEN_IDS, "-f", style)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (GOLDEN / f"cite.{style}").read_text(encoding="utf-8")
    if style == "bibtex":
        assert len(parse_string(result.stdout, "bibtex").entries) == 3
    elif style == "csl-json":
        assert [item["id"] for item in json.loads(result.stdout)] == [
            "ouyang2022training",
            "ramamurthy2022reinforcement",
            "warnell2017deep",
        ]
    else:
        assert result.stdout.count("ER  - ") == 3


def test_name_particles_in_csl_json_bibtex_and_ris() -> None:
    from rlhf_cli.output.cite import csl_json, ris, split_name

    assert split_name("Maarten de Rijke") == {"family": "Rijke", "given": "Maarten", "non-dropping-particle": "de"}
    assert split_name("Mihaela van der Schaar")["non-dropping-particle"] == "van der"
    assert split_name("van der Schaar, Mihaela") == split_name("Mihaela van der Schaar")
    assert split_name("Di Jin") == {"family": "Jin", "given": "Di"}  # a capitalised given name is no particle
    assert split_name("de") == {"literal": "de"}
    record = {
        "id": "x",
        "kind": "paper",
        "title": "T",
        "year": 2024,
        "authors": ["Mihaela van der Schaar", "Leandro von Werra"],
    }
    entry = parse_string(bibtex([record]), "bibtex").entries["schaar2024t"]
    first, second = entry.persons["author"]
    assert first.last_names == ["{van der Schaar}"] and first.first_names == ["Mihaela"]
    assert second.last_names == ["{von Werra}"]
    assert json.loads(csl_json([record]))[0]["author"][1] == {
        "family": "Werra",
        "given": "Leandro",
        "non-dropping-particle": "von",
    }
    assert "AU  - van der Schaar, Mihaela" in ris([record])


def test_only_papers_codebases_blogs_and_books_are_citable(run) -> None:  # type: ignore[no-untyped-def]
    bibtex_text = run("cite", "instructgpt", "trl", "chatgpt-blog").stdout
    types = [line.split("{")[0] for line in bibtex_text.splitlines() if line.startswith("@")]
    assert types == ["@misc", "@software", "@online"]
    assert run("books", "-f", "bibtex").stdout.startswith("@book{")
    for name in ("truthfulqa", "atari"):
        refused = run("cite", "instructgpt", name)
        assert refused.exit_code == 2 and "which has no citable form" in refused.stderr and refused.stdout == ""
    listed = run("search", "truthful", "-f", "bibtex")
    assert listed.exit_code == 0 and "left out 1 entry with no citable form" in listed.stderr
    assert len(parse_string(listed.stdout, "bibtex").entries) == len(run.json("search", "truthful")) - 1
    nothing = run("datasets", "-f", "csl-json")
    assert nothing.exit_code == 2 and "datasets have no citable form" in nothing.stderr

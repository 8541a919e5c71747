"""Bad catalogues and bad options: one clear line, the documented exit code, no traceback."""

from __future__ import annotations

import json

PAPER = """
[[paper]]
id = "{id}"
title = "{title}"
year = {year}
url = "https://example.org/{id}"
sources = [{{ name = "test" }}]
"""


def paper(id: str = "p1", title: str = "A paper", year: int = 2022) -> str:
    return PAPER.format(id=id, title=title, year=year)


def test_malformed_toml_names_file_and_line(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("bad.toml", paper() + "\ntitle = \n")
    result = run("papers", "--no-bundled", "--catalog", str(folder))
    assert result.exit_code == 3
    assert "bad.toml:9" in result.stderr and "invalid TOML" in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_key_names_file_entry_and_key(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("papers.toml", paper() + 'conference = "NeurIPS"\n')
    result = run("papers", "--no-bundled", "--catalog", str(folder))
    assert result.exit_code == 3
    assert "papers.toml:3: entry 'p1': conference: unknown key" in result.stderr


def test_wrong_type_is_reported_with_field(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("papers.toml", paper().replace("year = 2022", 'year = "2022"'))
    result = run("validate", str(folder))
    assert result.exit_code == 3
    assert "entry 'p1': year: Input should be a valid integer" in result.stdout


def test_validate_reports_every_problem(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    text = paper("p1") + 'datasets = ["nope"]\n' + paper("p1", title="Again") + paper("Bad Id", year=1066)
    folder = write_catalog("papers.toml", text.replace("https://example.org/p1", "ftp://example.org/p1", 1))
    result = run("validate", str(folder))
    assert result.exit_code == 3
    out = result.stdout
    assert "url: 'ftp://example.org/p1' is not an http(s) URL" in out
    assert "datasets[0]: no dataset with id 'nope'" in out
    assert "id: duplicate id" in out
    assert "'Bad Id' is not a slug" in out
    assert "1066 is not a plausible year" in out


def test_year_must_agree_with_arxiv_id(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("papers.toml", paper(year=2020) + 'arxiv = "2203.02155"\n')
    result = run("validate", str(folder))
    assert result.exit_code == 3
    assert "2020 disagrees with arXiv id 2203.02155" in result.stdout


def test_ambiguous_alias_is_reported(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog(
        "papers.toml", paper("p1") + 'aliases = ["Shared"]\n' + paper("p2", "B") + 'aliases = ["shared"]\n'
    )
    result = run("validate", str(folder))
    assert result.exit_code == 3
    assert "name 'shared' also names entry 'p1'" in result.stdout


def test_unknown_table_gets_did_you_mean(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("x.toml", paper().replace("[[paper]]", "[[papers]]"))
    result = run("validate", str(folder))
    assert "unknown table 'papers' (did you mean 'paper'?)" in result.stdout


def test_non_utf8_file(run, write_catalog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("x.toml", "")
    (folder / "x.toml").write_bytes(b'title = "\xff"\n')
    result = run("papers", "--no-bundled", "-c", str(folder))
    assert result.exit_code == 3
    assert "not valid UTF-8" in result.stderr


def test_missing_catalogue_path(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run("papers", "--catalog", str(tmp_path / "nowhere"))
    assert result.exit_code == 3
    assert "no such catalogue file or folder" in result.stderr


def test_bad_year_is_a_usage_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("papers", "--year", "abc")
    assert result.exit_code == 2
    assert "--year: 'abc' is not a year" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_filter_value_gets_did_you_mean(run) -> None:  # type: ignore[no-untyped-def]
    result = run("papers", "--dataset", "truthfulq")
    assert result.exit_code == 1
    assert "did you mean 'truthfulqa'" in result.stderr
    result = run("papers", "--env", "atary")
    assert result.exit_code == 1 and "'atari'" in result.stderr


def test_unknown_id_for_show(run) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "instrct gpt")
    assert result.exit_code == 1
    assert "no entry named 'instrct gpt'; did you mean 'instructgpt'?" in result.stderr
    # Spaces, hyphens and case are as people type them: not a mistake (issue 12).
    assert run("show", "Instruct-GPT", "-f", "json").exit_code == 0


def test_catalogue_text_is_never_interpreted(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    hostile = "[bold red]Loud[/] \\u001b[2J\\u001b]8;;http://x\\u0007link"
    folder = write_catalog("papers.toml", paper(title=hostile))
    for fmt in ("table", "tsv"):
        result = run("papers", "--no-bundled", "-c", str(folder), "--format", fmt)
        assert result.exit_code == 0
        assert "[bold red]Loud[/]" in result.stdout
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "\\x1b[2J" in result.stdout
    records = json.loads(run("papers", "--no-bundled", "-c", str(folder), "-f", "json").stdout)
    assert records[0]["title"] == "[bold red]Loud[/] \x1b[2J\x1b]8;;http://x\x07link"


def test_env_variable_adds_a_catalogue_and_no_bundled_replaces(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("mine.toml", paper("my-paper", "My own paper"))
    added = run("papers", "-f", "json", env={"RLHF_CATALOG": str(folder)})
    ids = [p["id"] for p in json.loads(added.stdout)]
    assert "my-paper" in ids and "instructgpt" in ids
    alone = run("papers", "-f", "json", "--no-bundled", "-c", str(folder))
    assert [p["id"] for p in json.loads(alone.stdout)] == ["my-paper"]


def test_type_errors_past_the_first_batch_name_their_entry_and_line(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    from rlhf_cli.catalogue.validation import _BATCH

    # Tables are type-checked in batches of _BATCH: errors in a later batch keep their place.
    text = "".join(paper(f"p{n}", title=f"Paper number {n}") for n in range(_BATCH + 10))
    bad = _BATCH + 3
    text = text.replace(f'id = "p{bad}"\n', f'id = "p{bad}"\nsurprise = 1\n').replace(
        f'id = "p{bad + 1}"', f'id = "p{bad + 1}"\nauthors = "One Author"'
    )
    folder = write_catalog("papers.toml", text)
    result = run("validate", str(folder))
    assert result.exit_code == 3
    line = text.splitlines().index(f'id = "p{bad}"') + 1  # the entry's line
    assert f"papers.toml:{line}: entry 'p{bad}': surprise: unknown key" in result.stdout
    assert f"entry 'p{bad + 1}': authors: Input should be a valid list" in result.stdout
    assert result.stdout.count("entry 'p") == 2

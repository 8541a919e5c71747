"""Help for every command and option; every listing in every format."""

from __future__ import annotations

import csv
import io

import pytest
import typer

from rlhf_cli.cli import app

COMMANDS = sorted(info.name or info.callback.__name__ for info in app.registered_commands)
LISTINGS = ["search ppo", "papers", "codebases", "datasets", "envs", "blogs", "topics"]


def test_commands_are_the_documented_ones() -> None:
    expected = ["blogs", "books", "cache", "cite", "codebases", "datasets", "envs", "export", "graph", "import", "lint"]
    expected += ["config", "mcp", "open", "papers", "related", "search", "show", "stats", "topics", "validate"]
    expected += ["methods", "lineage", "path"]
    assert sorted(expected) == COMMANDS


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_and_option_has_help(name: str) -> None:
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    assert command.help and command.help.strip()
    for param in command.params:
        assert getattr(param, "help", None), f"{name} {param.name} has no help"


@pytest.mark.parametrize("name", COMMANDS)
def test_help_runs(run, name: str) -> None:  # type: ignore[no-untyped-def]
    result = run(name, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.stdout


@pytest.mark.parametrize("listing", LISTINGS)
def test_json_records_have_the_documented_fields(run, listing: str) -> None:  # type: ignore[no-untyped-def]
    records = run.json(*listing.split())
    assert records
    for record in records:
        assert {"id", "kind", "title", "url"} <= set(record)


def test_paper_json_fields(run) -> None:  # type: ignore[no-untyped-def]
    paper = next(p for p in run.json("papers") if p["id"] == "instructgpt")
    assert paper["year"] == 2022
    assert paper["authors"][:1] == ["Long Ouyang"]
    assert paper["datasets"] == ["TruthfulQA", "RealToxicityPrompts"]
    assert paper["code"] == [
        {"url": "https://github.com/openai/following-instructions-human-feedback", "official": True}
    ]
    assert paper["keywords"] == [
        "Large Language Model",
        "Align Language Model with Human Intent",
        "PPO-based RLHF",  # from awesome-RLVR, the paper's third list
        "instruction-following alignment",
    ]
    assert paper["envs"] == []


@pytest.mark.parametrize("listing", LISTINGS)
def test_csv_and_tsv_carry_the_same_entries(run, listing: str) -> None:  # type: ignore[no-untyped-def]
    ids = [record["id"] for record in run.json(*listing.split())]
    rows = list(csv.DictReader(io.StringIO(run(*listing.split(), "-f", "csv").stdout)))
    assert [row["id"] for row in rows] == ids
    tsv = run(*listing.split(), "-f", "tsv").stdout.splitlines()
    assert len(tsv) == len(ids)
    assert all(line.count("\t") == tsv[0].count("\t") for line in tsv)


def test_third_party_code_is_marked(run) -> None:  # type: ignore[no-untyped-def]
    tamer = next(p for p in run.json("papers") if p["id"] == "deep-tamer")
    assert tamer["code"][0]["official"] is False


def test_year_ranges_and_sorting(run) -> None:  # type: ignore[no-untyped-def]
    papers = run.json("papers", "--year", "2020..2021")
    assert {p["year"] for p in papers} == {2020, 2021}
    assert [p["year"] for p in papers] == sorted((p["year"] for p in papers), reverse=True)
    every_year = {p["year"] for p in run.json("papers")}
    assert {p["year"] for p in run.json("papers", "--year", "..2018")} == {y for y in every_year if y <= 2018}
    assert {2017, 2018, 1952} <= every_year  # the lists reach back to Bradley-Terry's paired comparisons
    titles = [p["title"].casefold() for p in run.json("papers", "--sort", "title")]
    assert titles == sorted(titles)


def test_filters_combine_and_match_case_insensitively(run) -> None:  # type: ignore[no-untyped-def]
    papers = run.json("papers", "--keyword", "DIFFUSION", "--has-code")
    assert papers and all(p["code"] for p in papers)
    assert all(any("diffusion" in k.casefold() for k in p["keywords"]) for p in papers)
    assert {p["id"] for p in run.json("papers", "--dataset", "cnn/dm")} == {
        p["id"] for p in run.json("papers", "--dataset", "CNN Daily Mail")
    }
    assert all("Paul Christiano" in p["authors"] for p in run.json("papers", "--author", "christiano"))


def test_limit(run) -> None:  # type: ignore[no-untyped-def]
    assert len(run.json("papers", "--limit", "3")) == 3
    assert run("papers", "--limit", "0").exit_code == 2


def test_search_tolerates_typos_word_order_and_chinese(run) -> None:  # type: ignore[no-untyped-def]
    assert run.json("search", "instruct", "gtp")[0]["id"] == "instructgpt"
    assert run.json("search", "human", "feedback", "summarize")[0]["id"] in {
        "learning-to-summarize",
        "recursively-summarizing-books",
    }
    assert run.json("search", "逆向强化学习")[0]["id"] == "inverse-rl"
    assert run.json("search", "inverse", "reinforcement", "learning")[0]["id"] == "inverse-rl"
    assert all(hit["kind"] == "dataset" for hit in run.json("search", "trivia", "qa", "--kind", "dataset"))
    assert run.json("search", "trivia", "qa", "--kind", "dataset")[0]["id"] == "triviaqa"


def test_search_with_nothing_found(run) -> None:  # type: ignore[no-untyped-def]
    result = run("search", "zzzzqqqq")
    assert result.exit_code == 1 and result.stdout == ""
    assert "nothing matches 'zzzzqqqq'" in result.stderr


def test_show_lists_links_both_ways(run) -> None:  # type: ignore[no-untyped-def]
    paper = run.json("show", "NLPO")
    assert {d["id"] for d in paper["links"]["datasets"]} >= {"imdb", "commongen"}
    assert [c["id"] for c in paper["links"]["implemented_by"]] == ["rl4lms"]
    dataset = run.json("show", "truthfulqa")
    assert "instructgpt" in {p["id"] for p in dataset["links"]["used_by_papers"]}
    hh = run.json("show", "HH-RLHF")
    assert {p["id"] for p in hh["links"]["code_of_papers"]} == {
        "helpful-harmless-assistant",
        "red-teaming-language-models",
    }
    table = run("show", "truthfulqa", "-f", "table")
    assert table.exit_code == 0 and "InstructGPT" not in table.stdout and "instructgpt" in table.stdout


def test_version_option(run) -> None:  # type: ignore[no-untyped-def]
    from rlhf_cli import __version__

    result = run("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"rlhf {__version__}"


def test_bad_format_is_a_usage_error(run) -> None:  # type: ignore[no-untyped-def]
    assert run("papers", "--format", "xml").exit_code == 2


def test_a_year_with_no_papers_says_which_years_there_are(run) -> None:  # type: ignore[no-untyped-def]
    result = run("papers", "--year", "2030")
    assert result.exit_code == 1
    years = sorted({p["year"] for p in run.json("papers")})
    assert f"hint: papers in the catalogue are from {years[0]} to {years[-1]}" in result.stderr


def test_a_short_option_means_one_thing_in_every_command() -> None:
    """-k is --keyword wherever it exists (search's --kind has no short form): issue 12."""
    import typer.main

    from rlhf_cli.cli import build_app

    meanings: dict[str, set[str]] = {}
    for command in typer.main.get_command(build_app()).commands.values():  # type: ignore[attr-defined]
        for param in command.params:
            longs = [name for name in param.opts if name.startswith("--")]
            for short in (name for name in param.opts if not name.startswith("--")):
                meanings.setdefault(short, set()).update(longs)
    assert {short: longs for short, longs in meanings.items() if len(longs) > 1} == {}

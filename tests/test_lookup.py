"""Every command that takes an entry resolves the identifiers researchers actually have (issue 12)."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize(
    "typed",
    [
        "2210.10760",
        "arXiv:2210.10760",
        "arxiv:2210.10760v2",
        "https://arxiv.org/abs/2210.10760",
        "https://arxiv.org/pdf/2210.10760v1.pdf",
        "https://www.alphaxiv.org/abs/2210.10760",
        "scaling laws for reward model overoptimisation",
    ],
)
def test_show_by_any_spelling_of_an_arxiv_id_or_name(run, typed: str) -> None:  # type: ignore[no-untyped-def]
    result = run("show", typed, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["arxiv"] == "2210.10760"


@pytest.mark.parametrize("typed", ["constitutional ai", "Constitutional-AI", "CONSTITUTIONAL  AI"])
def test_names_as_people_type_them(run, typed: str) -> None:  # type: ignore[no-untyped-def]
    result = run("show", typed, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "constitutional-ai"


def test_cite_and_related_and_used_by_take_arxiv_ids(run) -> None:  # type: ignore[no-untyped-def]
    for args in (["cite", "2203.02155"], ["cite", "arXiv:2203.02155"], ["related", "2203.02155"]):
        result = run(*args)
        assert result.exit_code == 0, (args, result.stderr)
    assert run("cite", "2203.02155").stdout == run("cite", "instructgpt").stdout
    by_id = run("datasets", "--used-by", "https://arxiv.org/abs/2203.02155", "-f", "ids")
    assert by_id.exit_code == 0 and by_id.stdout == run("datasets", "--used-by", "instructgpt", "-f", "ids").stdout


def test_a_citekey_that_cite_printed_finds_its_entry(run) -> None:  # type: ignore[no-untyped-def]
    bibtex = run("cite", "instructgpt", "constitutional-ai").stdout
    keys = [line.split("{", 1)[1].rstrip(",") for line in bibtex.splitlines() if line.startswith("@")]
    assert len(keys) == 2
    assert [json.loads(run("show", key, "-f", "json").stdout)["id"] for key in keys] == [
        "instructgpt",
        "constitutional-ai",
    ]


def test_cite_prints_the_good_ids_and_reports_the_bad(run) -> None:  # type: ignore[no-untyped-def]
    result = run("cite", "instructgpt", "no-such-paper")
    assert result.exit_code == 1
    assert result.stdout.startswith("@") and "instructgpt" not in result.stderr
    assert "no entry named 'no-such-paper'" in result.stderr


def test_several_matches_are_listed_with_their_ids(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog(
        "a.toml",
        '[[paper]]\nid = "one"\ntitle = "Reward Model"\nyear = 2020\nsources = [{ name = "t" }]\n'
        '[[paper]]\nid = "two"\ntitle = "RewardModel"\nyear = 2021\nsources = [{ name = "t" }]\n',
    )
    result = run("show", "reward-model", "--no-bundled", "-c", str(folder))
    assert result.exit_code == 1
    assert "'one' (Reward Model)" in result.stderr and "'two' (RewardModel)" in result.stderr
    assert run("show", "RewardModel", "--no-bundled", "-c", str(folder), "-f", "json").exit_code == 0


@pytest.mark.parametrize("typed", ["2203.02155", "arXiv:2203.02155", "https://arxiv.org/abs/2203.02155v1"])
def test_search_by_arxiv_id_puts_the_paper_first(run, typed: str) -> None:  # type: ignore[no-untyped-def]
    results = run.json("search", typed)
    assert [r["id"] for r in results] == ["instructgpt"]
    assert results[0]["matched"] == {"field": "identifier", "text": typed}

"""The three commands from the design, answered as the reference list implies."""

from __future__ import annotations


def test_search_ppo_finds_the_ppo_libraries_and_papers(run) -> None:  # type: ignore[no-untyped-def]
    # 25, not the default 20: the PPO method node (methods.toml, found by its keyword PPO) is a hit too.
    hits = run.json("search", "ppo", "-n", "25")
    ids = [hit["id"] for hit in hits]
    assert {"trl", "trlx", "minrlhf", "reward-overoptimization", "raft", "quark"} <= set(ids)
    assert "proximal-policy-optimization" in ids
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all({"id", "kind", "title", "url", "score"} <= set(hit) for hit in hits)


def test_papers_2022_atari_is_empty_and_says_which_years_have_atari(run) -> None:  # type: ignore[no-untyped-def]
    result = run("papers", "--year", "2022", "--env", "atari")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "2017, 2018" in result.stderr


def test_atari_papers_are_from_2017_and_2018(run) -> None:  # type: ignore[no-untyped-def]
    papers = run.json("papers", "--env", "Atari")
    assert {paper["year"] for paper in papers} == {2017, 2018}
    assert len(papers) == 4
    assert all("Atari" in paper["envs"] for paper in papers)


def test_datasets_used_by_instructgpt(run) -> None:  # type: ignore[no-untyped-def]
    datasets = run.json("datasets", "--used-by", "InstructGPT")
    assert {dataset["title"] for dataset in datasets} == {"TruthfulQA", "RealToxicityPrompts"}
    truthfulqa = next(d for d in datasets if d["title"] == "TruthfulQA")
    assert truthfulqa["used_by"] >= 5


def test_used_by_accepts_id_title_and_any_case(run) -> None:  # type: ignore[no-untyped-def]
    by_alias = run.json("datasets", "--used-by", "instructgpt")
    by_title = run.json("datasets", "--used-by", "Training language models to follow instructions with human feedback")
    by_codebase = run.json("datasets", "--used-by", "following-instructions-human-feedback")
    assert by_alias == by_title == by_codebase

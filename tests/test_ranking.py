"""Search puts the obvious entry first (issue 12): where a match is, what it covers, how connected."""

from __future__ import annotations

import pytest


def ranked_ids(run, *query: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit["id"] for hit in run.json("search", *query, "-n", "50")]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("overoptimization", "reward-overoptimization"),  # Gao et al., not the diffusion paper that says it once
        ("summarization", "learning-to-summarize"),  # Stiennon et al., not the dataset with the keyword
        ("instructgpt", "instructgpt"),
        ("instrct gtp", "instructgpt"),  # typos still forgiven
    ],
)
def test_the_obvious_entry_comes_first(run, query: str, first: str) -> None:  # type: ignore[no-untyped-def]
    assert ranked_ids(run, query)[0] == first


def test_a_title_match_outranks_a_keyword_match_of_the_same_score(run) -> None:  # type: ignore[no-untyped-def]
    hits = run.json("search", "diffusion", "-n", "50")
    fields = [hit["matched"]["field"] for hit in hits]
    # A paper found by the name of a method it introduces (or of one above it) ranks with the names.
    names = {"name", "method", "variant"}
    assert fields == sorted(fields, key=lambda field: field not in names), "every name match before any other"
    # DDPO was 6th behind keyword matches before issue 12; now only name matches precede it, two
    # of them the method tree's nodes "Diffusion DPO" and "Diffusion Models" (issue 13).
    ids = [hit["id"] for hit in hits]
    assert ids.index("training-diffusion-rl") < 6
    assert {"diffusion-dpo", "diffusion-text-to-image"} <= set(ids[:6])


def test_one_keyword_among_many_covers_less_than_the_only_one(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    def paper(entry_id: str, keywords: list[str]) -> str:
        listed = ", ".join(f'"{k}"' for k in keywords)
        return (
            f'[[paper]]\nid = "{entry_id}"\ntitle = "Paper {entry_id}"\nyear = 2020\n'
            f'keywords = [{listed}]\nsources = [{{ name = "t" }}]\n'
        )

    folder = write_catalog(
        "a.toml", paper("aaa-broad", ["PPO", *(f"topic {n}" for n in range(9))]) + paper("zzz-focused", ["PPO"])
    )
    assert ranked_ids(run, "ppo", "--no-bundled", "-c", str(folder)) == ["zzz-focused", "aaa-broad"]


def test_a_connected_entry_outranks_an_isolated_one_that_matches_as_well(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog(
        "a.toml",
        '[[dataset]]\nid = "data"\nname = "Some Data"\nsources = [{ name = "t" }]\n'
        '[[paper]]\nid = "aaa-alone"\ntitle = "Alone"\nyear = 2020\nkeywords = ["PPO"]\nsources = [{ name = "t" }]\n'
        '[[paper]]\nid = "zzz-linked"\ntitle = "Linked"\nyear = 2020\nkeywords = ["PPO"]\ndatasets = ["data"]\n'
        'code = [{ url = "https://github.com/x/y" }]\nsources = [{ name = "t" }]\n',
    )
    assert ranked_ids(run, "ppo", "--no-bundled", "-c", str(folder)) == ["zzz-linked", "aaa-alone"]


def test_listings_filter_free_text_more_strictly_than_search(run) -> None:  # type: ignore[no-untyped-def]
    # Search finds the near misses ("reward shaping", "online RL optimization")...
    assert "dense-reward-for-free" in ranked_ids(run, "reward", "hacking")
    assert "back-to-basics-reinforce" in ranked_ids(run, "overoptimization")
    # ... a listing does not, unless asked to.
    assert run("papers", "year:2024 reward hacking").exit_code == 1
    listed = {paper["id"] for paper in run.json("papers", "overoptimization")}
    assert {"reward-overoptimization", "reward-overopt-diffusion"} <= listed
    assert "back-to-basics-reinforce" not in listed
    loose = run.json("papers", "overoptimization", "--min-score", "70")
    assert "back-to-basics-reinforce" in {paper["id"] for paper in loose}


def test_a_listing_with_free_text_shows_each_entry_score(run) -> None:  # type: ignore[no-untyped-def]
    listed = run.json("papers", "overoptimization")
    assert all(isinstance(paper["score"], float) and paper["score"] >= 85 for paper in listed)
    table = run("papers", "overoptimization", "-f", "csv").stdout.splitlines()
    assert table[0].startswith("score,")
    assert "score" not in run.json("papers", "--year", "2022")[0]
    assert not run("papers", "--year", "2022", "-f", "csv").stdout.startswith("score")


@pytest.mark.parametrize("fmt", ["json", "csl-json"])
def test_no_results_print_the_empty_form_of_json(run, fmt: str) -> None:  # type: ignore[no-untyped-def]
    for args in (["papers", "--year", "2030"], ["search", "zzzzqqqq"]):
        result = run(*args, "-f", fmt)
        assert result.exit_code == 1 and result.stdout == "[]\n", (args, result.stdout)


def test_no_results_in_markdown_print_the_table_header(run) -> None:  # type: ignore[no-untyped-def]
    result = run("papers", "--year", "2030", "-f", "markdown")
    assert result.exit_code == 1 and result.stdout.startswith("| ")


def test_an_empty_search_says_what_the_catalogue_holds_or_what_is_near(run) -> None:  # type: ignore[no-untyped-def]
    far = run("search", "zzzzqqqq")
    assert far.exit_code == 1 and "the catalogue holds" in far.stderr and " papers" in far.stderr
    assert "try fewer or shorter words" not in far.stderr


def test_a_query_word_read_as_an_option_gets_a_hint(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from .test_entry_point import RLHF, rlhf_env

    # The entry point turns Typer's usage errors into the tool's one line (main.py), so run it.
    done = subprocess.run([RLHF, "search", "-ppo"], capture_output=True, text=True, env=rlhf_env(tmp_path))
    assert done.returncode == 2 and "goes after '--'" in done.stderr, done.stderr
    assert run("search", "-f", "ids", "--", "-ppo").exit_code == 0  # after "--", all is query

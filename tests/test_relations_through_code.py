"""Relations that follow what the data says: a paper whose code is a dataset's repository uses it;
a lab named by its own repository is an author (issue 12)."""

from __future__ import annotations

import json


def test_papers_whose_code_is_the_dataset_repository_use_it(run) -> None:  # type: ignore[no-untyped-def]
    users = {paper["id"] for paper in run.json("papers", "--dataset", "hh-rlhf")}
    assert users == {"red-teaming-language-models", "helpful-harmless-assistant"}
    shown = json.loads(run("show", "hh-rlhf", "-f", "json").stdout)
    assert shown["used_by"] == 2
    assert {p["id"] for p in shown["links"]["used_by_papers"]} == users
    assert {d["id"] for d in run.json("datasets", "--used-by", "red-teaming-language-models")} == {"hh-rlhf"}


def test_explain_and_show_name_the_relation(run) -> None:  # type: ignore[no-untyped-def]
    result = run("papers", "--dataset", "hh-rlhf", "--explain")
    assert result.exit_code == 0
    assert "uses dataset HH-RLHF (its code link is the dataset's repository)" in result.stderr
    paper = json.loads(run("show", "red-teaming-language-models", "-f", "json").stdout)
    assert [d["id"] for d in paper["links"]["uses_through_code"]] == ["hh-rlhf"]
    assert paper["links"]["code_entries"] == []


def test_a_listed_dataset_is_not_counted_twice(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog(
        "a.toml",
        '[[dataset]]\nid = "data"\nname = "Data"\nurl = "https://github.com/lab/data"\nsources = [{ name = "t" }]\n'
        '[[paper]]\nid = "p"\ntitle = "P"\nyear = 2020\ndatasets = ["data"]\n'
        'code = [{ url = "https://github.com/lab/data" }]\nsources = [{ name = "t" }]\n',
    )
    shown = json.loads(run("show", "data", "--no-bundled", "-c", str(folder), "-f", "json").stdout)
    assert shown["used_by"] == 1
    paper = json.loads(run("show", "p", "--no-bundled", "-c", str(folder), "-f", "json").stdout)
    assert paper["links"]["uses_through_code"] == []


def test_a_lab_named_by_its_own_repository_is_an_author(run) -> None:  # type: ignore[no-untyped-def]
    found = {paper["id"] for paper in run.json("papers", "author:anthropic")}
    assert {"constitutional-ai", "helpful-harmless-assistant", "red-teaming-language-models"} <= found


def test_only_official_code_names_a_lab(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog(
        "a.toml",
        '[[paper]]\nid = "theirs"\ntitle = "Theirs"\nyear = 2020\n'
        'code = [{ url = "https://github.com/somelab/theirs" }]\nsources = [{ name = "t" }]\n'
        '[[paper]]\nid = "reimplemented"\ntitle = "Reimplemented"\nyear = 2020\n'
        'code = [{ url = "https://github.com/somelab/other", official = false }]\nsources = [{ name = "t" }]\n',
    )
    found = run.json("papers", "author:somelab", "--no-bundled", "-c", str(folder))
    assert [paper["id"] for paper in found] == ["theirs"]


def test_links_match_whatever_way_the_url_is_written(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    """One URL form for comparing links (identifiers.normal_url), in the store and in memory alike:
    `www.`, case, a trailing slash or `.git` and surrounding spaces make no other repository."""
    folder = write_catalog(
        "a.toml",
        '[[dataset]]\nid = "data"\nname = "Data"\nurl = "https://github.com/Lab/Data"\nsources = [{ name = "t" }]\n'
        '[[codebase]]\nid = "tool"\nname = "Tool"\nurl = "https://github.com/lab/tool"\nsources = [{ name = "t" }]\n'
        '[[paper]]\nid = "p"\ntitle = "P"\nyear = 2020\n'
        'code = [{ url = "http://www.github.com/lab/data.git" }, { url = "https://www.GitHub.com/lab/tool/" }]\n'
        'sources = [{ name = "t" }]\n',
    )
    paper = json.loads(run("show", "p", "--no-bundled", "-c", str(folder), "-f", "json").stdout)
    assert [d["id"] for d in paper["links"]["uses_through_code"]] == ["data"]
    assert [c["id"] for c in paper["links"]["code_entries"]] == ["tool"]
    assert [d["id"] for d in run.json("datasets", "--used-by", "p", "--no-bundled", "-c", str(folder))] == ["data"]

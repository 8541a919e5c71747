"""The Python API (`from rlhf_cli import open_catalogue`): the same answers as the CLI's JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import rlhf_cli
from rlhf_cli import Catalogue, NotFoundError, Record, RlhfError, open_catalogue


@pytest.fixture
def rlhf() -> Catalogue:
    return open_catalogue()


def test_public_names_resolve_and_import_stays_cheap() -> None:
    for name in rlhf_cli.__all__:
        assert getattr(rlhf_cli, name) is not None
    with pytest.raises(AttributeError):
        rlhf_cli.no_such_name  # noqa: B018
    code = "import sys, rlhf_cli; print(sorted(m for m in sys.modules if m.startswith(('rlhf_cli', 'pydantic'))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.replace("'", '"')) == ["rlhf_cli", "rlhf_cli.version"]


def test_the_package_is_typed() -> None:
    assert (Path(rlhf_cli.__file__).parent / "py.typed").is_file()


def test_search_matches_the_cli(run, rlhf: Catalogue) -> None:  # type: ignore[no-untyped-def]
    for words in (
        ["ppo"],
        ["helpfull", "harmless"],
        ["year:2022", "ppo"],
        ["2203.02155"],
        ["arxiv.org/abs/2305.18290"],
    ):
        assert rlhf.search(" ".join(words), limit=20) == run.json("search", *words)
    assert rlhf.search("2203.02155", limit=20)[0]["matched"] == {"field": "identifier", "text": "2203.02155"}
    only = rlhf.search("preference", kinds=["dataset"])
    assert only and {record["kind"] for record in only} == {"dataset"}
    assert only == run.json("search", "preference", "--kind", "dataset")


def test_papers_filters_match_the_cli(run, rlhf: Catalogue) -> None:  # type: ignore[no-untyped-def]
    papers = rlhf.papers(dataset="truthfulqa", has_code=True)
    assert papers.ids and papers == run.json("papers", "--dataset", "truthfulqa", "--has-code")
    assert rlhf.papers(year=">=2024", sort="title", limit=5) == run.json(
        "papers", "--year", ">=2024", "--sort", "title", "-n", "5"
    )
    assert rlhf.papers("kw:ppo", author="schulman") == run.json("papers", "kw:ppo", "--author", "schulman")
    assert all(2020 <= p["year"] <= 2021 for p in rlhf.papers(year="2020..2021"))
    assert rlhf.papers(year="1900") == []


def test_entries_of_a_kind_with_a_query(run, rlhf: Catalogue) -> None:  # type: ignore[no-untyped-def]
    assert len(rlhf) == len(rlhf.entries())
    envs = rlhf.entries("environment")
    assert envs.ids and {e["kind"] for e in envs} == {"environment"}
    chosen = rlhf.entries("paper", "code:yes year:2023")
    assert chosen and all(p["year"] == 2023 and p["code"] for p in chosen)
    assert sorted(chosen.ids) == sorted(
        p["id"] for p in run.json("search", "kind:paper code:yes year:2023", "-n", "999")
    )
    with pytest.raises(RlhfError, match="kind is one of"):
        rlhf.entries("movie")  # type: ignore[arg-type]


def test_get_and_links_match_show(run, rlhf: Catalogue) -> None:  # type: ignore[no-untyped-def]
    shown = run.json("show", "InstructGPT")
    record = rlhf.get("InstructGPT")
    assert record["id"] == "instructgpt" and record["year"] == 2022
    assert {k: v for k, v in shown.items() if k != "links"} == record
    assert rlhf.links("instructgpt") == shown["links"]
    assert "instructgpt" in rlhf and "no such paper" not in rlhf
    with pytest.raises(NotFoundError) as caught:
        rlhf.get("instructgtp")
    assert "instructgpt" in caught.value.suggestions


def test_related_matches_the_cli(run, rlhf: Catalogue) -> None:  # type: ignore[no-untyped-def]
    related = rlhf.related("truthfulqa", limit=5)
    assert len(related) == 5 and all(r["reasons"] for r in related)
    assert related == run.json("related", "truthfulqa", "-n", "5")


def test_cite_papers_and_refuse_datasets(run, rlhf: Catalogue) -> None:  # type: ignore[no-untyped-def]
    bibtex = rlhf.cite(["instructgpt", "trl"])
    assert bibtex == run("cite", "instructgpt", "trl").stdout
    assert "@software{" in bibtex
    csl = json.loads(rlhf.cite("instructgpt", format="csl-json"))
    assert csl[0]["issued"] == {"date-parts": [[2022]]}
    assert rlhf.cite("instructgpt", format="ris").startswith("TY  - ")
    with pytest.raises(RlhfError, match="truthfulqa is a dataset, which has no citable form"):
        rlhf.cite(["instructgpt", "truthfulqa"])


def test_record_type_names_every_field(rlhf: Catalogue) -> None:
    declared = set(typing.get_type_hints(Record))
    seen: set[str] = set()
    for kind in ("paper", "dataset", "codebase", "environment", "blog", "book", "topic"):
        records = rlhf.entries(kind)
        assert records, kind
        seen |= set(records[0])
    seen |= set(rlhf.search("ppo", limit=1)[0]) | set(rlhf.related("instructgpt", limit=1)[0])
    assert seen == declared, "Record (api.py) and records.entry_record disagree"
    assert Record.__required_keys__ <= set(rlhf.entries("topic")[0])


def test_results_convert_for_pandas(rlhf: Catalogue) -> None:
    papers = rlhf.papers(limit=4)
    dicts = papers.to_dicts()
    assert dicts == papers
    dicts[0]["authors"].append("Someone Else")
    assert "Someone Else" not in papers[0]["authors"], "to_dicts must copy"
    rows = papers.to_records()
    assert [row["id"] for row in rows] == papers.ids
    assert all(not isinstance(value, list | dict) for row in rows for value in row.values())
    assert rows[0]["sources"] == "; ".join(f"{s['name']}:{s['line']}" for s in papers[0]["sources"])
    pandas = pytest.importorskip("pandas", reason="pandas is not installed; the shape checks above stand in")
    frame = pandas.DataFrame(papers)
    assert list(frame["id"]) == papers.ids and "year" in frame.columns
    flat = pandas.DataFrame(papers.to_records())
    assert flat.shape == (4, len(rows[0]))


def test_extra_catalogue_paths(write_catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog(
        "mine.toml",
        '[[paper]]\nid = "my-paper"\ntitle = "My Own Paper"\nyear = 2024\n'
        'url = "https://example.org/p"\nsources = [{ name = "t" }]\n',
    )
    mine = open_catalogue(folder, bundled=False)
    assert mine.entries().ids == ["my-paper"]
    assert mine.search("own paper")[0]["id"] == "my-paper"


def test_free_text_in_papers_filters_as_the_cli_listing_does(run) -> None:  # type: ignore[no-untyped-def]
    from rlhf_cli import open_catalogue

    # One threshold for both (query.LISTING_MIN_SCORE): the API had its own, looser, copy.
    api_ids = [record["id"] for record in open_catalogue().papers("reward hacking")]
    assert api_ids == [paper["id"] for paper in run.json("papers", "reward hacking")]

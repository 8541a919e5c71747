"""Awesome lists: import (both reference layouts), export, the round trip, and lint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rlhf_cli.awesome.importer import title_name
from rlhf_cli.awesome.reader import parse
from rlhf_cli.loading.loader import load


@pytest.fixture
def zh(reference: Path) -> Path:
    return reference / "awesome-rlhf-zh-2023.md"


@pytest.fixture
def en(reference: Path) -> Path:
    return reference / "awesome-rlhf-en-2025.md"


def import_list(run, path: Path, into: Path, *extra: str):  # type: ignore[no-untyped-def]
    result = run("import", str(path), "--into", str(into), "--no-bundled", "-f", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_import_zh_into_an_empty_catalogue(run, tmp_path: Path, zh: Path) -> None:  # type: ignore[no-untyped-def]
    actions = import_list(run, zh, tmp_path / "cat")
    assert {a["action"] for a in actions} == {"added"}
    catalogue = load([tmp_path / "cat"])
    assert len(catalogue.papers) == 34
    assert {p.year for p in catalogue.papers if p.year <= 2020} == {2017, 2018, 2019, 2020}
    instructgpt = catalogue.find("InstructGPT")
    assert instructgpt is not None and [d.display_name for d in catalogue.datasets_of(instructgpt)] == [
        "TruthfulQA",
        "RealToxicityPrompts",
    ]
    assert catalogue.find("CNN/DM") is catalogue.find("CNN Daily Mail")  # one dataset, two spellings
    assert all(e.sources[0].name == "awesome-rlhf-zh-2023" for e in catalogue.entries)


def test_import_again_changes_nothing(run, tmp_path: Path, zh: Path) -> None:  # type: ignore[no-untyped-def]
    import_list(run, zh, tmp_path / "cat")
    before = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "cat").glob("*.toml")}
    actions = import_list(run, zh, tmp_path / "cat")
    assert {a["action"] for a in actions} == {"skipped"}
    assert {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "cat").glob("*.toml")} == before


def test_import_en_after_zh_merges_and_reports_the_lists_clashes(run, tmp_path: Path, zh: Path, en: Path) -> None:  # type: ignore[no-untyped-def]
    import_list(run, zh, tmp_path / "cat")
    actions = import_list(run, en, tmp_path / "cat")
    by_action = {name: [a for a in actions if a["action"] == name] for name in ("added", "merged", "skipped")}
    assert by_action["added"] and by_action["merged"]
    instructgpt = next(a for a in by_action["merged"] if a["id"] == "instructgpt")
    assert "source awesome-rlhf-en-2025" in instructgpt["reason"]
    assert {a["line"] for a in by_action["skipped"]} == {109, 266}  # the list's two shared links
    assert all("different title" in a["reason"] for a in by_action["skipped"])
    catalogue = load([tmp_path / "cat"])
    assert len(catalogue.papers) >= 110
    assert run("validate", str(tmp_path / "cat")).exit_code == 0
    aligndiff = next(p for p in catalogue.papers if p.title.startswith("AlignDiff"))
    assert aligndiff.year == 2023 and aligndiff.arxiv == "2310.02054"


def test_import_over_the_bundled_catalogue_duplicates_nothing(run, tmp_path: Path, en: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("import", str(en), "--into", str(tmp_path / "mine"), "-f", "json")
    assert result.exit_code == 0, result.stderr
    actions = json.loads(result.stdout)
    assert actions and {a["action"] for a in actions} == {"skipped"}
    assert not (tmp_path / "mine").exists() or not list((tmp_path / "mine").glob("*.toml"))


def test_dry_run_writes_nothing(run, tmp_path: Path, zh: Path) -> None:  # type: ignore[no-untyped-def]
    actions = import_list(run, zh, tmp_path / "cat", "--dry-run")
    assert len([a for a in actions if a["action"] == "added"]) > 50
    assert not list((tmp_path / "cat").glob("*.toml")) if (tmp_path / "cat").exists() else True


def test_default_target_is_the_user_catalogue_which_is_then_searched(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    listing = tmp_path / "mine.md"
    listing.write_text(
        "## Papers\n### 2024\n- [A Brand New Preference Paper](https://arxiv.org/abs/2401.99999)\n"
        "  - Ada Lovelace\n  - Keyword: Preference Optimization\n",
        encoding="utf-8",
    )
    result = run("import", str(listing), "-f", "json")
    assert result.exit_code == 0, result.stderr
    found = run.json("search", "brand new preference")
    assert found[0]["title"] == "A Brand New Preference Paper"
    assert found[0]["sources"] == [{"name": "mine", "line": 3}]


def test_nothing_is_written_when_the_result_would_be_invalid(run, tmp_path: Path, zh: Path) -> None:  # type: ignore[no-untyped-def]
    import_list(run, zh, tmp_path / "cat")
    before = {p.name: p.read_bytes() for p in (tmp_path / "cat").glob("*.toml")}
    bad = tmp_path / "bad.md"
    bad.write_text("## Papers\n### 2023\n- [A paper with a bad link](ftp://example.org/paper)\n", encoding="utf-8")
    result = run("import", str(bad), "--into", str(tmp_path / "cat"), "--no-bundled")
    assert result.exit_code == 3
    assert "not an http(s) URL" in result.stderr and str(tmp_path / "cat") in result.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "cat").glob("*.toml")} == before
    assert not list((tmp_path / "cat").glob(".import-*"))


def test_round_trip_zh(run, tmp_path: Path, zh: Path) -> None:  # type: ignore[no-untyped-def]
    import_list(run, zh, tmp_path / "cat")
    exported = run("export", "-", "--format", "markdown", "--lang", "zh", "--no-bundled", "-c", str(tmp_path / "cat"))
    assert exported.exit_code == 0, exported.stderr
    original = {(i.kind, i.title): i for i in parse(zh.read_text(encoding="utf-8")).items}
    again = {(i.kind, i.title): i for i in parse(exported.stdout).items}
    assert set(again) == set(original)
    catalogue = load([tmp_path / "cat"])
    by_url = {url: d.id for d in catalogue.datasets for url in [d.url, *d.other_urls] if url}

    def dataset_ids(links: list[Any]) -> list[str]:
        return [by_url.get(link.url) or catalogue.find(link.text).id for link in links]  # type: ignore[union-attr]

    for key, item in original.items():
        copy = again[key]
        assert copy.url == item.url, key
        assert copy.keywords == item.keywords, key
        assert [(c.url, "third" in c.text) for c in copy.code] == [(c.url, "third" in c.text) for c in item.code], key
        assert dataset_ids(copy.datasets) == dataset_ids(item.datasets), key
        assert copy.envs == item.envs, key
        # A title that names itself ("RAFT: ...") gives its short name when the list gives none.
        derived = title_name(item.title) if item.kind == "paper" else None
        assert copy.short_name == (item.short_name or derived), key


def test_export_markdown_of_the_bundled_catalogue_reads_back(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "awesome.md"
    assert run("export", str(target), "--format", "markdown").exit_code == 0
    items = parse(target.read_text(encoding="utf-8")).items
    papers = [i for i in items if i.kind == "paper"]
    assert len(papers) == len(run.json("papers"))
    lint = run("lint", str(target), "-f", "json")
    assert [f for f in json.loads(lint.stdout) if f["severity"] == "error"] == []


CRAFTED = {
    "malformed-item": "## Papers\n### 2023\n-[No space](https://a.org/x)\n",
    "empty-link": "## Papers\n### 2023\n- [Empty]()\n",
    "duplicate-url": "## Papers\n### 2023\n- [One title](https://a.org/x)\n- [Another title](https://a.org/x)\n",
    "duplicate-title": "## Papers\n### 2023\n- [Reward models are great for alignment](https://a.org/1)\n"
    "### 2022\n- [Reward models are great for alignmnet](https://a.org/2)\n",
    "year-mismatch": "## Papers\n### 2024\n- [Old](https://arxiv.org/abs/2309.14525)\n",
    "non-http-link": "## Papers\n### 2023\n- [Local](./paper.pdf)\n",
    "dataset-spelling": "## Papers\n### 2023\n- [P](https://a.org/p)\n  - Dataset: [CNN/DM](https://d.org/cnn)\n"
    "- [Q](https://a.org/q)\n  - Dataset: [CNN Daily Mail](https://d.org/cnn)\n",
    "malformed-link": "## Papers\n### 2023\n- [P](https://arxiv.org/abs/2302.08242.pdf)\n",
}


@pytest.mark.parametrize("rule", sorted(CRAFTED))
def test_lint_finds_each_defect(run, tmp_path: Path, rule: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "list.md"
    path.write_text(CRAFTED[rule], encoding="utf-8")
    result = run("lint", str(path), "-f", "json")
    findings = json.loads(result.stdout)
    assert [f["rule"] for f in findings] == [rule]
    finding = findings[0]
    assert {"line", "rule", "severity", "message", "hint"} <= set(finding)
    assert finding["line"] >= 3
    assert result.exit_code == (3 if finding["severity"] == "error" else 0)


def test_lint_clean_list_and_text_output(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "clean.md"
    path.write_text(
        "## Papers\n### 2023\n- [Fine](https://arxiv.org/abs/2301.00001)\n  - Keyword: a\n", encoding="utf-8"
    )
    result = run("lint", str(path))
    assert result.exit_code == 0 and result.stdout == "" and "0 errors, 0 warnings" in result.stderr


def test_lint_the_2025_list(run, en: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("lint", str(en), "-f", "json")
    assert result.exit_code == 3
    rules = {(f["rule"], f["line"]) for f in json.loads(result.stdout)}
    assert {("duplicate-url", 109), ("duplicate-url", 266), ("year-mismatch", 221), ("malformed-item", 735)} <= rules
    assert ("empty-link", 219) in rules and ("malformed-link", 458) in rules


def test_lint_the_bundled_catalogue_is_clean(run) -> None:  # type: ignore[no-untyped-def]
    result = run("lint")
    assert result.exit_code == 0, result.stdout

"""The importer reads the layouts real lists use, never imports prose, and stays linear.

Each layout is driven through the real CLI (`rlhf import --dry-run -f json` or an import into an
empty folder) and the written catalogue is read back with `rlhf show -f json`.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from rlhf_cli.awesome import reader as awesome
from rlhf_cli.awesome.bibtex import parse_bibtex
from rlhf_cli.awesome.reader import parse
from rlhf_cli.catalogue.identifiers import arxiv_year

from .conftest import Run

NEW_LISTS = (
    "louieworth-awesome-rlhf-2024",
    "tsinghuac3i-awesome-rl-for-lrms-2026",
    "xielab-awesome-alignment-of-diffusion-models-2025",
    "opendilab-awesome-rlvr-2025",
    "mengdili-awesome-rlaif-2025",
)
BIB = "tsinghuac3i-awesome-rl-for-lrms-reference.bib"  # in the reference folder (conftest)


def write(tmp_path: Path, text: str, name: str = "list.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def imported(run, tmp_path: Path, text: str, *extra: str) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    """Import `text` into an empty folder; the entries written, by id, as `show -f json` gives them."""
    folder = tmp_path / "cat"
    result = run("import", str(write(tmp_path, text)), "--into", str(folder), "--no-bundled", "-f", "json", *extra)
    assert result.exit_code == 0, result.stderr
    actions = json.loads(result.stdout)
    ids = [a["id"] for a in actions if a["action"] == "added"]
    return {i: run.json("show", i, "--no-bundled", "-c", str(folder)) for i in ids}


def one_paper(entries: dict[str, dict]) -> dict:  # type: ignore[type-arg]
    papers = [e for e in entries.values() if e["kind"] == "paper"]
    assert len(papers) == 1, list(entries)
    return papers[0]


BADGE = "https://img.shields.io/badge/paper-A42C25?style=for-the-badge"
STARS = "https://img.shields.io/github/stars/deepseek-ai/DeepSeek-Math?style=for-the-badge"
TABLE = (
    "## Paper List\n### Policy Optimization\n#### Critic-Free Algorithms\n\n"
    "| Date | Name | Title | Paper | Github |\n|:-:|:-:|:-|:-:|:-:|\n"
    f"| 2024-02 | `GRPO` | DeepSeekMath: Pushing the Limits | [![Paper]({BADGE})](https://arxiv.org/abs/2402.03300) "
    f"| [![GitHub Stars]({STARS})](https://github.com/deepseek-ai/DeepSeek-Math) |\n"
)


def test_table_rows_take_the_url_behind_the_badge_and_the_name_column(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paper = one_paper(imported(run, tmp_path, TABLE))
    assert paper["url"] == "https://arxiv.org/abs/2402.03300" and paper["year"] == 2024
    assert paper["short_name"] == "GRPO"
    assert [c["url"] for c in paper["code"]] == ["https://github.com/deepseek-ai/DeepSeek-Math"]
    assert "shields.io" not in json.dumps(paper)
    assert paper["categories"] == [{"source": "list", "path": "Policy Optimization > Critic-Free Algorithms"}]


def test_pdf_items_give_title_venue_and_link(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (
        "## Techniques\n### DPO\n* Diffusion Model Alignment Using Direct Preference Optimization. CVPR 2024, "
        "[[pdf]](https://arxiv.org/pdf/2311.12908)\n"
    )
    paper = one_paper(imported(run, tmp_path, text))
    assert paper["title"] == "Diffusion Model Alignment Using Direct Preference Optimization"
    assert (paper["venue"], paper["year"], paper["arxiv"]) == ("CVPR 2024", 2023, "2311.12908")
    assert paper["categories"] == [{"source": "list", "path": "Techniques > DPO"}]


def test_author_line_with_venue_and_year_keeps_them_out_of_the_authors(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (
        "## Papers\n### Methods\n- [Back to Basics: Revisiting REINFORCE](https://arxiv.org/abs/2402.14740)\n"
        "    -  Arash Ahmadian, Chris Cremer, and Sara Hooker. ICLR, 2024.\n"
        "- [A Second Paper on Reward Models](https://arxiv.org/abs/2402.14741)\n  - Ada Lovelace. arXiv, 2024.\n"
    )
    entries = imported(run, tmp_path, text)
    first = next(e for e in entries.values() if e["arxiv"] == "2402.14740")
    assert first["authors"] == ["Arash Ahmadian", "Chris Cremer", "Sara Hooker"] and first["venue"] == "ICLR 2024"
    second = next(e for e in entries.values() if e["arxiv"] == "2402.14741")
    assert second["authors"] == ["Ada Lovelace"] and second["venue"] is None  # arXiv is no venue


ABSTRACT = "We posit that online feedback is key and improves direct alignment methods considerably"
RLAIF = f"""## Papers
### 2024
- [Direct Language Model Alignment from Online AI Feedback](https://arxiv.org/abs/2402.04792) | ![](https://img.shields.io/badge/ICLR'24-blue)
  - Authors: Shangmin Guo, Biao Zhang, Tianlin Liu
  - <details> <summary>Abstract (click me)</summary> {ABSTRACT}, keywords, like, commas. </details>
  - Links: [Project website](https://example.org/oaif), [Code](https://github.com/example/oaif)
  - Tags: LLMs, Direct Rewarding
"""


def test_authors_links_tags_lines_and_no_abstract(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paper = one_paper(imported(run, tmp_path, RLAIF))
    assert paper["authors"] == ["Shangmin Guo", "Biao Zhang", "Tianlin Liu"]
    assert paper["keywords"] == ["LLMs", "Direct Rewarding"]
    assert paper["venue"] == "ICLR 2024"
    assert [c["url"] for c in paper["code"]] == ["https://github.com/example/oaif"]
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "cat").glob("*.toml"))
    assert "online feedback" not in written and "click me" not in written


def test_a_trailing_arxiv_is_no_short_name_and_does_not_collapse_papers(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    items = "".join(
        f"- [Paper number {n} on verifiable rewards](https://arxiv.org/abs/2502.0{n}000) (arXiv)\n  - Some Lab\n"
        for n in range(1, 6)
    )
    entries = imported(run, tmp_path, "## Papers\n### 2025\n" + items)
    papers = [e for e in entries.values() if e["kind"] == "paper"]
    assert len(papers) == 5 and all(p["short_name"] is None for p in papers)


def test_one_paper_under_every_kind_of_arxiv_link_is_one_entry(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    urls = [
        "https://arxiv.org/abs/2305.18290",
        "https://arxiv.org/pdf/2305.18290v3",
        "https://arxiv.org/html/2305.18290v2",
        "https://www.alphaxiv.org/abs/2305.18290",
        "https://arxiv.org/pdf/2305.18290.pdf",
    ]
    items = "".join(f"- [Direct Preference Optimization, take {n}]({url})\n" for n, url in enumerate(urls))
    result = run(
        "import", str(write(tmp_path, "## Papers\n### 2023\n" + items)), "--dry-run", "--no-bundled", "-f", "json"
    )
    assert result.exit_code == 0, result.stderr
    actions = json.loads(result.stdout)
    assert [a["action"] for a in actions] == ["added", "merged", "merged", "merged", "merged"]
    assert len({a["id"] for a in actions}) == 1


def test_doi_and_openreview_links_match_across_lists(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = write(
        tmp_path,
        "## Papers\n### 2024\n- [CPPO: Continual Learning for RLHF](https://openreview.net/forum?id=86zAUE80pP)\n"
        "- [Simple statistical gradient-following algorithms](https://dl.acm.org/doi/10.1007/BF00992696) (REINFORCE)\n",
        "first.md",
    )
    second = write(
        tmp_path,
        "## Papers\n### 2024\n- [CPPO: continual learning for reinforcement learning with human feedback](https://openreview.net/pdf?id=86zAUE80pP)\n"
        "- [Simple Statistical Gradient-Following Algorithms for Connectionist RL](https://doi.org/10.1007/BF00992696)\n",
        "second.md",
    )
    folder = tmp_path / "cat"
    assert run("import", str(first), "--into", str(folder), "--no-bundled").exit_code == 0
    result = run("import", str(second), "--into", str(folder), "--no-bundled", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert [a["action"] for a in json.loads(result.stdout)] == ["merged", "merged"]


def test_a_list_with_no_item_recognised_is_an_error_naming_its_lines(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "# Notes\n\nSome words about papers.\n\n## Papers\n\n1. a numbered note, not an item\n")
    result = run("import", str(path), "--into", str(tmp_path / "cat"), "--no-bundled")
    assert result.exit_code == 3
    assert "no item recognised" in result.stderr and "line 1" in result.stderr
    assert not (tmp_path / "cat").exists()
    lint = run("lint", str(path), "-f", "json")
    assert lint.exit_code == 3 and [f["rule"] for f in json.loads(lint.stdout)] == ["no-items"]


def test_item_like_lines_not_understood_are_listed_also_in_a_dry_run(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "## Papers\n### 2024\n- [Good](https://arxiv.org/abs/2401.00001)\n- see also [this](https://a.org/x)\n"
    result = run("import", str(write(tmp_path, text)), "--dry-run", "--no-bundled", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert [a["line"] for a in json.loads(result.stdout)] == [3]
    assert "list.md:4: not read as an item: see also [this](https://a.org/x)" in result.stderr


def test_titles_without_latin_letters_get_readable_ids(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "## 博客\n- [知乎] [大语言模型的涌现能力](https://zhuanlan.zhihu.com/p/621438653)\n- [🤗] [🚀🚀](https://example.org/posts/rockets)\n"
    entries = imported(run, tmp_path, text)
    assert sorted(entries) == ["example-rockets", "zhihu-621438653"]


def test_venue_field_query_and_option(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    imported(run, tmp_path, RLAIF)
    folder = str(tmp_path / "cat")
    assert [p["venue"] for p in run.json("papers", "--venue", "iclr", "--no-bundled", "-c", folder)] == ["ICLR 2024"]
    none = run("papers", "venue:NeurIPS", "--no-bundled", "-c", folder)
    assert none.exit_code == 1 and "no venue named 'NeurIPS'" in none.stderr
    assert len(run.json("search", "venue:2024", "--no-bundled", "-c", folder)) == 1


def test_bibtex_fills_years_and_authors_a_table_lacks(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    table = (
        "## Paper List\n### Objective\n\n| Date | Name | Title | Paper | Github |\n|:-:|:-:|:-|:-:|:-:|\n"
        "| - | `TRPO` | Trust region policy optimization | [![Paper](https://img.shields.io/badge/Paper-6772E5)]"
        "(https://proceedings.mlr.press/v37/schulman15.pdf) | - |\n"
    )
    bib = write(
        tmp_path,
        "% refs\n@inproceedings{schulman2015trust,\n  title={Trust region policy optimization},\n"
        "  author={Schulman, John and Levine, Sergey and others},\n  booktitle={ICML},\n  year={2015}\n}\n",
        "refs.bib",
    )
    without = run("import", str(write(tmp_path, table)), "--dry-run", "--no-bundled", "-f", "json")
    assert json.loads(without.stdout)[0]["reason"].startswith("no year")
    paper = one_paper(imported(run, tmp_path, table, "--bib", str(bib)))
    assert paper["year"] == 2015 and paper["authors"] == ["John Schulman", "Sergey Levine"] and paper["authors_et_al"]
    assert paper["sources"] == [{"name": "list", "line": 6}, {"name": "refs", "line": 2}]


def test_import_a_bibtex_file_as_a_list(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bib = write(
        tmp_path,
        '@string{nips = "NeurIPS"}\n@comment{ignored}\n@article{a,\n  title = {Direct {P}reference {O}ptimization},\n'
        '  author = "Rafailov, Rafael and Sharma, Archit", journal = nips # " 2023", year = 2023,\n'
        "  eprint = {2305.18290}\n}\n@misc{broken, title = {unclosed\n",
        "refs.bib",
    )
    result = run("import", str(bib), "--into", str(tmp_path / "cat"), "--no-bundled", "-f", "json")
    assert result.exit_code == 0, result.stderr
    paper = run.json("show", "Direct Preference Optimization", "--no-bundled", "-c", str(tmp_path / "cat"))
    assert paper["authors"] == ["Rafael Rafailov", "Archit Sharma"] and paper["arxiv"] == "2305.18290"
    assert paper["venue"] == "NeurIPS 2023" and paper["sources"] == [{"name": "refs", "line": 3}]
    assert "refs.bib:8: not read as an item" in result.stderr


def test_the_bibtex_reader_agrees_with_pybtex_on_the_reference_bib(reference: Path) -> None:
    bib = reference / BIB
    from pybtex.database import parse_file

    ours = parse_bibtex(bib.read_text(encoding="utf-8"))
    theirs = parse_file(str(bib), bib_format="bibtex")
    titled = [entry for entry in theirs.entries.values() if "title" in entry.fields]
    assert len(ours.items) == len(titled) > 900
    assert [line for line, _ in ours.unread] == [6121]  # the one entry without a title
    for item, entry in zip(ours.items, titled, strict=True):
        year = entry.fields.get("year")
        assert item.year == (int(year[:4]) if year else None), item.title
        people = entry.persons.get("author", [])
        names = [" ".join([*p.first_names, *p.middle_names, *p.prelast_names, *p.last_names]) for p in people]
        names = [re.sub(r"[{}]", "", name) for name in names if name != "others"]
        assert len(item.authors) == len(names), item.title


@pytest.mark.parametrize("name", NEW_LISTS)
def test_each_new_list_imported_alone_gives_the_bundled_entries_items(
    run: Run, tmp_path: Path, reference: Path, name: str
) -> None:
    """Into an empty folder: the lines imported are the lines the bundled entries cite, but for
    the few the importer rightly skips (a link that names another paper), which curation added."""
    extra = ["--bib", str(reference / BIB)] if name.startswith("tsinghuac3i") else []
    path = reference / f"{name}.md"
    result = run("import", str(path), "--into", str(tmp_path / "cat"), "--no-bundled", "-f", "json", *extra)
    assert result.exit_code == 0, result.stderr
    actions = json.loads(result.stdout)
    imported_lines = {
        a["line"] for a in actions if a["action"] != "skipped" and a["kind"] not in ("dataset", "environment")
    }
    skipped = {a["line"] for a in actions if a["action"] == "skipped"}
    bundled = _bundled_lines(name)
    items = {item.line for item in parse(path.read_text(encoding="utf-8")).items}
    assert imported_lines | skipped == items
    assert imported_lines <= bundled and items <= bundled
    assert len(skipped) <= 2


def _bundled_lines(name: str) -> set[int]:
    from rlhf_cli.loading.loader import bundled_catalog_dir, load

    catalogue = load([bundled_catalog_dir()])
    return {
        s.line for e in catalogue.entries if e.KIND != "environment" for s in e.sources if s.name == name and s.line
    }


def test_no_abstract_of_awesome_rlaif_is_in_the_bundled_catalogue(reference: Path) -> None:
    from rlhf_cli.loading.loader import bundled_catalog_dir

    text = (reference / "mengdili-awesome-rlaif-2025.md").read_text(encoding="utf-8")
    abstracts = re.findall(r"</summary>(.*?)</details>", text)
    assert len(abstracts) >= 20
    catalogue = "".join(p.read_text(encoding="utf-8") for p in bundled_catalog_dir().glob("*.toml"))
    for abstract in abstracts:
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s", abstract) if len(s.strip()) > 40]
        assert not [s for s in sentences if s in catalogue]


@pytest.mark.parametrize(
    ("name", "errors"),
    [
        ("opendilab-awesome-rlvr-2025", {("year-mismatch", 269), ("year-mismatch", 364), ("year-mismatch", 390)}),
        ("mengdili-awesome-rlaif-2025", {("year-mismatch", 45), ("year-mismatch", 91)}),
        ("louieworth-awesome-rlhf-2024", {("duplicate-url", 75), ("duplicate-url", 149)}),
        ("xielab-awesome-alignment-of-diffusion-models-2025", {("duplicate-url", 64)}),
    ],
)
def test_lint_finds_each_lists_real_defects(run, reference: Path, name: str, errors: set[tuple[str, int]]) -> None:  # type: ignore[no-untyped-def]
    result = run("lint", str(reference / f"{name}.md"), "-f", "json")
    assert result.exit_code == 3
    found = json.loads(result.stdout)
    assert errors <= {(f["rule"], f["line"]) for f in found if f["severity"] == "error"}


def test_lint_has_no_false_year_errors_under_earlier_headings(run, tmp_path: Path, reference: Path) -> None:  # type: ignore[no-untyped-def]
    text = (
        "## Papers\n### 2024 & Earlier\n- [Old but fine](https://arxiv.org/abs/2305.18290)\n"
        "### 2020 and before\n- [Older and fine](https://arxiv.org/abs/1707.06347)\n"
        "### Qwen 2025 models\n- [Not a year heading](https://arxiv.org/abs/2301.00001)\n"
    )
    result = run("lint", str(write(tmp_path, text)), "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    rlvr = run("lint", str(reference / "opendilab-awesome-rlvr-2025.md"), "-f", "json")
    assert not [f for f in json.loads(rlvr.stdout) if f["rule"] == "year-mismatch" and f["line"] > 407]


def test_a_utf8_bom_does_not_hide_the_first_item(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bom.md"
    path.write_bytes("\ufeff## Papers\n### 2024\n- [With a BOM](https://arxiv.org/abs/2401.00002)\n".encode())
    result = run("import", str(path), "--dry-run", "--no-bundled", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert [a["title"] for a in json.loads(result.stdout)] == ["With a BOM"]


def test_an_arxiv_like_id_before_2007_gives_no_year_and_the_paper_imports(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # New-style ids began in April 2007: 9912.12345 is neither 1999 nor 2099 (identifiers.arxiv_year).
    assert arxiv_year("9912.12345") is None and arxiv_year("2203.02155") == 2022
    entries = imported(run, tmp_path, "## Papers\n### 1999\n- [An old preprint](https://arxiv.org/abs/9912.12345)\n")
    assert one_paper(entries)["year"] == 1999  # from the heading
    assert one_paper(entries).get("arxiv") is None
    assert run("validate", str(tmp_path / "cat")).exit_code == 0


def test_a_ten_megabyte_line_is_reported_not_read(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import resource

    path = tmp_path / "huge.md"
    path.write_text("## Papers\n### 2024\n- [Fine](https://arxiv.org/abs/2401.00003)\n- [" + "x" * 10_000_000 + "\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = run("lint", str(path), "-f", "json")
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert [f["rule"] for f in json.loads(result.stdout)] == ["line-too-long"]
    assert grown_mib < 300  # a few copies of the text, not the parser's tokens of it


def synthetic(items: int) -> str:
    lines = ["## Papers", "### 2023"]
    for i in range(items):
        lines.append(f"- [Synthetic paper number {i} about reward models](https://arxiv.org/abs/2301.{i:05d})")
        lines.append(f"  - Author {i}, Other Author")
    return "\n".join(lines) + "\n"


@pytest.mark.slow  # timing, best on a quiet machine
def test_import_and_lint_compare_titles_in_linear_time(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Counted, not timed: near-duplicate checks per item stay constant as the list grows."""
    calls = {"n": 0}
    real = awesome.near_identical

    def counting(title: str, other: str) -> bool:
        calls["n"] += 1
        return real(title, other)

    monkeypatch.setattr(awesome, "near_identical", counting)
    counts = []
    for size in (500, 2000):
        calls["n"] = 0
        path = write(tmp_path, synthetic(size), f"list-{size}.md")
        assert run("import", str(path), "--dry-run", "--no-bundled", "-f", "json").exit_code == 0
        assert run("lint", str(path), "-f", "json").exit_code == 0
        counts.append(calls["n"])
    assert counts[1] <= 4 * counts[0] + 100


@pytest.mark.slow  # timing, best on a quiet machine
def test_parsing_time_grows_linearly(tmp_path: Path) -> None:
    timings = []
    for size in (1000, 4000):
        text = synthetic(size)
        start = time.perf_counter()
        assert len(parse(text).items) == size
        timings.append(time.perf_counter() - start)
    assert timings[1] < 8 * timings[0]  # 4 times the items: linear is 4x, quadratic 16x

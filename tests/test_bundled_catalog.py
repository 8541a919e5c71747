"""The bundled catalogue is valid and holds every item of the 2023 reference list."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from rlhf_cli.loader import bundled_catalog_dir, check, load
from rlhf_cli.models import Paper

from .conftest import REFERENCE_DIR


@pytest.fixture(scope="module")
def catalogue():  # type: ignore[no-untyped-def]
    return load([bundled_catalog_dir()])


def test_bundled_catalogue_has_no_problems() -> None:
    assert check([bundled_catalog_dir()]) == []


REFERENCE_LISTS = {
    "awesome-rlhf-zh-2023": REFERENCE_DIR / "awesome-rlhf-zh-2023.md",
    "awesome-rlhf-en-2025": REFERENCE_DIR / "awesome-rlhf-en-2025.md",
}
# A list item: "- [title](link)" or, for blogs, "- [Publisher] [title](link)"; some lack the space.
ITEM = re.compile(r"^\s*-\s?\[(?!image)")


def list_items(path: Path) -> list[int]:
    """Line numbers of the items of a reference list, from its papers section on."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(number for number, line in enumerate(lines, 1) if line in ("## 论文", "## Papers"))
    items, in_fence = [], False
    for number, line in enumerate(lines, 1):
        in_fence ^= line.startswith("```")  # the lists show their item format in fenced blocks
        if number > start and not in_fence and ITEM.match(line) and "](" in line:
            items.append(number)
    return items


def test_counts_per_kind(catalogue) -> None:  # type: ignore[no-untyped-def]
    counts = Counter(entry.KIND for entry in catalogue.entries)
    assert counts["topic"] == 8
    assert counts["environment"] >= 4
    assert counts["paper"] >= 34 + 80
    assert counts["book"] == 3


@pytest.mark.parametrize("name", sorted(REFERENCE_LISTS))
def test_every_item_of_each_reference_list_is_an_entry(catalogue, name: str) -> None:  # type: ignore[no-untyped-def]
    """Each item's line is some entry's recorded source, so no item was dropped."""
    items = list_items(REFERENCE_LISTS[name])
    assert len(items) > 50
    sourced = {source.line for entry in catalogue.entries for source in entry.sources if source.name == name}
    missing = [line for line in items if line not in sourced]
    assert missing == []


@pytest.mark.parametrize("name", sorted(REFERENCE_LISTS))
def test_source_lines_name_their_entry(catalogue, name: str) -> None:  # type: ignore[no-untyped-def]
    """The line an entry cites mentions it, or the entry's notes explain a correction."""
    lines = REFERENCE_LISTS[name].read_text(encoding="utf-8").splitlines()
    wrong = []
    for entry in catalogue.entries:
        for source in entry.sources:
            if source.name != name:
                continue
            assert source.line is not None and 1 <= source.line <= len(lines), entry.id
            line = " ".join(lines[source.line - 1].split()).casefold()
            names = [" ".join(n.split()).casefold() for n in entry.names]
            if not any(n in line for n in names) and not entry.notes:
                wrong.append((entry.id, source.line))
    assert wrong == []


def test_zh_2023_papers_keep_title_and_link(catalogue) -> None:  # type: ignore[no-untyped-def]
    text = REFERENCE_LISTS["awesome-rlhf-zh-2023"].read_text(encoding="utf-8")
    papers_section = text.split("## 论文", 1)[1].split("## 代码库", 1)[0]
    listed = re.findall(r"^- \[(.+?)\]\((\S+?)\)", papers_section, flags=re.MULTILINE)
    assert len(listed) == 34
    catalogued = {(paper.title, paper.url) for paper in catalogue.papers}
    assert set(listed) <= catalogued


def test_every_dataset_link_is_catalogued_or_its_correction_noted(catalogue) -> None:  # type: ignore[no-untyped-def]
    known = {url for dataset in catalogue.datasets for url in [dataset.url, *dataset.other_urls] if url}
    notes = " ".join(entry.notes or "" for entry in catalogue.entries)
    for path in REFERENCE_LISTS.values():
        dataset_lines = re.findall(r"^\s+- Dataset[:;](.*)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
        linked = {url for line in dataset_lines for url in re.findall(r"\]\((\S+?)\)", line)}
        assert linked
        # A wrong link the catalogue dropped is named (at least by its last part) in some entry's notes.
        unexplained = [url for url in linked if url not in known and url.rstrip("/").rsplit("/", 1)[-1] not in notes]
        assert unexplained == []


def test_no_two_papers_share_a_link(catalogue) -> None:  # type: ignore[no-untyped-def]
    urls = [paper.url for paper in catalogue.papers if paper.url]
    arxiv_ids = [paper.arxiv for paper in catalogue.papers if paper.arxiv]
    assert len(urls) == len(set(urls))
    assert len(arxiv_ids) == len(set(arxiv_ids))


def test_years_follow_arxiv_ids_and_older_papers_are_not_all_2020(catalogue) -> None:  # type: ignore[no-untyped-def]
    for paper in catalogue.papers:
        if paper.arxiv:
            assert paper.year == 2000 + int(paper.arxiv[:2]), paper.id
    older = {paper.year for paper in catalogue.papers if paper.year <= 2020}
    assert older == {2017, 2018, 2019, 2020}


def test_every_entry_records_where_it_comes_from(catalogue) -> None:  # type: ignore[no-untyped-def]
    for entry in catalogue.entries:
        assert entry.sources, entry.id
        assert {source.name for source in entry.sources} <= set(REFERENCE_LISTS), entry.id


def test_cut_author_lists_are_recorded(catalogue) -> None:  # type: ignore[no-untyped-def]
    instructgpt = catalogue.find("InstructGPT")
    assert isinstance(instructgpt, Paper)
    assert instructgpt.authors_et_al is True
    assert instructgpt.authors == ["Long Ouyang", "Jeff Wu", "Xu Jiang"]
    moral = catalogue.by_id[next(p.id for p in catalogue.papers if p.title.startswith("The Capacity for Moral"))]
    assert isinstance(moral, Paper)
    assert moral.authors_org == "Anthropic" and moral.authors == []


def test_one_dataset_under_two_spellings_is_one_entry(catalogue) -> None:  # type: ignore[no-untyped-def]
    assert catalogue.find("CNN/DM") is catalogue.find("CNN Daily Mail")
    mmlu = catalogue.find("MMLU")
    assert mmlu is not None and len([mmlu.url, *mmlu.other_urls]) == 2  # type: ignore[union-attr]


def test_datasets_filed_as_codebases_are_datasets(catalogue) -> None:  # type: ignore[no-untyped-def]
    for name in ("HH-RLHF", "SHP", "PromptSource", "SKG", "The Flan Collection"):
        entry = catalogue.find(name)
        assert entry is not None and entry.KIND == "dataset", name


def test_codebases_link_to_the_papers_they_implement(catalogue) -> None:  # type: ignore[no-untyped-def]
    rl4lms = catalogue.find("RL4LMs")
    nlpo = catalogue.find("NLPO")
    assert nlpo in catalogue.papers_of(rl4lms)

"""The bundled catalogue is valid and holds every item of the 2023 reference list."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from rlhf_cli.loader import bundled_catalog_dir, check, load
from rlhf_cli.models import Paper

from .conftest import REFERENCE_DIR

ZH_LIST = REFERENCE_DIR / "awesome-rlhf-zh-2023.md"


@pytest.fixture(scope="module")
def catalogue():  # type: ignore[no-untyped-def]
    return load([bundled_catalog_dir()])


def test_bundled_catalogue_has_no_problems() -> None:
    assert check([bundled_catalog_dir()]) == []


def test_counts_per_kind(catalogue) -> None:  # type: ignore[no-untyped-def]
    counts = Counter(entry.KIND for entry in catalogue.entries)
    assert counts["paper"] == 34
    assert counts["blog"] == 10
    assert counts["topic"] == 8
    assert counts["environment"] == 4
    assert counts["codebase"] == 9
    assert counts["dataset"] >= 35


def test_every_paper_link_of_the_list_is_a_paper(catalogue) -> None:  # type: ignore[no-untyped-def]
    text = ZH_LIST.read_text(encoding="utf-8")
    papers_section = text.split("## 论文", 1)[1].split("## 代码库", 1)[0]
    listed = re.findall(r"^- \[(.+?)\]\((\S+?)\)", papers_section, flags=re.MULTILINE)
    assert len(listed) == 34
    catalogued = {(paper.title, paper.url) for paper in catalogue.papers}
    assert set(listed) == catalogued


def test_every_blog_of_the_list_is_a_blog(catalogue) -> None:  # type: ignore[no-untyped-def]
    text = ZH_LIST.read_text(encoding="utf-8")
    blog_section = text.split("## 博客", 1)[1]
    urls = re.findall(r"\]\((\S+?)\)\s*$", blog_section, flags=re.MULTILINE)
    assert sorted(urls) == sorted(blog.url for blog in catalogue.blogs)


def test_every_dataset_link_of_the_list_is_catalogued(catalogue) -> None:  # type: ignore[no-untyped-def]
    text = ZH_LIST.read_text(encoding="utf-8")
    dataset_lines = re.findall(r"^\s+- Dataset[:;](.*)$", text, flags=re.MULTILINE)
    linked = {url for line in dataset_lines for url in re.findall(r"\]\((\S+?)\)", line)}
    known = {url for dataset in catalogue.datasets for url in [dataset.url, *dataset.other_urls] if url}
    assert linked <= known
    assert len(linked) >= 35


def test_years_follow_arxiv_ids_and_older_papers_are_not_all_2020(catalogue) -> None:  # type: ignore[no-untyped-def]
    for paper in catalogue.papers:
        if paper.arxiv:
            assert paper.year == 2000 + int(paper.arxiv[:2]), paper.id
    older = {paper.year for paper in catalogue.papers if paper.year <= 2020}
    assert older == {2017, 2018, 2019, 2020}


def test_every_entry_records_its_source_line(catalogue) -> None:  # type: ignore[no-untyped-def]
    lines = ZH_LIST.read_text(encoding="utf-8").splitlines()
    for entry in catalogue.entries:
        assert entry.sources, entry.id
        for source in entry.sources:
            assert source.name == "awesome-rlhf-zh-2023"
            assert source.line is not None and 1 <= source.line <= len(lines)


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

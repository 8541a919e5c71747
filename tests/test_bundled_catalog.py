"""The bundled catalogue is valid and holds every item of the seven reference lists."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from rlhf_cli.catalogue.identifiers import arxiv_year
from rlhf_cli.catalogue.models import Paper
from rlhf_cli.loading.loader import bundled_catalog_dir, check, load


@pytest.fixture(scope="module")
def catalogue():  # type: ignore[no-untyped-def]
    return load([bundled_catalog_dir()])


def test_bundled_catalogue_has_no_problems() -> None:
    assert check([bundled_catalog_dir()]) == []


OLD_LISTS = ("awesome-rlhf-zh-2023", "awesome-rlhf-en-2025")
NEW_LISTS = (
    "louieworth-awesome-rlhf-2024",
    "tsinghuac3i-awesome-rl-for-lrms-2026",
    "xielab-awesome-alignment-of-diffusion-models-2025",
    "opendilab-awesome-rlvr-2025",
    "mengdili-awesome-rlaif-2025",
)
REFERENCE_LISTS = (*OLD_LISTS, *NEW_LISTS)  # each read as NAME.md in the reference folder (conftest)
BIB = "tsinghuac3i-awesome-rl-for-lrms-reference"  # fills years and authors some table rows lack
# A list item: "- [title](link)", "- [Publisher] [title](link)" (some lack the space), a xie-lab
# "* Title. Venue YYYY, [[pdf]](url)", or a table row that is not a header or separator row.
ITEM = re.compile(r"^\s*-\s?\[(?!image)|^\* \S|^\| (?!Date \||Project \|)(?!:?-)")
# Where each list's items are: from the first heading named to the one that ends them (or the end).
SPAN = {
    "awesome-rlhf-zh-2023": ("## 论文", None),
    "awesome-rlhf-en-2025": ("## Papers", "## Other Language Support"),
    "louieworth-awesome-rlhf-2024": ("## Papers", None),
    "tsinghuac3i-awesome-rl-for-lrms-2026": ("## 📄 Paper List", "## 🌟 Acknowledgment"),
    "xielab-awesome-alignment-of-diffusion-models-2025": ("## Alignment Techniques of Diffusion Models", "# Citing"),
    "opendilab-awesome-rlvr-2025": ("## Surveys & Tutorials", "## Other Awesome Lists"),
    "mengdili-awesome-rlaif-2025": ("## Papers", "## Related Awesome Repos"),
}


def list_items_by_heading(reference: Path, name: str) -> dict[str, list[int]]:
    """Line numbers of the items of a reference list, by the heading above them (read line by
    line, independently of the importer's Markdown parser)."""
    lines = (reference / f"{name}.md").read_text(encoding="utf-8").splitlines()
    first, last = SPAN[name]
    start = lines.index(first) + 1
    end = lines.index(last) + 1 if last else len(lines) + 1
    items: dict[str, list[int]] = {}
    heading, in_fence = first, False
    for number, line in enumerate(lines, 1):
        in_fence ^= line.startswith("```")  # the lists show their item format in fenced blocks
        if not start <= number < end or in_fence:
            continue
        if line.startswith("#"):
            heading = line.strip()
        # A new list may break a title across lines ("- [RL-VLM-F: ...\n](link)").
        elif ITEM.match(line) and ("](" in line or line.startswith("* ") or name in NEW_LISTS):
            items.setdefault(heading, []).append(number)
    return items


def list_items(reference: Path, name: str) -> list[int]:
    return sorted(number for numbers in list_items_by_heading(reference, name).values() for number in numbers)


def test_counts_per_kind(catalogue) -> None:  # type: ignore[no-untyped-def]
    counts = Counter(entry.KIND for entry in catalogue.entries)
    assert counts["topic"] == 8
    assert counts["environment"] >= 4
    assert counts["paper"] >= 800
    assert counts["book"] == 3


@pytest.mark.parametrize("name", sorted(REFERENCE_LISTS))
def test_every_item_of_each_reference_list_is_an_entry(catalogue, reference: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """Each item's line is some entry's recorded source, so no item was dropped."""
    items = list_items(reference, name)
    assert len(items) >= 20
    sourced = {source.line for entry in catalogue.entries for source in entry.sources if source.name == name}
    missing = [line for line in items if line not in sourced]
    assert missing == []


@pytest.mark.parametrize("name", sorted(REFERENCE_LISTS))
def test_every_item_is_an_entry_counted_per_heading(catalogue, reference: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """Under each heading, as many (entry, line) sources as the heading has items: each item line
    is the source of exactly one entry (methods aside: a method may cite the row of its paper)."""
    sourced = Counter(
        source.line
        for entry in catalogue.entries
        if entry.KIND != "method"
        for source in entry.sources
        if source.name == name
    )
    by_heading = list_items_by_heading(reference, name)
    assert sum(len(numbers) for numbers in by_heading.values()) >= 25
    counts = {heading: sum(sourced[number] for number in numbers) for heading, numbers in by_heading.items()}
    assert counts == {heading: len(numbers) for heading, numbers in by_heading.items()}


@pytest.mark.parametrize("name", sorted([*REFERENCE_LISTS, BIB]))
def test_source_lines_name_their_entry(catalogue, reference: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """The line an entry cites mentions it, or the entry's notes explain a correction."""
    path = reference / (f"{name}.bib" if name == BIB else f"{name}.md")
    lines = path.read_text(encoding="utf-8").splitlines()
    wrong = []
    for entry in catalogue.entries:
        for source in entry.sources:
            if source.name != name:
                continue
            assert source.line is not None and 1 <= source.line <= len(lines), entry.id
            # A BibTeX entry starts at its line; its title is on one of the next few lines.
            cited = lines[source.line - 1 : source.line + 6] if name == BIB else [lines[source.line - 1]]
            line = " ".join(" ".join(cited).replace("{", "").replace("}", "").split()).casefold()
            names = [" ".join(n.split()).casefold() for n in entry.names]
            if not any(n in line for n in names) and not entry.notes:
                wrong.append((entry.id, source.line))
    assert wrong == []


def test_zh_2023_papers_keep_title_and_link(catalogue, reference: Path) -> None:  # type: ignore[no-untyped-def]
    text = (reference / "awesome-rlhf-zh-2023.md").read_text(encoding="utf-8")
    papers_section = text.split("## 论文", 1)[1].split("## 代码库", 1)[0]
    listed = re.findall(r"^- \[(.+?)\]\((\S+?)\)", papers_section, flags=re.MULTILINE)
    assert len(listed) == 34
    catalogued = {(paper.title, paper.url) for paper in catalogue.papers}
    assert set(listed) <= catalogued


def test_every_dataset_link_is_catalogued_or_its_correction_noted(catalogue, reference: Path) -> None:  # type: ignore[no-untyped-def]
    known = {url for dataset in catalogue.datasets for url in [dataset.url, *dataset.other_urls] if url}
    notes = " ".join(entry.notes or "" for entry in catalogue.entries)
    for path in (reference / f"{name}.md" for name in OLD_LISTS):
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
            assert paper.year == arxiv_year(paper.arxiv), paper.id
    older = {paper.year for paper in catalogue.papers if paper.year <= 2020}
    assert {2017, 2018, 2019, 2020} <= older


def test_every_entry_records_where_it_comes_from(catalogue) -> None:  # type: ignore[no-untyped-def]
    for entry in catalogue.entries:
        assert entry.sources, entry.id
        assert {source.name for source in entry.sources} <= {*REFERENCE_LISTS, BIB}, entry.id


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
    assert mmlu is not None and len([mmlu.url, *mmlu.other_urls]) == 2


def test_datasets_filed_as_codebases_are_datasets(catalogue) -> None:  # type: ignore[no-untyped-def]
    for name in ("HH-RLHF", "SHP", "PromptSource", "SKG", "The Flan Collection"):
        entry = catalogue.find(name)
        assert entry is not None and entry.KIND == "dataset", name


def test_codebases_link_to_the_papers_they_implement(catalogue) -> None:  # type: ignore[no-untyped-def]
    rl4lms = catalogue.find("RL4LMs")
    nlpo = catalogue.find("NLPO")
    assert nlpo in catalogue.papers_of(rl4lms)


LANDMARKS = {
    "dpo": "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
    "grpo": "DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models",
    "ppo": "Proximal policy optimization algorithms",
    "kto": "KTO: Model Alignment as Prospect Theoretic Optimization",
    "simpo": "SimPO: Simple Preference Optimization with a Reference-Free Reward",
    "orpo": "ORPO: Monolithic Preference Optimization without Reference Model",
    "dapo": "DAPO: an Open-Source LLM Reinforcement Learning System at Scale",
    "deepseek-r1": "DeepSeek-R1: Incentivizing Reasoning Capability in LLMs via Reinforcement Learning",
}


@pytest.mark.parametrize("words", sorted(LANDMARKS))
def test_the_fields_everyday_names_find_the_obvious_paper_first(run, words: str) -> None:  # type: ignore[no-untyped-def]
    found = run.json("search", words, "-n", "3")
    assert found[0]["title"] == LANDMARKS[words]


def test_landmark_papers_of_the_lists_are_entries(run) -> None:  # type: ignore[no-untyped-def]
    titles = {paper["title"].casefold() for paper in run.json("papers")}
    for title in (
        "Llama 2: Open Foundation and Fine-Tuned Chat Models",
        "RLAIF vs. RLHF: Scaling Reinforcement Learning from Human Feedback with AI Feedback",
        "Let’s Verify Step by Step",
        "Math-Shepherd: Verify and Reinforce LLMs Step-by-step without Human Annotations",
        "UltraFeedback: Boosting Language Models with High-quality Feedback",
    ):
        assert title.casefold() in titles, title
    # The method of that name answers to it (methods.toml), and names the paper that introduces it.
    method = run.json("show", "Direct Preference Optimization")
    assert method["kind"] == "method" and method["introduced_by"] == "direct-preference-optimization-your"
    shown = run.json("show", method["introduced_by"])
    assert shown["short_name"] == "DPO" and shown["arxiv"] == "2305.18290"
    assert {c["source"] for c in shown["categories"]} >= {"xielab-awesome-alignment-of-diffusion-models-2025"}


def test_names_resolve_to_one_entry_and_one_publisher_has_one_name(run) -> None:  # type: ignore[no-untyped-def]
    blogs = run.json("blogs", "zhihu")
    assert len(blogs) == 3 and {blog["publisher"] for blog in blogs} == {"知乎 (ZhiHu)"}
    topics = {topic["title"] for topic in run.json("topics")}
    assert {"Game Playing", "Personalized Recommendation Systems"} <= topics

"""`rlhf validate --sources DIR`: the catalogue checked against the lines of the lists it cites."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rlhf_cli.awesome.provenance import mentions
from rlhf_cli.loading.loader import bundled_catalog_dir

from .conftest import Run


def test_the_bundled_catalogue_agrees_with_its_sources(run, reference: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("validate", "--sources", str(reference))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == "" and "every entry agrees with its sources" in result.stderr


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), folder, ignore=shutil.ignore_patterns("*.txt", "*.md"))
    return folder


def _edit(folder: Path, entry_id: str, old: str, new: str) -> None:
    """Replace `old` by `new` inside one entry's table of papers.toml."""
    path = folder / "papers.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f'\nid = "{entry_id}"\n')
    end = text.find("\n[[paper]]", start)
    table = text[start:end]
    assert old in table, (entry_id, old)
    path.write_text(text[:start] + table.replace(old, new, 1) + text[end:], encoding="utf-8")


# One altered fact per field, each in an entry whose notes do not mention that field.
ALTERATIONS = [
    (
        "rlhf-trilemma",
        "title",
        '"Position: The Complexity of Perfect AI Alignment -- Formalizing the RLHF Trilemma"',
        '"Position: The Complexity of Perfect AI Alignment"',
    ),
    ("cppo", "year", "year = 2024", "year = 2023"),
    (
        "efficient-online-exploration",
        "url",
        'url = "https://arxiv.org/abs/2509.22633"\narxiv = "2509.22633"',
        'url = "https://arxiv.org/abs/2509.22634"\narxiv = "2509.22634"',
    ),
    ("differential-information", "authors", '"Yunjae Won", "Hyunji Lee"', '"Yunjae Won"'),
    ("whats-in-my-human-feedback", "code", "github.com/rmovva/wimhf", "github.com/rmovva/other"),
    ("gpt-4-technical-report", "datasets", '"mmlu", ', ""),
    ("rlhf-trilemma", "keywords", '"Safety", ', '"Safety", "Invented Keyword", '),
]


def test_each_altered_fact_is_reported_with_entry_field_line_and_both_values(
    run: Run, tmp_path: Path, reference: Path
) -> None:
    folder = _copy(tmp_path)
    for entry_id, _field, old, new in ALTERATIONS:
        _edit(folder, entry_id, old, new)
    result = run("validate", str(folder), "--sources", str(reference))
    assert result.exit_code == 3, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    reported = {(m.group(1), m.group(2)) for line in lines if (m := re.search(r"entry '([^']+)': (\w+): ", line))}
    assert reported == {(entry_id, field) for entry_id, field, _, _ in ALTERATIONS}
    assert f"{len(lines)} differences from the sources" in result.stderr
    by_field: dict[str, str] = {}
    for line in lines:
        field = line.split(": ")[2]
        by_field[field] = f"{by_field[field]}\n{line}" if field in by_field else line
    assert by_field["year"] == (
        f"{reference}/louieworth-awesome-rlhf-2024.md:55: entry 'cppo': year: catalogue 2023 vs source 2024 (the line)"
    )
    assert (
        "catalogue 'Position: The Complexity of Perfect AI Alignment' vs source 'Position: The Complexity"
        in (by_field["title"])
    )
    assert (
        "catalogue 'https://arxiv.org/abs/2509.22634' vs source 'https://arxiv.org/abs/2509.22633'" in by_field["url"]
    )
    assert "catalogue 'https://arxiv.org/abs/2509.22634' vs source no line gives it" in by_field["url"]
    assert by_field["authors"].endswith(
        "catalogue 'Yunjae Won; Hyeonbin Hwang; Minjoon Seo' "
        "vs source 'Yunjae Won; Hyunji Lee; Hyeonbin Hwang; Minjoon Seo'"
    )
    assert "lacks 'https://github.com/rmovva/wimhf'" in by_field["code"]
    assert "catalogue lacks 'mmlu' vs source lists it" in by_field["datasets"]
    assert "catalogue 'Invented Keyword' vs source no line lists it" in by_field["keywords"]


def test_a_note_that_mentions_the_field_explains_the_difference(run, tmp_path: Path, reference: Path) -> None:  # type: ignore[no-untyped-def]
    folder = _copy(tmp_path)
    _edit(folder, "cppo", "year = 2024", "year = 2023")
    _edit(folder, "rlhf-trilemma", '"Safety", ', '"Safety", "Invented Keyword", ')
    # A note on the year explains the year, not the keyword of the other entry.
    _edit(folder, "cppo", "sources = ", 'notes = "The Year is the proceedings\' (a test)."\nsources = ')
    result = run("validate", str(folder), "--sources", str(reference))
    assert result.exit_code == 3
    assert [line.split(": ")[1:3] for line in result.stdout.splitlines()] == [["entry 'rlhf-trilemma'", "keywords"]]


def test_a_cited_line_without_its_item_and_a_missing_list_are_reported(run, tmp_path: Path, reference: Path) -> None:  # type: ignore[no-untyped-def]
    folder = _copy(tmp_path)
    _edit(folder, "cppo", "line = 55 }", "line = 54 }")  # the item's author line, not the item
    _edit(folder, "rlhf-trilemma", '"awesome-rlhf-en-2025", line = 87', '"no-such-list", line = 87')
    result = run("validate", str(folder), "--sources", str(reference))
    assert result.exit_code == 3
    assert (
        "louieworth-awesome-rlhf-2024.md:54: entry 'cppo': sources: catalogue cites this line vs source no item on it"
        in (result.stdout)
    )
    assert f"entry 'rlhf-trilemma': sources: catalogue cites 'no-such-list' vs source no such list in {reference}" in (
        result.stdout
    )


def test_a_missing_sources_folder_is_a_usage_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("validate", "--sources", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "--sources: no such folder" in result.stderr


@pytest.mark.parametrize(
    ("notes", "field", "expected"),
    [
        ("Year from the arXiv id.", "year", True),
        ("Yearly updates.", "year", False),  # a whole word only
        ("The list links the PDF.", "url", True),
        ("The TITLE is mended.", "title", True),
        ("Authors come from the 2025 list.", "authors", True),
        ("Authors come from the 2025 list.", "keywords", False),
        ('writes the name "TRL (x)"', "title", True),
        ("Authors are written given name first.", "title", False),  # "name" alone is not the title's word
        (None, "title", False),
        ("any note at all", "sources", False),  # a line that holds no item is never explained
    ],
)
def test_what_mentioning_a_field_means(notes: str | None, field: str, expected: bool) -> None:
    assert mentions(notes, field) is expected


def test_short_names_follow_one_rule(reference: Path) -> None:
    """A paper's short name is one a line it cites gives ("(DPO)", a Name column), else its
    title's (or an alias's) own lead when that is one coined word before a colon, and only if no
    other entry has that name; a paper that could have one by the rule has it, or notes why not."""
    from rlhf_cli.awesome.importer import title_name
    from rlhf_cli.awesome.provenance import read_sources
    from rlhf_cli.loading.loader import load

    catalogue = load([bundled_catalog_dir()])
    lists = read_sources(reference, {source.name for entry in catalogue.entries for source in entry.sources})
    owners: dict[str, set[str]] = {}
    for entry in catalogue.entries:
        for name in entry.names:
            owners.setdefault(name.casefold(), set()).add(entry.id)
    unsourced, missing = [], []
    for paper in catalogue.papers:
        items = [lists[s.name].items.get(s.line or 0) for s in paper.sources if s.name in lists]
        given = {item.short_name for item in items if item is not None and item.short_name}
        by_rule = {name for name in map(title_name, [paper.title, *paper.aliases]) if name}
        if paper.short_name is not None and paper.short_name not in given | by_rule:
            unsourced.append((paper.id, paper.short_name))
        free = [name for name in given or by_rule if owners.get(name.casefold(), {paper.id}) <= {paper.id}]
        if paper.short_name is None and free and not mentions(paper.notes, "title"):
            missing.append((paper.id, free))
    assert unsourced == [] and missing == []


SEVEN_LISTS = [
    "awesome-rlhf-zh-2023",
    "awesome-rlhf-en-2025",
    "louieworth-awesome-rlhf-2024",
    "tsinghuac3i-awesome-rl-for-lrms-2026",
    "xielab-awesome-alignment-of-diffusion-models-2025",
    "opendilab-awesome-rlvr-2025",
    "mengdili-awesome-rlaif-2025",
]


@pytest.mark.parametrize("name", SEVEN_LISTS)
def test_a_list_imported_alone_agrees_with_its_source(run, tmp_path: Path, name: str, reference: Path) -> None:  # type: ignore[no-untyped-def]
    """The importer and the check read a list alike: what `import` writes from one list into an
    empty folder passes `validate --sources` (whatever it keeps otherwise is in the notes)."""
    bib = ["--bib", str(reference / "tsinghuac3i-awesome-rl-for-lrms-reference.bib")] if "tsinghuac3i" in name else []
    folder = tmp_path / "imported"
    imported = run("import", str(reference / f"{name}.md"), "--into", str(folder), "--no-bundled", "-f", "json", *bib)
    assert imported.exit_code == 0, imported.stderr
    result = run("validate", str(folder), "--sources", str(reference))
    assert result.exit_code == 0, result.stdout

"""Validation reports every error of an entry at once: the meaning checks and the links of an
entry whose types are wrong, not only the type checks' findings (issue 12, part 4)."""

from __future__ import annotations

PAPER = """
[[paper]]
id = "p1"
title = "A paper"
year = 2022
url = "https://example.org/p1"
sources = [{ name = "test" }]
"""


def _errors(run, write_catalog, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    folder = write_catalog("papers.toml", text)
    result = run("validate", "--no-bundled", str(folder))
    assert result.exit_code == 3
    return [line.split(": entry ", 1)[1] for line in result.stdout.splitlines() if ": entry " in line]


def test_a_bad_year_type_and_a_dangling_dataset_are_both_reported(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    text = PAPER.replace("year = 2022", 'year = "2022"') + 'datasets = ["nope"]\n'
    assert _errors(run, write_catalog, text) == [
        "'p1': year: Input should be a valid integer",
        "'p1': datasets[0]: no dataset with id 'nope'",
    ]


def test_two_bad_fields_of_two_stages_are_both_reported(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    text = PAPER.replace("year = 2022", 'year = "2022"').replace("https://example.org/p1", "ftp://example.org/p1")
    assert _errors(run, write_catalog, text) == [
        "'p1': year: Input should be a valid integer",
        "'p1': url: 'ftp://example.org/p1' is not an http(s) URL",
    ]


def test_a_missing_key_and_a_blank_title_are_both_reported(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    text = PAPER.replace('title = "A paper"', 'title = " "').replace("year = 2022\n", "")
    assert _errors(run, write_catalog, text) == [
        "'p1': year: required key is missing",
        "'p1': title: must not be empty",
    ]


def test_the_keys_at_fault_are_not_checked_again(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    # A wrong type is one error, not also a "must not be empty" or a disagreeing arXiv id.
    text = PAPER.replace('title = "A paper"', "title = 5").replace("year = 2022", 'year = "2022"')
    assert _errors(run, write_catalog, text + 'arxiv = "2203.02155"\n') == [
        "'p1': title: Input should be a valid string",
        "'p1': year: Input should be a valid integer",
    ]


def test_the_entry_is_still_left_out_and_its_links_resolve_against_the_rest(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    text = PAPER.replace("year = 2022", 'year = "2022"') + 'datasets = ["hh-rlhf"]\n'
    folder = write_catalog("papers.toml", text)
    result = run("validate", str(folder))  # hh-rlhf is a bundled dataset
    assert result.exit_code == 3
    assert [line for line in result.stdout.splitlines() if line] == [
        f"{folder / 'papers.toml'}:3: entry 'p1': year: Input should be a valid integer"
    ]
    listing = run("papers", "-c", str(folder), "-f", "ids")
    assert listing.exit_code == 3 and "p1" not in listing.stdout.split()

"""One broken file must not blank the catalogue (issue 12): root cause first, cascades folded,
a bad entry drops that entry, not its file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

BUNDLED = Path(__file__).resolve().parents[1] / "catalog"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(BUNDLED, folder, ignore=shutil.ignore_patterns("*.txt", "*.md"))
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_unclosed_string_in_datasets_toml_keeps_every_paper(run, copy: Path) -> None:  # type: ignore[no-untyped-def]
    every = len(run.json("papers"))
    _edit(copy / "datasets.toml", 'id = "truthfulqa"', 'id = "truthfulqa')
    result = run("papers", "--no-bundled", "-c", str(copy), "-f", "ids")
    assert result.exit_code == 3
    assert len(result.stdout.split()) == every
    lines = result.stderr.splitlines()
    assert "datasets.toml" in lines[0] and "invalid TOML" in lines[0] and "file left out" in lines[0]
    assert "references into datasets.toml, which failed to parse" in lines[1]
    assert len(lines) == 2


def test_validate_puts_the_root_cause_first_and_folds_what_it_caused(run, copy: Path) -> None:  # type: ignore[no-untyped-def]
    _edit(copy / "datasets.toml", 'id = "truthfulqa"', 'id = "truthfulqa')
    result = run("validate", "--no-bundled", str(copy))
    assert result.exit_code == 3
    problems = [line for line in result.stdout.splitlines() if line]
    assert "invalid TOML" in problems[0]
    assert "which failed to parse" in problems[1]
    assert len(problems) == 2
    # With the bundled catalogue in use (the default), the references resolve there, as they
    # do in the other commands: only the root cause is left.
    in_use = run("validate", str(copy))
    assert in_use.exit_code == 3
    assert [line for line in in_use.stdout.splitlines() if line] == problems[:1]


def test_one_bad_year_drops_that_paper_only(run, copy: Path) -> None:  # type: ignore[no-untyped-def]
    every = {paper["id"] for paper in run.json("papers")}
    text = (copy / "papers.toml").read_text(encoding="utf-8")
    start = text.index('id = "nlpo"')
    year = text.index("year = ", start)
    end = text.index("\n", year)
    (copy / "papers.toml").write_text(text[:year] + 'year = "2022"' + text[end:], encoding="utf-8")
    result = run("papers", "--no-bundled", "-c", str(copy), "-f", "ids")
    assert result.exit_code == 3
    assert set(result.stdout.split()) == every - {"nlpo"}
    lines = result.stderr.splitlines()
    assert "entry 'nlpo': year" in lines[0] and "entry left out" in lines[0]
    assert "no paper with id 'nlpo'" in lines[1] and "link left unresolved" in lines[1]


def test_a_warm_run_reports_the_problems_too(run, copy: Path) -> None:  # type: ignore[no-untyped-def]
    _edit(copy / "datasets.toml", 'id = "truthfulqa"', 'id = "truthfulqa')
    first = run("papers", "--no-bundled", "-c", str(copy), "-f", "ids")
    second = run("papers", "--no-bundled", "-c", str(copy), "-f", "ids")  # from the store now
    assert (first.exit_code, first.stdout, first.stderr) == (second.exit_code, second.stdout, second.stderr)
    strict = run("export", "-", "--format", "markdown", "--no-bundled", "-c", str(copy))
    assert strict.exit_code == 3 and "invalid TOML" in strict.stderr

"""The tests that read the reference lists find them in one place (conftest's `reference`
fixture) and are skipped, one line each, where the lists are missing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .conftest import REFERENCE_ENV

TESTS = Path(__file__).resolve().parent


def test_no_test_but_conftest_knows_where_the_reference_lists_are() -> None:
    for path in sorted(TESTS.glob("*.py")):
        if path.name in ("conftest.py", Path(__file__).name):
            continue
        text = path.read_text(encoding="utf-8")
        found = re.search(r"""/\s*["']shared["']|shared/reference|REFERENCE_DIR|parents\[2\]""", text)
        assert found is None, f"{path.name}: {found.group(0)!r}: use conftest's `reference` fixture, which skips"


def test_without_the_reference_lists_the_tests_that_need_them_skip_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    tests = [
        "tests/test_list_layouts.py::test_no_abstract_of_awesome_rlaif_is_in_the_bundled_catalogue",
        "tests/test_bundled_catalog.py::test_zh_2023_papers_keep_title_and_link",
        "tests/test_bundled_catalog.py::test_counts_per_kind",  # needs only the bundled catalogue
    ]
    env = {**os.environ, REFERENCE_ENV: str(missing)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *tests],
        cwd=TESTS.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 2, result.stdout
    for line in skipped:
        assert f"reference lists not found at {missing} (set ${REFERENCE_ENV}" in line, line
    assert "1 passed, 2 skipped" in result.stdout

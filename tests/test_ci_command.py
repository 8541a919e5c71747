"""CI runs exactly the README's test command (lint, types and tests), with the linters pinned."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"\*\*Run the tests\*\*.*?```(?:sh|bash)?\n(.*?)\n```", readme, re.S)
    assert command is not None
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.rstrip().splitlines()[-1] == command.group(1).strip()
    for step in ("ruff check", "ruff format --check", "mypy --strict src tests", "pytest"):
        assert step in command.group(1)


def test_the_linters_ci_installs_are_pinned() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert extras["lint"] and all(re.fullmatch(r"[a-z-]+==[0-9.]+", pin) for pin in extras["lint"])

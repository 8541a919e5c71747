"""Shared fixtures: a CLI runner isolated from the user's cache and catalogue settings."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rlhf_cli.cli import app

# Where the reference lists live: ../shared/reference next to the checkout, or this variable's folder.
REFERENCE_ENV = "RLHF_TEST_REFERENCE_DIR"


def reference_dir() -> Path:
    """The folder of the reference lists (the awesome lists the bundled catalogue comes from)."""
    override = os.environ.get(REFERENCE_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "reference"


# For test modules written before the fixture (tests/test_reference_lists.py asks for the fixture).
REFERENCE_DIR = reference_dir()


@pytest.fixture
def reference() -> Path:
    """The reference lists' folder; a test that needs it is skipped, with one line, without it."""
    folder = reference_dir()
    if not folder.is_dir():
        pytest.skip(f"reference lists not found at {folder} (set ${REFERENCE_ENV}; see README: Set-up)")
    return folder


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every test gets its own cache folder and no inherited catalogue settings."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("RLHF_CACHE_DIR", str(cache))
    monkeypatch.delenv("RLHF_CATALOG", raising=False)
    monkeypatch.delenv("RLHF_NO_BUNDLED", raising=False)
    monkeypatch.setenv("RLHF_USER_CATALOG", str(tmp_path / "user-catalog"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no user's config.toml
    return cache


class Run:
    """Invoke the real CLI in-process and return the result."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Any:
        return self.runner.invoke(app, list(args), env=env)

    def json(self, *args: str) -> Any:
        result = self(*args, "--format", "json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def run() -> Run:
    return Run()


@pytest.fixture
def write_catalog(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a TOML file into a fresh catalogue folder and return the folder."""
    folder = tmp_path / "catalog"
    folder.mkdir()

    def write(name: str, text: str) -> Path:
        (folder / name).write_text(text, encoding="utf-8")
        return folder

    return write

"""Shared fixtures: a CLI runner isolated from the user's cache and catalogue settings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
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


@pytest.fixture(scope="session", autouse=True)
def _session_isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The session's own cache folder and no inherited catalogue settings, for the fixtures of a
    module's or the session's scope: pytest sets them up before the function-scoped _isolated, so
    without this a module's `load()` (tests/test_bundled_catalog.py) used the user's ~/.cache/rlhf
    (it made the folder there), which parallel workers (pytest -n) and other runs share."""
    root = tmp_path_factory.mktemp("session")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("RLHF_CATALOG", raising=False)
        patch.delenv("RLHF_NO_BUNDLED", raising=False)
        patch.setenv("RLHF_CACHE_DIR", str(root / "cache"))
        patch.setenv("RLHF_USER_CATALOG", str(root / "user-catalog"))
        patch.setenv("XDG_CONFIG_HOME", str(root / "config"))
        patch.setenv("NO_COLOR", "1")
        yield


@pytest.fixture(scope="session")
def bundled_store(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The files a first run on the bundled catalogue leaves in an empty cache, built once a session.

    Building the bundled catalogue's store takes a second or two; most tests only read it, so each
    starts with its own copy (see _isolated) instead of building it again."""
    root = tmp_path_factory.mktemp("bundled-store")
    env = {key: value for key, value in os.environ.items() if not key.startswith("RLHF_")}
    env |= {"RLHF_CACHE_DIR": str(root / "cache"), "RLHF_USER_CATALOG": str(root / "user-catalog")}
    env |= {"XDG_CONFIG_HOME": str(root / "config"), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "rlhf_cli", "search", "ppo"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    files = sorted(path for path in (root / "cache").iterdir() if path.is_file())
    assert files, "a first run should leave the catalogue's store in the cache"
    return files


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bundled_store: list[Path]) -> Path:
    """Every test gets its own cache folder and no inherited catalogue settings. The folder holds
    a copy of the bundled catalogue's store (the store is keyed by its files' contents and times,
    which a copy keeps), so reading the bundled catalogue starts warm; a test that needs an empty
    cache asks for `isolated_environment`."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    for path in bundled_store:
        shutil.copy2(path, cache / path.name)
    monkeypatch.setenv("RLHF_CACHE_DIR", str(cache))
    monkeypatch.delenv("RLHF_CATALOG", raising=False)
    monkeypatch.delenv("RLHF_NO_BUNDLED", raising=False)
    monkeypatch.setenv("RLHF_USER_CATALOG", str(tmp_path / "user-catalog"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no user's config.toml
    return cache


@pytest.fixture
def isolated_environment(_isolated: Path) -> Path:
    """The test's cache folder, empty (not yet made), for tests that look at what the cache holds."""
    shutil.rmtree(_isolated)
    return _isolated


@pytest.fixture(scope="session", autouse=True)
def _app_converted_once() -> Iterator[None]:
    """Typer's CliRunner turns the Typer app into a Click command on every invoke: about 45 ms for
    rlhf's 25 commands, half of what a typical in-process run costs. The app does not change in a
    session, so it is converted once; any other Typer app (tests/test_hotpath.py builds its own)
    still is converted on each invoke. If typer renames the name patched here, setattr fails loudly."""
    converted = typer.main.get_command(app)
    convert = typer.main.get_command  # what typer.testing imports as _get_command
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", lambda given: converted if given is app else convert(given))
        yield


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
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One item for each process forked during the test (os.fork, counted): the store's helpers."""
    forked: list[int] = []
    fork = os.fork

    def counted() -> int:
        forked.append(1)
        return fork()

    monkeypatch.setattr(os, "fork", counted)
    return forked


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

"""The installed `rlhf` command, run as a user would: pipes, colour, start-up imports."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN_DIR = Path(sys.executable).parent
# Always a path, so that a missing script fails the tests that run it rather than their types.
RLHF = shutil.which("rlhf", path=str(BIN_DIR)) or shutil.which("rlhf") or str(BIN_DIR / "rlhf")


def rlhf_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLHF_") and k not in ("NO_COLOR", "FORCE_COLOR")}
    env["RLHF_CACHE_DIR"] = str(tmp_path / "cache")
    env["RLHF_USER_CATALOG"] = str(tmp_path / "user-catalog")
    env.update(extra)
    return env


@pytest.fixture(scope="module", autouse=True)
def needs_entry_point() -> None:
    assert RLHF is not None, "the rlhf entry point is not installed next to this interpreter"


def test_version(tmp_path: Path) -> None:
    from rlhf_cli import __version__

    done = subprocess.run([RLHF, "--version"], capture_output=True, text=True, env=rlhf_env(tmp_path))
    assert done.returncode == 0 and done.stdout == f"rlhf {__version__}\n"


def test_python_dash_m(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rlhf_cli", "search", "ppo", "-f", "json"],
        capture_output=True,
        text=True,
        env=rlhf_env(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert '"id": "trl"' in done.stdout


def test_pipe_into_head_ends_quietly(tmp_path: Path) -> None:
    done = subprocess.run(
        f"'{RLHF}' papers | head -1", shell=True, capture_output=True, text=True, env=rlhf_env(tmp_path)
    )
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr == ""
    # A closed pipe part-way through a large JSON document is quiet too.
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"'{RLHF}' search a -n 500 -f json | head -c 10"],
        capture_output=True,
        text=True,
        env=rlhf_env(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_no_colour_in_a_pipe_or_with_no_color(tmp_path: Path) -> None:
    table = [RLHF, "papers", "-n", "5", "-f", "table"]  # a few rows: colour is the table's, not the rows'
    piped = subprocess.run(table, capture_output=True, text=True, env=rlhf_env(tmp_path))
    assert piped.returncode == 0 and "\x1b" not in piped.stdout and "┃" in piped.stdout
    forced = rlhf_env(tmp_path, FORCE_COLOR="1")
    assert "\x1b[" in subprocess.run(table, capture_output=True, text=True, env=forced).stdout
    no_color = rlhf_env(tmp_path, FORCE_COLOR="1", NO_COLOR="1")
    assert "\x1b[" not in subprocess.run(table, capture_output=True, text=True, env=no_color).stdout


def test_catalogue_error_has_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[paper]]\nid = \n", encoding="utf-8")
    done = subprocess.run([RLHF, "papers", "-c", str(bad)], capture_output=True, text=True, env=rlhf_env(tmp_path))
    assert done.returncode == 3
    assert done.stderr.startswith(f"rlhf: {bad}:2: invalid TOML")
    assert "Traceback" not in done.stderr


def imported_modules(tmp_path: Path, *args: str) -> set[str]:
    """Run the entry point in-process and list the modules it imported."""
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['rlhf', *{list(args)!r}]\n"
        "from rlhf_cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=rlhf_env(tmp_path))
    return set(done.stderr.split())


HEAVY = {
    "rapidfuzz",
    "pydantic",
    "rich.table",
    "tomli",
    "rlhf_cli.catalogue.validation",
    "rlhf_cli.catalogue.models",
    "markdown_it",
}


def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    assert not HEAVY & imported_modules(tmp_path, "--version")
    assert not {"typer", "typing"} & imported_modules(tmp_path, "--version")  # typing: a fifth of its time


def test_warm_search_does_not_import_pydantic_or_parse_toml(tmp_path: Path) -> None:
    imported_modules(tmp_path, "search", "ppo")  # the cold run fills the cache
    warm = imported_modules(tmp_path, "search", "ppo")
    assert "rapidfuzz" in warm
    assert not {"pydantic", "tomli", "rlhf_cli.catalogue.validation", "rich.table", "rlhf_cli.query.querylang"} & warm
    # The list parser (markdown-it) is for import and lint only.
    assert not {"markdown_it", "rlhf_cli.awesome.reader", "rlhf_cli.awesome.bibtex", "rlhf_cli.awesome.importer"} & warm
    # The hot path answers a plain search without Typer, and the store's digests skip OpenSSL.
    assert not {"typer", "_hashlib"} & warm
    # dataclasses pulls in inspect: about a tenth of a warm search's time (the plain classes need neither).
    assert not {"dataclasses", "inspect"} & warm


def test_completion_does_not_import_typer(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "os.environ.update(_RLHF_COMPLETE='complete_bash', COMP_WORDS='rlhf papers --env ', COMP_CWORD='3')\n"
        "sys.argv = ['rlhf']\n"
        "from rlhf_cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=rlhf_env(tmp_path))
    assert done.stdout.split()[:4] == ["atari", "mujoco", "gym", "pfrl"]  # most used first
    assert "typer" not in done.stderr.split()


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("rlhf papers --env mu", "3", {"mujoco"}),
        ("rlhf sh", "1", {"show"}),
        ("rlhf show instructg", "2", {"instructgpt"}),
        ("rlhf papers --year 201", "3", {"2015", "2017", "2018", "2019"}),
    ],
)
def test_shell_completion(tmp_path: Path, words: str, cword: str, expected: set[str]) -> None:
    env = rlhf_env(tmp_path, _RLHF_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=cword)
    done = subprocess.run([RLHF], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == expected


def test_cite_completes_the_ids_of_citable_entries(tmp_path: Path) -> None:
    """`rlhf cite instructg<TAB>` offers the id; datasets (no citable form) are not offered."""
    for words, expected in (("rlhf cite instructg", {"instructgpt"}), ("rlhf cite truthful", set())):
        env = rlhf_env(tmp_path, _RLHF_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD="2")
        done = subprocess.run([RLHF], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        assert set(done.stdout.split()) == expected, words

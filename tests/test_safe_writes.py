"""Writes never destroy what they should not: devices, FIFOs, files of another format, other tables."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

ONE_PAPER = """
[[paper]]
id = "p1"
title = "First title"
year = 2021
url = "https://example.org/p1"
sources = [{ name = "test" }]
"""


@pytest.fixture
def small(write_catalog) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--no-bundled", "-c", str(write_catalog("a.toml", ONE_PAPER))]


@pytest.mark.parametrize("fmt", ["sqlite", "markdown"])
def test_export_refuses_a_fifo(run, tmp_path: Path, small: list[str], fmt: str) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    result = run("export", str(fifo), "--format", fmt, *small)
    assert result.exit_code == 2 and "not a regular file" in result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_export_refuses_a_device(run, small: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = run("export", "/dev/null", *small)
    assert result.exit_code == 2 and "not a regular file" in result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_export_will_not_replace_a_markdown_list_with_a_database(run, tmp_path: Path, small: list[str]) -> None:  # type: ignore[no-untyped-def]
    mine = tmp_path / "my-list.md"
    mine.write_text("# My reading list\n", encoding="utf-8")
    result = run("export", str(mine), *small)
    assert result.exit_code == 2 and "does not hold a SQLite database" in result.stderr and "--force" in result.stderr
    assert mine.read_text(encoding="utf-8") == "# My reading list\n"
    forced = run("export", str(mine), "--force", *small)
    assert forced.exit_code == 0 and "name not ending in .sqlite" in forced.stderr
    assert mine.read_bytes().startswith(b"SQLite format 3\x00")


def test_export_will_not_replace_a_database_with_markdown(run, tmp_path: Path, small: list[str]) -> None:  # type: ignore[no-untyped-def]
    database = tmp_path / "rlhf.sqlite"
    assert run("export", str(database), *small).exit_code == 0
    result = run("export", str(database), "--format", "markdown", *small)
    assert result.exit_code == 2 and "does not hold a text file" in result.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM entries").fetchone() == (1,)


def test_export_replaces_its_own_format_and_keeps_the_mode(run, tmp_path: Path, small: list[str]) -> None:  # type: ignore[no-untyped-def]
    database = tmp_path / "rlhf.db"
    assert run("export", str(database), *small).exit_code == 0
    database.chmod(0o640)
    again = run("export", str(database), *small)
    assert again.exit_code == 0 and "warning" not in again.stderr
    assert stat.S_IMODE(database.stat().st_mode) == 0o640
    listing = tmp_path / "list.md"
    listing.write_text("old list\n", encoding="utf-8")
    listing.chmod(0o604)
    assert run("export", str(listing), "--format", "markdown", *small).exit_code == 0
    assert "First title" in listing.read_text(encoding="utf-8")
    assert stat.S_IMODE(listing.stat().st_mode) == 0o604


def test_a_new_export_honours_the_umask(run, tmp_path: Path, small: list[str]) -> None:  # type: ignore[no-untyped-def]
    old = os.umask(0o027)
    try:
        assert run("export", str(tmp_path / "new.db"), *small).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.db").stat().st_mode) == 0o640


def test_export_through_a_link_keeps_the_link(run, tmp_path: Path, small: list[str]) -> None:  # type: ignore[no-untyped-def]
    real = tmp_path / "real.md"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    assert run("export", str(link), "--format", "markdown", *small).exit_code == 0
    assert link.is_symlink() and "First title" in real.read_text(encoding="utf-8")

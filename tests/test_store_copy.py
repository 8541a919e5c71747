"""A store that starts as a copy of another (store.write_store's `base`: a patched or reused
store) is a copy of the store `base` has open, even when another store has since taken its
file's name (stores are replaced by rename)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from rlhf_cli.loading import store


def make_store(path: Path, key: str) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    connection.execute("CREATE TABLE rows (value TEXT)")
    connection.execute("INSERT INTO meta VALUES ('key', ?)", (key,))
    connection.executemany("INSERT INTO rows VALUES (?)", [(f"{key} {n}",) for n in range(2000)])
    connection.commit()
    connection.close()


def opened(path: Path) -> sqlite3.Connection:
    """Opened as store.open_store opens a store."""
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def added_row(connection: sqlite3.Connection) -> None:
    connection.execute("INSERT INTO rows VALUES ('added')")


def contents(connection: sqlite3.Connection) -> tuple[list[tuple[str, str]], list[tuple[str]]]:
    return (
        connection.execute("SELECT * FROM meta").fetchall(),
        connection.execute("SELECT value FROM rows ORDER BY rowid").fetchall(),
    )


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "stores"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("RLHF_CACHE_DIR", str(folder))
    return folder


def test_a_store_based_on_another_is_a_copy_of_its_file_then_filled(cache: Path) -> None:
    make_store(cache / "old.sqlite", "old")
    base = opened(cache / "old.sqlite")
    target = cache / "copy.tmp"
    target.touch()
    assert store._copied(base, target)
    assert target.read_bytes() == (cache / "old.sqlite").read_bytes()
    made = store.write_store("new.sqlite", added_row, base=base)
    meta, rows = contents(made)
    assert meta == [("key", "old")] and rows == [(f"old {n}",) for n in range(2000)] + [("added",)]


def test_a_store_whose_file_was_replaced_since_it_was_opened_is_copied_from_what_is_open(cache: Path) -> None:
    make_store(cache / "old.sqlite", "old")
    base = opened(cache / "old.sqlite")
    before = contents(base)
    make_store(cache / "other.sqlite", "other")
    os.replace(cache / "other.sqlite", cache / "old.sqlite")  # as another process's new store would
    target = cache / "copy.tmp"
    target.touch()
    assert not store._copied(base, target)
    assert target.stat().st_size == 0  # left empty for SQLite's backup
    made = store.write_store("new.sqlite", added_row, base=base)
    meta, rows = contents(made)
    assert (meta, rows[:-1]) == before and rows[-1] == ("added",)


def test_a_store_based_on_one_in_memory_is_its_backup(cache: Path) -> None:
    base = sqlite3.connect(":memory:")
    base.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    base.execute("CREATE TABLE rows (value TEXT)")
    base.execute("INSERT INTO meta VALUES ('key', 'memory')")
    base.commit()
    assert not store._copied(base, cache / "unused.tmp")
    made = store.write_store("new.sqlite", added_row, base=base)
    assert contents(made) == ([("key", "memory")], [("added",)])

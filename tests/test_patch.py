"""After a real edit of a few entries, the store is patched (loading/patch.py) rather than built
again, and the patched store is, table by table and row by row, the one a full build of the
edited files writes; its answers are a fresh build's. Edits a patch cannot be sure of fall back
to a full build, which answers right and reports problems as before."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rlhf_cli.loading import loader, patch, schema

BUNDLED = Path(__file__).resolve().parents[1] / "catalog"

COMMANDS = [
    ["search", "reward model", "-n", "60"],
    ["search", "preference optimization", "-n", "60"],
    ["search", "ppo", "-n", "60"],
    ["search", "edited title words", "-n", "20"],
    ["search", "kw:rlhf year:2023", "-n", "60"],
    ["papers", "--year", "2022", "--sort", "id"],
    ["show", "instructgpt"],
    ["show", "hh-rlhf"],
    ["related", "instructgpt"],
    ["datasets", "--used-by", "instructgpt"],
    ["datasets", "--sort", "uses"],
    ["stats", "--by", "year"],
    ["stats", "--by", "dataset"],
    ["stats", "--by", "keyword"],
]


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of 60 tables and search segments of 150 entries: the bundled catalogue (about
    1,100 entries) then has a dozen pieces and seven segments."""
    monkeypatch.setattr(loader, "PIECE_TABLES", 60)
    monkeypatch.setattr(schema, "SEGMENT_ENTRIES", 150)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times a store was built in full, and patched."""
    calls = {"builds": 0, "patches": 0}
    build, patched = loader._build, patch.patched

    def counted_build(*args: Any, **kwargs: Any) -> Any:
        calls["builds"] += 1
        return build(*args, **kwargs)

    def counted_patch(*args: Any, **kwargs: Any) -> Any:
        found = patched(*args, **kwargs)
        calls["patches"] += found is not None
        return found

    monkeypatch.setattr(loader, "_build", counted_build)
    monkeypatch.setattr(patch, "patched", counted_patch)
    return calls


def copy_catalogue(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    shutil.copytree(BUNDLED, folder, ignore=shutil.ignore_patterns("LICENSE*", "*.md"))
    return folder


def edit(folder: Path, name: str, entry_id: str, change: Callable[[str], str]) -> None:
    """Apply `change` to the text of one entry's table in catalogue file `name`."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    start = re.search(rf'^id = "{re.escape(entry_id)}"$', text, re.M)
    assert start is not None, entry_id
    begin = text.rfind("\n[[", 0, start.start()) + 1
    end = text.find("\n[[", start.end())
    end = len(text) if end < 0 else end
    table = text[begin:end]
    changed = change(table)
    assert changed != table, f"the edit of {entry_id} changes nothing"
    path.write_text(text[:begin] + changed + text[end:], encoding="utf-8")


def store_tables(connection: Any) -> dict[str, list[Any]]:
    """Every table's rows, sorted (a patch appends rows a build writes in order); FTS5's own
    tables by what they hold (their b-trees are laid out by the order of writes)."""
    names = [
        row[0]
        for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if not row[0].startswith("search_fts")
    ]
    tables = {name: sorted(connection.execute(f"SELECT * FROM {name}").fetchall(), key=repr) for name in names}
    tables["search_fts"] = connection.execute(
        "SELECT rowid, id, title, texts FROM search_fts ORDER BY rowid"
    ).fetchall()
    for word in ("reward", "preference", "edited", "强化学习"):
        tables[f"search_fts MATCH {word}"] = connection.execute(
            "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid", (f'"{word}"',)
        ).fetchall()
    tables["schema"] = connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    tables["user_version"] = connection.execute("PRAGMA user_version").fetchall()
    return tables


def answers(run: Any, folder: Path, cache: Path) -> list[Any]:
    found = []
    for command in COMMANDS:
        result = run(*command, "--no-bundled", "-c", str(folder), "-f", "json", env={"RLHF_CACHE_DIR": str(cache)})
        found.append((command, result.exit_code, json.loads(result.stdout) if result.exit_code == 0 else result.stderr))
    return found


def assert_as_fresh(run: Any, folder: Path, cache: Path, tmp_path: Path, label: str) -> None:
    """The store in `cache` for `folder` (made by its first command), and its answers, are those
    of a store built afresh."""
    import sqlite3

    mine = answers(run, folder, cache)
    fresh = tmp_path / f"fresh-{len(list(tmp_path.glob('fresh-*')))}"
    theirs = answers(run, folder, fresh)
    assert mine == theirs, label
    (patched_store,) = cache.glob("catalogue-*.sqlite")
    (fresh_store,) = fresh.glob("catalogue-*.sqlite")
    patched_rows, fresh_rows = store_tables(sqlite3.connect(patched_store)), store_tables(sqlite3.connect(fresh_store))
    assert patched_rows.keys() == fresh_rows.keys()
    for table in fresh_rows:
        assert patched_rows[table] == fresh_rows[table], f"{label}: table {table} differs"
    shutil.rmtree(fresh)


def _sub(pattern: str, replacement: str) -> Callable[[str], str]:
    return lambda table: re.sub(pattern, replacement, table, count=1, flags=re.M)


# Real edits of entries, each a patch: (file, entry, change, what the edit is).
EDITS: list[tuple[str, str, Callable[[str], str], str]] = [
    ("papers.toml", "instructgpt", _sub(r'^title = ".*"$', 'title = "Edited title words"'), "title"),
    (
        "papers.toml",
        "instructgpt",
        lambda t: t.replace("year = 2022", "year = 2023").replace('arxiv = "2203.02155"', 'arxiv = "2303.02155"'),
        "year (and its arXiv id)",
    ),
    (
        "papers.toml",
        "direct-preference-optimization-your",
        _sub(r"^authors = \[", 'authors = ["Ada Lovelace", '),
        "authors",
    ),
    ("papers.toml", "instructgpt", _sub(r"^keywords = \[", 'keywords = ["edited keyword", "GRPO", '), "keywords"),
    ("papers.toml", "instructgpt", _sub(r"^datasets = \[", 'datasets = ["hh-rlhf", '), "a dataset reference"),
    ("papers.toml", "instructgpt", _sub("^venue = .*$", 'venue = "An Edited Venue 2022"'), "venue"),
    ("papers.toml", "instructgpt", _sub("^notes = .*$", 'notes = "An edited note."'), "notes"),
    (
        "papers.toml",
        "instructgpt",
        _sub(r"^code = \[", 'code = [{ url = "https://github.com/anthropics/hh-rlhf", official = false }, '),
        "a code link to a dataset's repository",
    ),
    ("papers.toml", "instructgpt", _sub(r"^code = \[.*\]\n", ""), "code links removed"),
    ("datasets.toml", "hh-rlhf", _sub(r'^name = ".*"$', 'name = "Edited HH name"'), "a dataset's name"),
    (
        "codebases.toml",
        "following-instructions-human-feedback",
        _sub(r"^papers = \[.*\]$", 'papers = ["direct-preference-optimization-your"]'),
        "what a codebase implements",
    ),
    ("blogs.toml", "chatgpt-blog", _sub(r'^title = ".*"$', 'title = "An edited blog title"'), "a blog's title"),
]


def test_each_real_edit_is_patched_into_the_store_a_full_build_writes(
    run: Any, tmp_path: Path, small_pieces: None, counted: dict[str, int]
) -> None:
    folder = copy_catalogue(tmp_path)
    cache = tmp_path / "patched-cache"
    answers(run, folder, cache)
    assert counted["builds"] == 1
    import sqlite3

    (built,) = cache.glob("catalogue-*.sqlite")
    connection = sqlite3.connect(built)
    assert connection.execute("SELECT count(*) FROM pieces").fetchone()[0] > 10
    assert connection.execute("SELECT count(*) FROM search_segments").fetchone()[0] > 5
    connection.close()
    for number, (name, entry_id, change, what) in enumerate(EDITS, 1):
        edit(folder, name, entry_id, change)
        assert_as_fresh(run, folder, cache, tmp_path, what)
        assert counted["patches"] == number, f"{what}: not patched"

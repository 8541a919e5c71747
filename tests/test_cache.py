"""The store of validated catalogues never changes an answer: any edit is seen, damage is repaired."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from rlhf_cli.loading import store

from .conftest import Run

ONE = """
[[paper]]
id = "p1"
title = "First title"
year = 2021
url = "https://example.org/p1"
sources = [{ name = "test" }]
"""


def titles(run, folder: Path) -> list[str]:  # type: ignore[no-untyped-def]
    return [p["title"] for p in run.json("papers", "--no-bundled", "-c", str(folder))]


def stores(cache: Path) -> list[Path]:
    return sorted(cache.glob("catalogue-*.sqlite"))


def test_warm_run_uses_the_cache_and_edits_invalidate_it(run, write_catalog, isolated_environment) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    assert titles(run, folder) == ["First title"]
    (path,) = stores(isolated_environment)
    with sqlite3.connect(path) as connection:
        (data,) = connection.execute("SELECT data FROM entries WHERE id = 'p1'").fetchone()
    assert json.loads(data)["title"] == "First title"
    (folder / "a.toml").write_text(ONE.replace("First", "Second"), encoding="utf-8")
    assert titles(run, folder) == ["Second title"]
    (folder / "b.toml").write_text(ONE.replace("p1", "p2").replace("First", "Third"), encoding="utf-8")
    assert titles(run, folder) == ["Second title", "Third title"]
    (folder / "b.toml").unlink()
    assert titles(run, folder) == ["Second title"]


def test_an_invalid_edit_is_caught_even_after_a_valid_warm_run(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    assert titles(run, folder) == ["First title"]
    (folder / "a.toml").write_text(ONE.replace("year = 2021", "year = 21"), encoding="utf-8")
    result = run("papers", "--no-bundled", "-c", str(folder))
    assert result.exit_code == 3 and "year: 21 is not a plausible year" in result.stderr


def test_touch_with_same_content_gives_same_answers(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    first = titles(run, folder)
    os.utime(folder / "a.toml", (1, 1))
    assert titles(run, folder) == first


def test_a_new_tool_version_rebuilds_the_store(run, write_catalog, isolated_environment, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    titles(run, folder)
    (path,) = stores(isolated_environment)
    key = sqlite3.connect(path).execute("SELECT value FROM meta WHERE name = 'key'").fetchone()[0]
    monkeypatch.setattr(store, "__version__", "99.0")
    assert titles(run, folder) == ["First title"]
    assert sqlite3.connect(path).execute("SELECT value FROM meta WHERE name = 'key'").fetchone()[0] != key


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for place in range(0, len(data), 97):  # over the header and every page
        data[place] ^= 0x55
    path.write_bytes(bytes(data))


def _other_schema(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    connection.close()


@pytest.mark.parametrize("damage", [_truncate, _garble, _other_schema], ids=["truncated", "garbage", "wrong schema"])
def test_a_damaged_store_is_rebuilt(run, write_catalog, isolated_environment, damage) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    expected_search = run.json("search", "first", "--no-bundled", "-c", str(folder))
    expected_titles = titles(run, folder)
    (path,) = stores(isolated_environment)
    damage(path)
    assert run.json("search", "first", "--no-bundled", "-c", str(folder)) == expected_search
    assert titles(run, folder) == expected_titles
    # The damage is repaired: the store is whole again, and an edit afterwards is seen.
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA user_version").fetchone() == (store.SCHEMA_VERSION,)
    (folder / "a.toml").write_text(ONE.replace("First", "Second"), encoding="utf-8")
    assert titles(run, folder) == ["Second title"]


def test_a_read_only_cache_folder_is_read_and_never_written(
    run: Run, write_catalog: Callable[[str, str], Path], isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_catalog("a.toml", ONE)
    assert titles(run, folder) == ["First title"]
    isolated_environment.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.geteuid() == 0:  # root writes into read-only folders: refuse as the kernel would refuse others
        import tempfile

        def refuse(*args: object, **kwargs: object) -> None:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
        monkeypatch.setattr(os, "utime", refuse)
    try:
        assert titles(run, folder) == ["First title"]  # the store there is read
        (folder / "a.toml").write_text(ONE.replace("First", "Second"), encoding="utf-8")
        assert titles(run, folder) == ["Second title"]  # and a new one is made in memory
        assert len(stores(isolated_environment)) == 1
    finally:
        isolated_environment.chmod(stat.S_IRWXU)


def test_a_cache_folder_that_cannot_be_made_is_harmless(run, write_catalog, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("RLHF_CACHE_DIR", str(blocker / "cache"))
    folder = write_catalog("a.toml", ONE)
    assert titles(run, folder) == ["First title"]
    assert titles(run, folder) == ["First title"]


def test_concurrent_builders_both_succeed(write_catalog, isolated_environment) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    folder = write_catalog("a.toml", ONE)
    command = [sys.executable, "-m", "rlhf_cli", "papers", "--no-bundled", "-c", str(folder), "-f", "json"]
    env = {**os.environ, "RLHF_CACHE_DIR": str(isolated_environment)}
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = [run.communicate() for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert all(json.loads(out)[0]["title"] == "First title" for out, _ in outputs)
    assert len(stores(isolated_environment)) == 1
    assert sorted(path.name for path in isolated_environment.iterdir()) == [stores(isolated_environment)[0].name]


def test_cache_dir_follows_xdg(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("RLHF_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert store.cache_dir() == tmp_path / "rlhf"


def test_pruning_removes_only_old_files_of_its_own(run, write_catalog, isolated_environment) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    titles(run, folder)
    month_ago = os.stat(isolated_environment).st_mtime - 40 * 24 * 3600
    old_store = isolated_environment / ("catalogue-" + "0" * 32 + ".sqlite")
    old_temporary = isolated_environment / (".catalogue-" + "1" * 32 + ".abc_123.tmp")
    foreign = [isolated_environment / name for name in ("catalogue-notours.sqlite", "notes.txt", "store-0123")]
    for path in [old_store, old_temporary, *foreign]:
        path.write_text("old", encoding="utf-8")
        os.utime(path, (month_ago, month_ago))
    (isolated_environment / "subfolder").mkdir()
    (isolated_environment / "subfolder" / old_store.name).write_text("not at the top", encoding="utf-8")
    (folder / "a.toml").write_text(ONE.replace("First", "Second"), encoding="utf-8")
    assert titles(run, folder) == ["Second title"]  # writes a new store, then prunes
    assert not old_store.exists() and not old_temporary.exists()
    assert all(path.exists() for path in foreign)
    assert (isolated_environment / "subfolder" / old_store.name).exists()
    assert len(store.stores()) == 1


def test_cache_info_and_clear(run, write_catalog, isolated_environment) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    titles(run, folder)
    (isolated_environment / "notes.txt").write_text("not the tool's", encoding="utf-8")
    info = run("cache", "info", "--no-bundled", "-c", str(folder), "-f", "json")
    assert info.exit_code == 0, info.output
    (shown,) = json.loads(info.stdout)
    assert shown["path"] == str(stores(isolated_environment)[0])
    assert shown["entries"] == 1 and shown["in_use"] is True and shown["size"] > 0
    assert shown["files"] == [str(folder / "a.toml")]
    cleared = run("cache", "clear")
    assert cleared.exit_code == 0, cleared.output
    assert stores(isolated_environment) == [] and (isolated_environment / "notes.txt").exists()
    assert titles(run, folder) == ["First title"]


def test_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("RLHF_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert store.cache_dir() == Path.home() / ".cache" / "rlhf"


def _forge(cache: Path, old: str, new: str) -> None:
    """Rewrite the cached catalogue as a local attacker who can write the cache folder would."""
    (path,) = stores(cache)
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE entries SET title = replace(title, ?, ?), data = replace(data, ?, ?)", (old, new) * 2
        )
    connection.close()


@pytest.mark.parametrize("mode", [0o770, 0o707])
def test_a_cache_others_can_write_is_not_trusted(run, write_catalog, isolated_environment, mode: int) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    assert titles(run, folder) == ["First title"]
    _forge(isolated_environment, "First title", "Fakes title")
    assert titles(run, folder) == ["Fakes title"], "the forgery works on a cache the attacker could write"
    isolated_environment.chmod(mode)
    result = run("papers", "--no-bundled", "-c", str(folder), "--format", "json")
    assert result.exit_code == 0
    assert [p["title"] for p in json.loads(result.stdout)] == ["First title"]
    assert "is not used: other users can write to it" in result.stderr


def test_a_symlinked_cache_dir_is_not_used(run, write_catalog, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(elsewhere)
    monkeypatch.setenv("RLHF_CACHE_DIR", str(tmp_path / "link"))
    folder = write_catalog("a.toml", ONE)
    result = run("papers", "--no-bundled", "-c", str(folder), "--format", "json")
    assert result.exit_code == 0 and "is not used: it is a symbolic link" in result.stderr
    assert [p["title"] for p in json.loads(result.stdout)] == ["First title"]
    assert list(elsewhere.iterdir()) == []


def test_a_cache_dir_of_another_user_is_not_used(monkeypatch: pytest.MonkeyPatch, isolated_environment: Path) -> None:
    assert store.cache_problem() is None
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)
    assert store.cache_problem() == "it belongs to another user"


def test_a_new_cache_dir_is_private(isolated_environment) -> None:  # type: ignore[no-untyped-def]
    assert not isolated_environment.exists()
    assert store.cache_problem() is None
    assert stat.S_IMODE(isolated_environment.stat().st_mode) == 0o700


def test_a_store_is_readable_by_its_owner_only(run, write_catalog, isolated_environment) -> None:  # type: ignore[no-untyped-def]
    old = os.umask(0o022)
    try:
        titles(run, write_catalog("a.toml", ONE))
    finally:
        os.umask(old)
    (path,) = stores(isolated_environment)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in isolated_environment.iterdir() if p.name.endswith(".tmp")] == []


def test_a_touched_file_keeps_its_store(run, write_catalog, isolated_environment) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    titles(run, folder)
    (path,) = stores(isolated_environment)
    built = path.stat().st_ino
    os.utime(folder / "a.toml", (1, 1))  # new times, same bytes: the store is still the catalogue's
    assert titles(run, folder) == ["First title"]
    assert path.stat().st_ino == built
    (folder / "a.toml").write_text(ONE.replace("First", "Fresh"), encoding="utf-8")
    assert titles(run, folder) == ["Fresh title"]
    assert path.stat().st_ino != built


def test_files_left_out_are_reported_from_the_store_too(run, write_catalog, isolated_environment) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    write_catalog("broken.toml", "[[paper]]\nid = 'p2'\n")
    first = run("papers", "--no-bundled", "-c", str(folder), "-f", "tsv")
    (path,) = stores(isolated_environment)
    built = path.stat().st_ino
    second = run("papers", "--no-bundled", "-c", str(folder), "-f", "tsv")
    assert first.exit_code == second.exit_code == 3
    assert "broken.toml" in first.stderr and "entry left out" in first.stderr
    assert (second.stdout, second.stderr) == (first.stdout, first.stderr)
    assert path.stat().st_ino == built, "the warm run read the store, not the files"
    strict = run("export", str(isolated_environment.parent / "out.sqlite"), "--no-bundled", "-c", str(folder))
    assert strict.exit_code == 3 and "broken.toml" in strict.stderr


def test_a_store_found_damaged_by_a_query_is_rebuilt_and_the_query_run_again(tmp_path: Path) -> None:
    from rlhf_cli.loading.view import CatalogueView

    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)  # a header, then garbage
    fresh = sqlite3.connect(":memory:")
    fresh.execute("CREATE TABLE entries (position INTEGER PRIMARY KEY)")
    fresh.executemany("INSERT INTO entries VALUES (?)", [(0,), (1,), (2,)])
    rebuilt: list[int] = []

    def rebuild() -> sqlite3.Connection:
        rebuilt.append(1)
        return fresh

    view = CatalogueView(sqlite3.connect(damaged), rebuild)
    table = view.position_table([2, 0])
    assert rebuilt == [1]
    assert view.rows(f"SELECT position FROM entries WHERE position IN (SELECT position FROM {table})") == [(0,), (2,)]
    assert rebuilt == [1]
    without = CatalogueView(sqlite3.connect(damaged))
    with pytest.raises(sqlite3.DatabaseError):
        without.rows("SELECT * FROM entries")


def test_a_cache_folder_with_uri_characters_in_its_name(run, write_catalog, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    odd = tmp_path / "we ird?#%25dir"
    monkeypatch.setenv("RLHF_CACHE_DIR", str(odd))
    folder = write_catalog("a.toml", ONE)
    assert titles(run, folder) == ["First title"]
    (path,) = stores(odd)
    built = path.stat().st_ino
    assert titles(run, folder) == ["First title"]
    assert path.stat().st_ino == built, "the second run read the store in that folder"


def test_the_store_key_reads_every_code_file_it_names() -> None:
    """A moved or renamed module would otherwise drop out of the key silently (its name is
    hashed in its place), and edits to it would stop rebuilding stores."""
    import rlhf_cli

    package = Path(rlhf_cli.__file__).resolve().parent  # _CODE_FILES are relative to the package
    missing = [name for name in store._CODE_FILES if not (package / name).is_file()]
    assert missing == []

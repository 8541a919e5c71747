"""The store of validated catalogues never changes an answer: any edit is seen, damage is repaired."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rlhf_cli import store

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


def test_warm_run_uses_the_cache_and_edits_invalidate_it(run, write_catalog, isolated_environment) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    assert titles(run, folder) == ["First title"]
    (piece,) = isolated_environment.glob("piece-*")
    first_line = (piece / "entries.jsonl").read_text(encoding="utf-8").splitlines()[0]
    assert json.loads(first_line)[1]["title"] == "First title"
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


def stores(cache: Path) -> list[Path]:
    return sorted(cache.glob("store-*"))


CACHE_FILES = [
    "store-*/meta.json",
    "store-*/ids.txt",
    "store-*/used_by.u32",
    "piece-*/meta.json",
    "piece-*/entries.jsonl",
    "piece-*/entries.idx",
    "piece-*/entries.crc",
    "piece-*/summary.json",
    "segment-*/meta.json",
    "segment-*/texts.txt",
    "segment-*/text_refs.u32",
    "segment-*/entry_kinds.u8",
]


@pytest.mark.parametrize("name", CACHE_FILES)
@pytest.mark.parametrize("damage", ["truncate", "garble", "delete"])
def test_damaged_cache_is_rebuilt(run, write_catalog, isolated_environment, name: str, damage: str) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    expected_search = run.json("search", "first", "--no-bundled", "-c", str(folder))
    expected_titles = titles(run, folder)
    (target,) = isolated_environment.glob(name)
    if damage == "delete":
        target.unlink()
    elif damage == "truncate":
        target.write_bytes(target.read_bytes()[:-3])
    else:  # same size, different bytes: only the recorded hash can tell
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x55
        target.write_bytes(bytes(data))
    assert run.json("search", "first", "--no-bundled", "-c", str(folder)) == expected_search
    assert titles(run, folder) == expected_titles
    # The damage is repaired: an edit afterwards is seen, and the cache is whole again.
    (folder / "a.toml").write_text(ONE.replace("First", "Second"), encoding="utf-8")
    assert titles(run, folder) == ["Second title"]
    (folder / "a.toml").write_text(ONE, encoding="utf-8")
    assert titles(run, folder) == expected_titles
    assert run.json("search", "first", "--no-bundled", "-c", str(folder)) == expected_search


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
    assert not list(isolated_environment.glob(".store-*"))


def test_unwritable_cache_folder_is_harmless(run, write_catalog, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("RLHF_CACHE_DIR", str(blocker / "cache"))
    folder = write_catalog("a.toml", ONE)
    assert titles(run, folder) == ["First title"]
    assert titles(run, folder) == ["First title"]


def test_cache_dir_follows_xdg(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("RLHF_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert store.cache_dir() == tmp_path / "rlhf"


def test_pruning_keeps_what_a_store_uses_and_drops_the_rest(run, write_catalog, isolated_environment) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    titles(run, folder)
    first = {path.name for path in isolated_environment.iterdir()}
    hour_ago = os.stat(isolated_environment).st_mtime - 2 * 3600
    for name in first:  # everything of the first catalogue is old now
        os.utime(isolated_environment / name, (hour_ago, hour_ago))
    (folder / "a.toml").write_text(ONE.replace("First", "Second"), encoding="utf-8")
    assert titles(run, folder) == ["Second title"]  # writes a new store, then prunes
    left = {path.name for path in isolated_environment.iterdir()}
    assert not first & left, "the old store, piece and segment were unused for an hour"
    assert {name.split("-")[0] for name in left} == {"store", "piece", "segment"}
    assert titles(run, folder) == ["Second title"]


def test_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("RLHF_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert store.cache_dir() == Path.home() / ".cache" / "rlhf"


def _age_everything(folder: Path) -> None:
    old = os.stat(folder).st_mtime - 2 * 3600
    for path in folder.rglob("*"):
        os.utime(path, (old, old))


def test_pruning_never_touches_what_the_cache_did_not_write(run, write_catalog, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    mine = tmp_path / "my-documents"
    (mine / "piece-of-work").mkdir(parents=True)
    (mine / "piece-of-work" / "chapter.txt").write_text("mine", encoding="utf-8")
    (mine / "piece-of-work" / "drafts").mkdir()
    (mine / "segment-1").mkdir()
    (mine / "store-room").write_text("mine", encoding="utf-8")
    (mine / "catalog.json").write_text("{}", encoding="utf-8")
    (mine / ".store-old").mkdir()
    mine.chmod(0o700)
    before = sorted(str(path.relative_to(mine)) for path in mine.rglob("*"))
    monkeypatch.setenv("RLHF_CACHE_DIR", str(mine))
    folder = write_catalog("a.toml", ONE)
    for title in ("First", "Second", "Third"):  # each edit writes a new store and prunes
        (folder / "a.toml").write_text(ONE.replace("First", title), encoding="utf-8")
        _age_everything(mine)
        assert titles(run, folder) == [f"{title} title"]
    after = {str(path.relative_to(mine)) for path in mine.rglob("*")}
    assert set(before) <= after
    assert (mine / "piece-of-work" / "chapter.txt").read_text(encoding="utf-8") == "mine"
    assert len(list(mine.glob("store-*"))) == 2, "the store in use and the user's file; old stores were pruned"


def _forge(cache: Path, old: bytes, new: bytes) -> None:
    """Rewrite cached text as a local attacker would, with every digest recomputed to match."""
    import zlib
    from array import array

    for path in cache.rglob("*"):
        if path.is_file() and path.name != "meta.json" and old in path.read_bytes():
            path.write_bytes(path.read_bytes().replace(old, new))
    for piece in cache.glob("piece-*"):
        lines = (piece / "entries.jsonl").read_bytes().splitlines(keepends=True)
        (piece / "entries.crc").write_bytes(array("I", (zlib.crc32(line) for line in lines)).tobytes())
    for meta_path in cache.glob("*/meta.json"):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        for name in meta["files"]:
            data = (meta_path.parent / name).read_bytes()
            meta["files"][name] = [len(data), store.blake2b(data, digest_size=20).hexdigest()]
        meta_path.write_text(json.dumps(meta), encoding="utf-8")


@pytest.mark.parametrize("mode", [0o770, 0o707])
def test_a_cache_others_can_write_is_not_trusted(run, write_catalog, isolated_environment, mode: int) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    assert titles(run, folder) == ["First title"]
    _forge(isolated_environment, b"First title", b"Fakes title")
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


def test_a_cache_dir_of_another_user_is_not_used(monkeypatch, isolated_environment) -> None:  # type: ignore[no-untyped-def]
    assert store.cache_problem() is None
    monkeypatch.setattr(store.os, "geteuid", lambda: os.getuid() + 1)
    assert store.cache_problem() == "it belongs to another user"


def test_a_new_cache_dir_is_private(isolated_environment) -> None:  # type: ignore[no-untyped-def]
    assert not isolated_environment.exists()
    assert store.cache_problem() is None
    assert isolated_environment.stat().st_mode & 0o777 == 0o700

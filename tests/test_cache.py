"""The validation cache never changes an answer: any edit is seen, a broken cache is ignored."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rlhf_cli import cache

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
    stored = json.loads((isolated_environment / "catalog.json").read_text(encoding="utf-8"))
    assert stored["files"][0][1]["paper"][0]["title"] == "First title"
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


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"key": 1}', b"\xff\xfe", b'{"key": "x", "files": 3}'])
def test_corrupt_cache_is_rebuilt(run, write_catalog, isolated_environment, garbage: bytes) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    isolated_environment.mkdir(parents=True, exist_ok=True)
    (isolated_environment / "catalog.json").write_bytes(garbage)
    assert titles(run, folder) == ["First title"]
    assert json.loads((isolated_environment / "catalog.json").read_text(encoding="utf-8"))["files"]


def test_matching_key_with_corrupt_body_is_rebuilt(run, write_catalog, isolated_environment) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("a.toml", ONE)
    titles(run, folder)
    stored = json.loads((isolated_environment / "catalog.json").read_text(encoding="utf-8"))
    stored["files"][0][1]["paper"][0]["bogus"] = 1
    (isolated_environment / "catalog.json").write_text(json.dumps(stored), encoding="utf-8")
    assert titles(run, folder) == ["First title"]


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
    assert cache.cache_dir() == tmp_path / "rlhf"

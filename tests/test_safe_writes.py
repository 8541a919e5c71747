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


LIST = "## Papers\n### 2023\n" + "".join(
    f"- [Paper number {n}](https://arxiv.org/abs/2301.{n:05d})\n" for n in range(1, 4)
)


def _other_list(tmp_path: Path, name: str, start: int, count: int) -> Path:
    path = tmp_path / name
    items = "".join(f"- [Another paper {n}](https://arxiv.org/abs/2302.{n:05d})\n" for n in range(start, start + count))
    path.write_text("## Papers\n### 2023\n" + items, encoding="utf-8")
    return path


def test_import_keeps_tables_of_other_kinds_and_comments(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "mine"
    folder.mkdir()
    kept = (
        "# My own papers file: keep this comment.\n"
        '[[paper]]\nid = "own-paper"  # and this one\ntitle = "My Own Paper"\nyear = 2022\n'
        'url = "https://example.org/own"\nsources = [{ name = "me" }]\n\n'
        '[[dataset]]\nid = "own-data"\nname = "My Own Data"\nurl = "https://example.org/data"\n'
        'sources = [{ name = "me" }]\n'
    )
    (folder / "papers.toml").write_text(kept, encoding="utf-8")
    listing = tmp_path / "list.md"
    listing.write_text(LIST, encoding="utf-8")
    result = run("import", str(listing), "--into", str(folder), "--no-bundled")
    assert result.exit_code == 0, result.stderr
    text = (folder / "papers.toml").read_text(encoding="utf-8")
    assert text.startswith(kept.rstrip("\n")), "what was there is kept byte for byte"
    ids = run("search", "paper", "--no-bundled", "-c", str(folder), "-f", "ids", "-n", "50").stdout.split()
    assert "own-data" in run("datasets", "--no-bundled", "-c", str(folder), "-f", "ids").stdout.split()
    assert {"own-paper", "paper-number-1", "paper-number-3"} <= set(ids)


def test_import_merging_into_an_entry_edits_it_in_place(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "mine"
    listing = tmp_path / "list.md"
    listing.write_text(LIST, encoding="utf-8")
    assert run("import", str(listing), "--into", str(folder), "--no-bundled").exit_code == 0
    papers = folder / "papers.toml"
    papers.write_text("# my note\n" + papers.read_text(encoding="utf-8"), encoding="utf-8")
    papers.chmod(0o640)
    richer = tmp_path / "richer.md"
    richer.write_text(
        LIST.replace("(https://arxiv.org/abs/2301.00001)", "(https://arxiv.org/abs/2301.00001)\n  - Keyword: RLHF"),
        encoding="utf-8",
    )
    result = run("import", str(richer), "--into", str(folder), "--no-bundled", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "merged" in {action["action"] for action in __import__("json").loads(result.stdout)}
    text = papers.read_text(encoding="utf-8")
    assert text.startswith("# my note\n") and text.count("[[paper]]") == 3
    assert stat.S_IMODE(papers.stat().st_mode) == 0o640


def test_import_through_a_link_writes_the_linked_file(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A papers.toml kept elsewhere (a dotfiles repository, say) is updated where it lives."""
    real = tmp_path / "elsewhere" / "papers.toml"
    real.parent.mkdir()
    real.write_text(
        '# mine\n[[paper]]\nid = "own"\ntitle = "Own"\nyear = 2022\nurl = "https://example.org/own"\n'
        'sources = [{ name = "me" }]\n',
        encoding="utf-8",
    )
    real.chmod(0o640)
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "papers.toml").symlink_to(real)
    listing = tmp_path / "list.md"
    listing.write_text(LIST, encoding="utf-8")
    result = run("import", str(listing), "--into", str(folder), "--no-bundled")
    assert result.exit_code == 0, result.stderr
    assert (folder / "papers.toml").is_symlink()
    text = real.read_text(encoding="utf-8")
    assert text.startswith("# mine\n") and text.count("[[paper]]") == 4
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(path.name for path in real.parent.iterdir()) == ["papers.toml"], "no temporary file is left"


def test_import_refuses_a_fifo_in_the_target_folder(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "mine"
    folder.mkdir()
    os.mkfifo(folder / "papers.toml")
    listing = tmp_path / "list.md"
    listing.write_text(LIST, encoding="utf-8")
    result = run("import", str(listing), "--into", str(folder), "--no-bundled")  # would hang before
    assert result.exit_code == 3 and "not a regular file" in result.stderr
    assert stat.S_ISFIFO((folder / "papers.toml").lstat().st_mode)


def test_an_import_waits_for_another_to_finish(tmp_path: Path) -> None:
    import subprocess
    import time

    from rlhf_cli.awesome.importer import locked

    from .test_entry_point import RLHF, rlhf_env

    folder = tmp_path / "mine"
    first, second = _other_list(tmp_path, "a.md", 1, 40), _other_list(tmp_path, "b.md", 100, 40)
    env = rlhf_env(tmp_path, RLHF_NO_BUNDLED="1")
    command = [RLHF, "import", "--into", str(folder), "-f", "ids"]
    with locked(folder):  # as if another import were writing
        waiting = subprocess.Popen([*command, str(first)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.0)
        assert waiting.poll() is None, "the import must wait for the lock"
    waiting.communicate(timeout=60)
    assert waiting.returncode == 0
    both = [
        subprocess.Popen([*command, str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for path in (first, second)
    ]
    outputs = [process.communicate(timeout=60) for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    titles = (folder / "papers.toml").read_text(encoding="utf-8")
    assert all(f'Another paper {n}"' in titles for n in [*range(1, 41), *range(100, 140)])


HOSTILE_URLS = """
[[paper]]
id = "shell-link"
title = "A paper whose link a shell would run"
year = 2021
url = "https://example.org/a$(touch${IFS}PWNED);touch${IFS}PWNED2&touch${IFS}PWNED3`touch${IFS}PWNED4`"
sources = [{ name = "test" }]

[[paper]]
id = "credential-link"
title = "A paper whose link carries a password"
year = 2021
url = "https://user:secret@example.org/paper"
sources = [{ name = "test" }]

[[paper]]
id = "idn-link"
title = "A paper on a look-alike host"
year = 2021
url = "https://exаmple.org/pаper?q=a"
sources = [{ name = "test" }]
"""


def test_open_through_a_shell_wrapper_browser_runs_nothing(write_catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from .test_entry_point import RLHF, rlhf_env

    folder = write_catalog("hostile.toml", HOSTILE_URLS)
    env = rlhf_env(tmp_path, RLHF_CATALOG=str(folder), RLHF_NO_BUNDLED="1", BROWSER="sh -c 'echo %s > opened.txt'")
    done = subprocess.run([RLHF, "open", "shell-link"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob("PWNED*")), "the link ran as shell code"
    opened = (tmp_path / "opened.txt").read_text(encoding="utf-8").strip()
    assert (
        opened
        == "https://example.org/a%24%28touch%24%7BIFS%7DPWNED%29%3Btouch%24%7BIFS%7DPWNED2%26touch%24%7BIFS%7DPWNED3%60touch%24%7BIFS%7DPWNED4%60"
    )


def test_open_refuses_credentials_and_prints_punycode(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("hostile.toml", HOSTILE_URLS)
    refused = run("open", "credential-link", "--print", "--no-bundled", "-c", str(folder))
    assert refused.exit_code == 2 and "user name or password" in refused.stderr and "secret" not in refused.stdout
    shown = run("open", "idn-link", "--print", "--no-bundled", "-c", str(folder))
    assert shown.exit_code == 0
    assert shown.stdout == "https://xn--exmple-4nf.org/p%D0%B0per?q=a\n"

"""Hostile content and hostile structure: text stays inert, bad input gets one clear message."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .test_entry_point import RLHF, rlhf_env

HOSTILE = {
    "markup": "[bold red]Loud[/] [link=https://evil.example]click[/link]",
    "ansi": "\x1b[31mred\x1b[0m \x1b[2J\x1b[H",
    "osc8": "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
    "bidi": "abc\u202edcba\u202c",
    "zero-width": "in\u200bvisible\ufeff",
    "nul": "nul\x00byte",
    "bell-and-backspace": "ding\x07\x08\x08",
}
RAW_CONTROLS = ["\x1b", "\x07", "\x00", "\x08", "\u202e", "\u200b", "\ufeff"]


def toml_string(text: str) -> str:
    return json.dumps(text).replace("\x7f", "\\u007f")


def catalogue_with(write_catalog, title: str, **fields: str):  # type: ignore[no-untyped-def]
    extra = "".join(f"{key} = {toml_string(value)}\n" for key, value in fields.items())
    return write_catalog(
        "papers.toml",
        f'[[paper]]\nid = "p"\ntitle = {toml_string(title)}\nyear = 2022\nurl = "https://example.org/p"\n'
        f'keywords = [{toml_string(title)}]\nauthors = [{toml_string(title)}]\n{extra}sources = [{{ name = "t" }}]\n',
    )


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_is_inert_in_tables_and_exact_in_json(run, write_catalog, name: str) -> None:  # type: ignore[no-untyped-def]
    text = HOSTILE[name]
    folder = catalogue_with(write_catalog, text)
    for command in (["papers"], ["show", "p"], ["search", "p"], ["related", "p"]):
        for fmt in ("table", "tsv", "markdown") if command[0] != "show" else ("table", "tsv"):
            result = run(*command, "--no-bundled", "-c", str(folder), "-f", fmt)
            assert result.exit_code in (0, 1), result.stderr
            for control in RAW_CONTROLS:
                assert control not in result.stdout, (command, fmt, repr(control))
            if name == "markup" and result.exit_code == 0:
                assert "[bold red]Loud[/]" in result.stdout or "\\[bold red\\]" in result.stdout
    records = json.loads(run("papers", "--no-bundled", "-c", str(folder), "-f", "json").stdout)
    assert records[0]["title"] == text and records[0]["authors"] == [text]


def test_hostile_text_in_error_messages_is_inert(run) -> None:  # type: ignore[no-untyped-def]
    result = run("show", "\x1b[2Jgone\u202e")
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert "\\x1b[2J" in result.stderr


@pytest.mark.slow  # a table and JSON of a 1 MB title
def test_a_megabyte_title(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = catalogue_with(write_catalog, "A" * 1_000_000)
    table = run("papers", "--no-bundled", "-c", str(folder), "-f", "table")
    assert table.exit_code == 0 and table.stdout.count("A") >= 1_000_000
    assert (
        len(json.loads(run("papers", "--no-bundled", "-c", str(folder), "-f", "json").stdout)[0]["title"]) == 1_000_000
    )


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_formulas(run, write_catalog, start: str) -> None:  # type: ignore[no-untyped-def]
    folder = catalogue_with(write_catalog, f'{start}HYPERLINK("http://evil")')
    rows = list(csv.DictReader(io.StringIO(run("papers", "--no-bundled", "-c", str(folder), "-f", "csv").stdout)))
    # A carriage return is shown as the escape \r (CSV is read in terminals too): no formula either.
    assert rows[0]["title"].startswith("'" + start if start != "\r" else "\\rHYPERLINK")


BROKEN_TOML = {
    "unclosed table": "[[paper]\nid = 'p'\n",
    "missing value": "[[paper]]\nid = \n",
    "unclosed string": '[[paper]]\nid = "p\n',
    "duplicate key": '[[paper]]\nid = "p"\nid = "q"\n',
    "bad escape": '[[paper]]\nid = "\\q"\n',
    "nested too deep": "x = " + "[" * 1000 + "]" * 1000 + "\n",
    "binary junk": "\x00\x01\x02 garbage ]]][[[ \n",
    "table redefined": "[a]\nx = 1\n[a]\ny = 2\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN_TOML))
def test_malformed_toml(run, write_catalog, name: str) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("broken.toml", BROKEN_TOML[name])
    result = run("validate", str(folder))
    assert result.exit_code == 3
    assert "broken.toml" in result.stdout and "Traceback" not in result.output
    listing = run("papers", "--no-bundled", "-c", str(folder))
    assert listing.exit_code == 3 and len(listing.stderr.strip().splitlines()) == 1


WRONG_TYPES = {
    "id": "1",
    "title": "['a']",
    "year": '"2022"',
    "url": "3",
    "short_name": "true",
    "aliases": '"one"',
    "authors": "[1, 2]",
    "authors_et_al": '"yes"',
    "authors_org": "[]",
    "arxiv": "2203.02155",
    "keywords": "{ a = 1 }",
    "code": '["https://x.org"]',
    "datasets": '"truthfulqa"',
    "envs": "[[]]",
    "notes": "1.5",
    "sources": '"list"',
}


@pytest.mark.parametrize("field", sorted(WRONG_TYPES))
def test_wrong_type_in_every_paper_field(run, write_catalog, field: str) -> None:  # type: ignore[no-untyped-def]
    values = {
        "id": '"p"',
        "title": '"T"',
        "year": "2022",
        "url": '"https://example.org"',
        "sources": '[{ name = "t" }]',
    }
    values[field] = WRONG_TYPES[field]
    body = "".join(f"{key} = {value}\n" for key, value in values.items())
    folder = write_catalog("papers.toml", "[[paper]]\n" + body)
    result = run("validate", str(folder))
    assert result.exit_code == 3, result.stdout
    assert f": {field}" in result.stdout or f"{field}[" in result.stdout or f"{field}." in result.stdout


def test_fifty_megabytes_of_junk(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk.toml"
    junk.write_bytes(b"title = 'x'\n" + os.urandom(50 * 1024 * 1024))
    result = run("papers", "--no-bundled", "-c", str(junk))
    assert result.exit_code == 3
    assert "junk.toml" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_symlink_loop_and_broken_link_are_reported_and_the_rest_used(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "links"
    folder.mkdir()
    (folder / "loop.toml").symlink_to(folder / "loop.toml")
    (folder / "gone.toml").symlink_to(tmp_path / "nowhere.toml")
    (folder / "self").symlink_to(folder)  # a folder loop: not followed, folders are not searched
    result = run("search", "instructgpt", "-c", str(folder), "-f", "ids")
    assert result.exit_code == 3
    assert result.stdout.splitlines()[0] == "instructgpt"  # the bundled catalogue still answers
    assert "loop.toml" in result.stderr and "gone.toml" in result.stderr
    assert run("validate", str(folder)).exit_code == 3


def test_a_broken_user_file_leaves_the_rest_usable(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("mine.toml", '[[paper]]\nid = "mine"\ntitle = "Mine"\nyear = 20022\nsources = []\n')
    result = run("papers", "--env", "atari", "-c", str(folder), "-f", "ids")
    assert result.exit_code == 3
    assert len(result.stdout.split()) == 4
    assert "mine.toml:2: entry 'mine': year: 20022 is not a plausible year" in result.stderr
    assert "entry left out" in result.stderr  # the entry, not its file (issue 12)


def test_unreadable_file(run, write_catalog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("secret.toml", "")
    original = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "secret.toml":
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    result = run("validate", str(folder))
    assert result.exit_code == 3 and "secret.toml: cannot read: Permission denied" in result.stdout


def test_write_failures_exit_4_and_leave_files_alone(run, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tempfile

    target = tmp_path / "out.db"
    target.write_bytes(b"the old file")

    def read_only(*args: object, **kwargs: object) -> object:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    result = run("export", str(target), "--force")  # not a database: only --force goes on to write it
    assert result.exit_code == 4 and "Read-only file system" in result.stderr
    assert target.read_bytes() == b"the old file"
    listing = tmp_path / "l.md"
    listing.write_text("## Papers\n### 2023\n- [P](https://arxiv.org/abs/2301.00001)\n", encoding="utf-8")
    result = run("import", str(listing), "--into", str(tmp_path / "cat"))
    assert result.exit_code == 4 and "cannot write" in result.stderr


def big_list(path: Path, items: int) -> None:
    lines = ["## Papers", "### 2023"]
    for i in range(items):
        lines.append(f"- [Synthetic paper number {i} about reward models](https://arxiv.org/abs/2301.{i:05d})")
        lines.append(f"  - Author {i}, Other Author")
        lines.append(f"  - Keyword: reward {i}, preference")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow  # an import of 1,500 items, killed at seven moments
def test_killing_an_import_never_leaves_a_half_written_file(tmp_path: Path) -> None:
    """SIGKILL an import at moments spread up to its end: each file is the old one or the new one."""
    import shutil

    folder, pristine = tmp_path / "cat", tmp_path / "pristine"
    first, second = tmp_path / "first.md", tmp_path / "second.md"
    big_list(first, 200)
    env = rlhf_env(tmp_path)
    command = [RLHF, "import", str(second), "--into", str(folder), "--no-bundled"]
    done = subprocess.run([*command[:2], str(first), *command[3:]], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    shutil.copytree(folder, pristine)
    old = (folder / "papers.toml").read_bytes()
    big_list(second, 1500)  # big enough for the write to take a while; each kill waits on its time
    start = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=True)
    duration = time.perf_counter() - start
    new = (folder / "papers.toml").read_bytes()
    outcomes = []
    for fraction in (0.3, 0.6, 0.8, 0.9, 0.95, 0.98, 1.0):
        shutil.rmtree(folder)
        shutil.copytree(pristine, folder)
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        current = (folder / "papers.toml").read_bytes()
        outcomes.append("old" if current == old else "new" if current == new else "torn")
        check = subprocess.run([RLHF, "validate", str(folder)], env=env, capture_output=True, text=True)
        assert check.returncode == 0, (fraction, check.stdout)
    assert "torn" not in outcomes, outcomes


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    listing = tmp_path / "big.md"
    big_list(listing, 30000)  # big enough to be still at work when Ctrl-C comes
    process = subprocess.Popen(
        [RLHF, "import", str(listing), "--into", str(tmp_path / "cat"), "--no-bundled", "--dry-run"],
        env=rlhf_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.7)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr


def test_markdown_export_escapes_what_would_break_the_list(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    from rlhf_cli.awesome.reader import parse

    title = "A | table [breaking] title *with* `code` and\na newline ](x)"
    folder = catalogue_with(write_catalog, title)
    exported = run("export", "-", "--format", "markdown", "--no-bundled", "-c", str(folder))
    assert exported.exit_code == 0
    (item,) = [i for i in parse(exported.stdout).items if i.kind == "paper"]
    assert item.title == " ".join(title.split()) and item.url == "https://example.org/p"
    table = run("papers", "--no-bundled", "-c", str(folder), "-f", "markdown").stdout.splitlines()
    assert len(table) == 3 and table[2].count(" | ") == table[0].count(" | ")

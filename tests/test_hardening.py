"""Issue 15, terminal and format injection, crashes, smaller faults: each case and its fix.

Cases that only a real process shows (closed descriptors, a full disk, an encoding) run the
installed entry point; the rest drive the CLI in-process.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from .test_entry_point import RLHF, rlhf_env


def shell(tmp_path: Path, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `rlhf` through bash, so that redirections such as `>&-` close real descriptors."""
    return subprocess.run(
        ["bash", "-c", command.replace("rlhf ", f"'{RLHF}' ", 1)],
        capture_output=True,
        text=True,
        env=rlhf_env(tmp_path, **env),
    )


# --- crashes: standard streams -------------------------------------------------------------

COMMANDS = ["papers", "papers -f json", "search ppo", "cite instructgpt", "--help", "papers --help", "--version"]


@pytest.mark.parametrize("redirect", [">&-", ">/dev/full"], ids=["closed", "full"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_stdout_that_cannot_be_written_is_one_line_and_exit_4(tmp_path: Path, command: str, redirect: str) -> None:
    done = shell(tmp_path, f"rlhf {command} {redirect}")
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert done.returncode == 4, done.stderr
    reason = "Bad file descriptor" if redirect == ">&-" else "No space left on device"
    assert done.stderr == f"rlhf: cannot write to stdout: {reason}\n"


def test_a_closed_stdout_is_harmless_when_nothing_is_printed(tmp_path: Path) -> None:
    done = shell(tmp_path, f"rlhf export {tmp_path / 'out.db'} >&-")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.db").stat().st_size > 0


def test_a_closed_stderr_keeps_the_exit_code(tmp_path: Path) -> None:
    # Messages have nowhere to go, but the exit code still says what happened.
    assert shell(tmp_path, "rlhf papers year:abc 2>&-").returncode == 2
    assert shell(tmp_path, "rlhf show no-such-entry 2>&-").returncode == 1
    done = shell(tmp_path, "rlhf papers -f ids year:2022 2>&-")
    assert done.returncode == 0 and "instructgpt" in done.stdout.split()
    assert shell(tmp_path, "rlhf papers year:abc >&- 2>&-").returncode == 2


def test_cite_from_a_closed_stdin(tmp_path: Path) -> None:
    done = shell(tmp_path, "rlhf cite - <&-")
    assert done.returncode == 2
    assert done.stderr == "rlhf: cite: no ids given (stdin was empty)\n"


ENCODINGS = {
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
    # The C locale without Python's UTF-8 mode: ASCII.
    "C locale": {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0", "PYTHONIOENCODING": ""},
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_a_stdout_that_cannot_encode_every_character(tmp_path: Path, encoding: str) -> None:
    exact = json.loads(shell(tmp_path, "rlhf topics -f json").stdout)
    assert any(not record["name_zh"].isascii() for record in exact)
    for command in ("topics", "topics -f table", "show inverse-rl -f table", "topics -f markdown", "stats -f table"):
        done = shell(tmp_path, f"rlhf {command}", **ENCODINGS[encoding])
        assert done.returncode == 0 and "Traceback" not in done.stderr, (command, done.stderr)
        # Escaped, not dropped; the bars of a chart are drawn with '#'.
        assert ("#" if command.startswith("stats") else "\\u") in done.stdout, command
    # JSON's own escapes keep every string exact.
    done = shell(tmp_path, "rlhf topics -f json", **ENCODINGS[encoding])
    assert done.returncode == 0 and done.stdout.isascii()
    assert json.loads(done.stdout) == exact


# --- crashes: queries, line numbers ----------------------------------------------------------


def test_deeply_nested_queries_are_a_usage_error(run) -> None:  # type: ignore[no-untyped-def]
    from rlhf_cli.query.querylang import MAX_NESTING

    fine = run("papers", "-f", "ids", "--", "-(" * MAX_NESTING + "ppo" + ")" * MAX_NESTING)
    assert fine.exit_code in (0, 1), fine.output
    for depth in (MAX_NESTING + 1, 4000):
        result = run("papers", "(" * depth + "ppo" + ")" * depth)
        assert result.exit_code == 2, result.output
        assert f"parentheses nested too deeply (at most {MAX_NESTING})" in result.stderr


def test_long_queries_take_linear_time_and_are_bounded(run) -> None:  # type: ignore[no-untyped-def]
    from rlhf_cli.query.querylang import MAX_QUERY_LENGTH, parse

    query = "(a) " * (MAX_QUERY_LENGTH // 4)
    started = time.perf_counter()
    parse(query)
    assert time.perf_counter() - started < 2  # it was quadratic: 24 s for this one
    result = run("papers", "(a) " * 30_000)
    assert result.exit_code == 2
    assert f"the query is too long (120000 characters; at most {MAX_QUERY_LENGTH})" in result.stderr


PAPER = '[[paper]]\nid = "p"\ntitle = "T"\nyear = 2022\nsources = [{{ name = "t", line = {line} }}]\n'


@pytest.mark.parametrize("line", ["-1", "1000000001", str(2**63), str(2**64 + 1)])
def test_source_line_numbers_are_bounded(run, write_catalog, tmp_path: Path, line: str) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("papers.toml", PAPER.format(line=line))
    result = run("validate", str(folder))
    assert result.exit_code == 3
    assert f"sources[0].line: {line} is not a line number (0 to 1000000000)" in result.stdout
    exported = run("export", "--no-bundled", "-c", str(folder), str(tmp_path / "out.db"))
    assert exported.exit_code == 3, exported.output
    assert not (tmp_path / "out.db").exists()


@pytest.mark.parametrize("line", [0, 10**9])
def test_the_smallest_and_largest_line_numbers_export(run, write_catalog, tmp_path: Path, line: int) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog("papers.toml", PAPER.format(line=line))
    assert run("export", "--no-bundled", "-c", str(folder), str(tmp_path / "out.db")).exit_code == 0


# --- smaller ---------------------------------------------------------------------------------


def test_columns_zero_still_prints_a_table(run) -> None:  # type: ignore[no-untyped-def]
    for command in (["topics", "-n", "2"], ["show", "instructgpt"], ["stats"]):
        result = run(*command, "-f", "table", env={"COLUMNS": "0"})
        assert result.exit_code == 0
        assert len(result.stdout.splitlines()) >= 3, command
    assert "inverse-rl" in run("topics", "-n", "1", "-f", "table", env={"COLUMNS": "0"}).stdout


def test_confusable_keys_and_tables_are_shown_escaped(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = write_catalog(
        "papers.toml",
        '[[paper]]\nid = "p"\ntitle = "T"\nyear = 2022\n"t\u0456tle" = "x"\nsources = [{ name = "t" }]\n'
        '[["p\u0430per"]]\nid = "q"\n',
    )
    result = run("validate", str(folder))
    assert result.exit_code == 3
    assert "entry 'p': t\\u0456tle: unknown key" in result.stdout
    assert "unknown table 'p\\u0430per'" in result.stdout
    assert "\u0456" not in result.stdout and "\u0430" not in result.stdout


# --- terminal and format injection -----------------------------------------------------------

EVIL = 'Evil \x1b[2J\u202edcba\u202c\x07\u200b\x9b31m `**b**` "q" <b>\\N #x;'
# Balanced parentheses, but not nested: written as is, the link ends at "x)" and a second begins.
EVIL_URL = "https://a.example/x)[click](javascript:alert(1)"
RAW = ["\x1b", "\x07", "\u202e", "\u202c", "\u200b", "\x9b"]


def evil_catalogue(write_catalog, url: str = EVIL_URL):  # type: ignore[no-untyped-def]
    text = json.dumps(EVIL)
    return write_catalog(
        "papers.toml",
        f'[[paper]]\nid = "p"\ntitle = {text}\nyear = 2022\nurl = {json.dumps(url)}\nauthors = [{text}]\n'
        f'keywords = [{text}]\ndatasets = ["d"]\nsources = [{{ name = "t" }}]\n\n'
        f'[[dataset]]\nid = "d"\nname = {json.dumps(EVIL + " data")}\n'
        f'url = "https://example.org/d\\u202e"\nsources = [{{ name = "t" }}]\n',
    )


def no_raw_controls(text: str) -> bool:
    return not any(control in text for control in RAW)


@pytest.mark.parametrize(
    "command",
    [
        ["cite", "p"],
        ["cite", "p", "-f", "ris"],
        ["cite", "p", "--ascii"],
        ["papers", "-f", "csv"],
        ["show", "p", "-f", "csv"],
        ["papers", "-f", "ris"],
        ["papers", "-f", "ids"],
        ["graph"],
        ["graph", "-f", "dot"],
        ["export", "-f", "markdown", "-"],
        ["papers", "-f", "markdown"],
        ["open", "p", "--print"],
        ["open", "d", "--print"],
    ],
)
def test_no_raw_control_reaches_the_terminal(run, write_catalog, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    folder = evil_catalogue(write_catalog)
    result = run(*command, "--no-bundled", "-c", str(folder))
    assert result.exit_code == 0, result.output
    assert no_raw_controls(result.stdout), repr(result.stdout)
    assert "x1b" in result.stdout or command[0] in ("open", "export") or "ids" in command


def test_csl_json_still_keeps_the_text_exactly(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    folder = evil_catalogue(write_catalog)
    result = run("cite", "p", "-f", "csl-json", "--no-bundled", "-c", str(folder))
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["title"] == EVIL
    assert "\x9b" not in result.stdout and "\x1b" not in result.stdout


def link_targets(markdown: str) -> list[str]:
    from markdown_it import MarkdownIt

    found = []
    pending = MarkdownIt("commonmark").enable("table").parse(markdown)
    while pending:
        token = pending.pop(0)
        pending[:0] = token.children or []
        if token.type == "link_open":
            found.append(str(token.attrs["href"]))
    return found


def test_a_url_cannot_inject_a_second_link_in_markdown(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    from rlhf_cli.awesome.reader import parse

    folder = evil_catalogue(write_catalog)
    for command in (["export", "-f", "markdown", "-"], ["papers", "-f", "markdown"]):
        markdown = run(*command, "--no-bundled", "-c", str(folder)).stdout
        targets = [target for target in link_targets(markdown) if not target.startswith("#")]
        assert targets, markdown
        assert "](javascript:" not in markdown  # CommonMark readers that do not refuse such links
        assert all(target.startswith("https://") for target in targets), targets
        assert not any("javascript" in target.split("/", 3)[2] for target in targets)
        # One link for the paper (and one for its dataset in the export), no more.
        assert len(targets) == (2 if command[0] == "export" else 1), targets
    exported = run("export", "-f", "markdown", "-", "--no-bundled", "-c", str(folder)).stdout
    (item,) = parse(exported).items[:1]
    from urllib.parse import unquote

    # The reader (markdown-it) normalises the target's escapes; it is still the one URL.
    assert unquote(item.url) == unquote("https://a.example/x%29[click]%28javascript:alert%281%29")


@pytest.mark.parametrize(
    ("url", "written"),
    [
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("https://a.example/x)(", "https://a.example/x%29%28"),
        ("https://a.example/((x))", "https://a.example/%28%28x%29%29"),
        ("https://a.example/a\\)b", "https://a.example/a%5C%29b"),
        ("https://a.example/<x>", "https://a.example/%3Cx%3E"),
        ("https://a.example/\u202ex\u00a0y", "https://a.example/%E2%80%AEx%C2%A0y"),
    ],
)
def test_markdown_link_targets(url: str, written: str) -> None:
    from rlhf_cli.awesome.reader import LINK
    from rlhf_cli.output.render import markdown_url

    assert markdown_url(url) == written
    link = f"[t]({written}) after"
    assert [match.group(2) for match in LINK.finditer(link)] == [written]
    assert link_targets(link) == [written.replace("\\", "%5C")]


def test_graph_labels_are_quoted_per_grammar(run, write_catalog) -> None:  # type: ignore[no-untyped-def]
    import re

    folder = evil_catalogue(write_catalog)
    mermaid = run("graph", "--no-bundled", "-c", str(folder)).stdout.splitlines()
    assert mermaid[0] == "graph LR"
    label = r'"[^"`<>\n]*"'
    node = re.compile(rf"  n_\w+(\[{label}\]|\[\({label}\)\]|\{{\{{{label}\}}\}}|\(\[{label}\]\))")
    edge = re.compile(r"  n_\w+ -->\|\w+\| n_\w+")
    assert all(node.fullmatch(line) or edge.fullmatch(line) for line in mermaid[1:]), mermaid
    dot = run("graph", "-f", "dot", "--no-bundled", "-c", str(folder)).stdout.splitlines()
    string = r'"(?:[^"\\\n]|\\.)*"'
    statement = re.compile(rf"  {string}( -> {string})? \[label={string}(, shape=\w+)?\];")
    assert dot[:3] == ["digraph rlhf {", "  rankdir=LR;", '  node [fontname="Helvetica"];'] and dot[-1] == "}"
    assert all(statement.fullmatch(line) for line in dot[3:-1]), dot
    # The label reads back as the visible text: \N stays a backslash and an N, not the node name.
    assert "\\\\N" in "\n".join(dot)


# --- crashes: a forged cache -----------------------------------------------------------------


def reseal(folder: Path, files: dict[str, bytes]) -> None:
    """Write files into a cache folder with sizes and digests recomputed, as a forger would."""
    from hashlib import blake2b

    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    for name, data in files.items():
        (folder / name).write_bytes(data)
        meta["files"][name] = [len(data), blake2b(data, digest_size=20).hexdigest()]
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def forge_entry(cache: Path, entry_id: str, key: str, value: object) -> None:
    """Rewrite one entry's row in the SQLite store, as damage (or a forger) would."""
    import sqlite3

    (path,) = cache.glob("catalogue-*.sqlite")
    with sqlite3.connect(path) as connection:
        (data,) = connection.execute("SELECT data FROM entries WHERE id = ?", (entry_id,)).fetchone()
        forged = json.loads(data) | {key: value}
        connection.execute("UPDATE entries SET data = ? WHERE id = ?", (json.dumps(forged), entry_id))
    connection.close()


FORGED_COMMANDS = [
    ["papers", "-f", "json"],
    ["papers", "-f", "table"],
    ["papers", "year:2022", "-f", "tsv"],
    ["show", "instructgpt", "-f", "table"],
    ["cite", "instructgpt"],
    ["search", "instruct", "-f", "json"],
    ["stats", "--by", "keyword", "-f", "json"],
]
FORGERIES = {
    "year as text": ("year", "2022"),
    "year as a bool": ("year", True),
    "keywords of numbers": ("keywords", [1]),
    "a code link without text": ("code", [{"url": 5, "official": True}]),
    "arxiv as a number": ("arxiv", 5),
    "authors as text": ("authors", "abc"),
    "title as null": ("title", None),
    "an unknown key": ("extra", 1),
}


def _small_catalogue(folder: Path) -> list[str]:
    """InstructGPT's entry as the bundled catalogue has it (less its dataset links) and one more
    paper: the options that point the forged-store commands at this catalogue instead."""
    bundled = (Path(__file__).resolve().parents[1] / "catalog" / "papers.toml").read_text(encoding="utf-8")
    start = bundled.index('[[paper]]\nid = "instructgpt"\n')
    entry = bundled[start : bundled.index("\n[[", start + 1) + 1]
    entry = "\n".join(line for line in entry.splitlines() if not line.startswith("datasets = "))
    other = PAPER.format(line=1).replace('"T"', '"Instruction following"')
    folder.mkdir()
    (folder / "papers.toml").write_text(f"{entry}\n\n{other}", encoding="utf-8")
    return ["--no-bundled", "-c", str(folder)]


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forged_cache_entry_of_the_wrong_type_is_damage(run, isolated_environment, tmp_path, forgery: str) -> None:  # type: ignore[no-untyped-def]
    """Each forgery, under every command, is found and the store built again (the answers stay).
    A small catalogue, so that each of the 56 rebuilds takes milliseconds, not seconds; the
    bundled one is forged once below."""
    key, value = FORGERIES[forgery]
    small = _small_catalogue(tmp_path / "small")
    expected = [run(*command, *small) for command in FORGED_COMMANDS]
    assert all(result.exit_code == 0 for result in expected)
    for command, before in zip(FORGED_COMMANDS, expected, strict=True):
        forge_entry(isolated_environment, "instructgpt", key, value)
        after = run(*command, *small)
        assert after.exit_code == 0, (command, after.exception)
        assert after.stdout == before.stdout, command


def test_a_forged_entry_in_the_bundled_store_is_damage(run, _isolated: Path) -> None:  # type: ignore[no-untyped-def]
    # The cache holds conftest's copy of the bundled store: no build before the forgery.
    command = ["show", "instructgpt", "-f", "json"]
    before = run(*command)
    assert before.exit_code == 0
    forge_entry(_isolated, "instructgpt", "year", "2022")
    after = run(*command)
    assert after.exit_code == 0 and after.stdout == before.stdout


def test_many_catalogue_files_share_one_store(run, tmp_path: Path, isolated_environment: Path) -> None:  # type: ignore[no-untyped-def]
    """50,000 one-entry files cost 117 s and a 1.2 GB cache of 50,051 folders in the former
    cache; the SQLite store keeps one file for them all (measured: 19.5 s, 34 MB, 2.0 s warm)."""
    folder = tmp_path / "many"
    folder.mkdir()

    def paper(number: int) -> str:
        return PAPER.format(line=1).replace('"p"', f'"p{number}"').replace('"T"', f'"Title {number}"')

    for number in range(300):
        (folder / f"p{number:03d}.toml").write_text(paper(number), encoding="utf-8")
    listed = run("papers", "-f", "ids", "--no-bundled", "-c", str(folder)).stdout.split()
    assert sorted(listed) == sorted(f"p{number}" for number in range(300))
    assert [path.suffix for path in isolated_environment.iterdir()] == [".sqlite"]

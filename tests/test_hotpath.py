"""The hot path (hotpath.py) answers the listings, the one-entry commands and completion requests
without Typer.

Every command line it answers must give exactly what the Typer app gives: the same stdout,
stderr and exit code. Both read their options from options.py; the app is checked against it,
so a new option cannot be misread by the hot path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from rlhf_cli import hotpath, options
from rlhf_cli.cli.typer_app import build_app


def typer_run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    # The app the entry point builds: the command being run alone (all of them for completion).
    result = CliRunner().invoke(build_app(args[0] if args else None), args, env=env, prog_name="rlhf")
    # The raw bytes: Result.stdout would turn CSV's CRLF line ends into LF.
    return result.exit_code, result.stdout_bytes.decode(), result.stderr_bytes.decode()


def hot_run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str] | None:
    capsys.readouterr()
    code = hotpath.run(args)
    out, err = capsys.readouterr()
    return None if code is None else (code, out, err)


@pytest.fixture
def broken_catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.toml").write_text(
        '[[paper]]\nid = "ppo-paper"\ntitle = "Proximal Policy Optimization Algorithms"\nyear = 2017\n'
        'url = "https://arxiv.org/abs/1707.06347"\narxiv = "1707.06347"\n'
        'sources = [{ name = "test" }]\n',
        encoding="utf-8",
    )
    (folder / "broken.toml").write_text("[[paper]\nid = 1\n", encoding="utf-8")
    return folder


# Command lines the hot path answers itself ({broken}: a catalogue with a broken file, {missing}:
# no such file, {folder}: a folder with one good file): each must give what Typer gives.
HOT: dict[str, list[list[str]]] = {
    "search": [
        ["ppo"],
        ["instruct", "gtp"],
        ["ppo", "-n", "3"],
        ["reward", "model", "--limit", "2", "--format", "json"],
        ["ppo", "-f", "jsonl", "-n", "1", "-n", "4"],
        ["ppo", "--kind", "paper", "--kind", "codebase", "-f", "csv"],
        ["ppo", "-f", "ids"],
        ["ppo", "-f", "bibtex", "-n", "2"],
        ["ppo", "-f", "markdown"],
        ["ppo", "-f", "table"],
        ["ppo", "--json", "-n", "2"],
        ["ppo", "-f", "json", "--json"],
        ["强化学习"],
        ["2203.02155"],
        ["arXiv:2203.02155v2", "-f", "json"],
        ["zzzzqqqq"],
        ["ppo", "--no-bundled", "-c", "{broken}"],
        ["proximal", "-c", "{broken}"],
        ["ppo", "-c", "{missing}"],
        # Query syntax and --explain, once Typer's: the same function answers them now.
        ["year:2022", "ppo"],
        ["ppo", "--explain", "-n", "2"],
        [" "],  # no words: the command itself says so
        ["year:"],  # a query error
    ],
    "papers": [
        ["--year", "2022", "--env", "atari"],
        ["--year", "2017", "--env", "atari"],
        ["--year", "2017", "--env", "atari", "--json"],
        ["-y", "2020..2022", "-k", "ppo", "-f", "csv", "-n", "3"],
        ["--dataset", "truthfulqa", "--has-code", "-f", "ids"],
        ["--uses", "atari", "--sort", "title", "-f", "jsonl"],
        ["--author", "christiano", "--venue", "neurips", "-s", "id"],
        ["kw:ppo", "--explain", "-n", "2"],
        ["reward", "hacking", "--min-score", "80", "-n", "3"],
        ["reward", "hacking", "--min-score", "100.0", "-n", "3"],
        ["--year", "20x"],  # a bad year: the command's usage error
        ["--uses", "nowhere-at-all"],  # not found
        ["--env", "atari", "-c", "{broken}"],
        ["--no-bundled", "-c", "{folder}"],
        ["--no-bundled", "-c", "{folder}", "--year", "1999"],
        ["-c", "{missing}"],
        ["--format", "bibtex", "--env", "atari", "-n", "1"],
    ],
    "codebases": [["-k", "ppo", "--json"], ["--dataset", "truthfulqa"], ["--env", "mujoco", "-f", "csv"]],
    "datasets": [
        ["--used-by", "InstructGPT"],
        ["--used-by", "instructgpt", "--sort", "uses", "-f", "json"],
        ["--used-by", "no-such-paper"],
        ["--used-by", "truthfulqa"],  # a dataset, not a paper or codebase
        ["-s", "uses", "-n", "5"],
        ["truthful"],
    ],
    "envs": [["atari", "--json"], ["-n", "2"]],
    "blogs": [["--language", "zh", "-f", "ids"], ["ppo"]],
    "books": [["--json"]],
    "topics": [["--category", "technique", "-n", "3"], ["强化学习"]],
    "show": [
        ["instructgpt"],
        ["InstructGPT", "--json"],
        ["TruthfulQA", "-f", "csv"],
        ["instructgpt", "-f", "bibtex"],  # a list format: the command's usage error
        ["2203.02155"],
        ["no-such-entry"],
        ["ppo-paper", "--no-bundled", "-c", "{folder}"],
        ["instructgpt", "-c", "{broken}"],
    ],
    "related": [["instructgpt"], ["truthfulqa", "-n", "5", "--json"], ["ppo-paper", "--no-bundled", "-c", "{folder}"]],
    "open": [["instructgpt", "--print"], ["nlpo", "--code", "--print"], ["truthfulqa", "--print", "--code"]],
    "cite": [
        ["instructgpt", "nlpo"],
        ["instructgpt", "-f", "csl-json"],
        ["instructgpt", "--format", "ris"],
        ["instructgpt", "--ascii"],
        ["truthfulqa"],  # not citable
        ["instructgpt", "no-such-entry"],
    ],
    "methods": [[], ["dpo"], ["preference-optimization", "-f", "json"], ["--json"], ["no-such-method"]],
    "lineage": [["dpo"], ["grpo", "--json"], ["ppo"], ["instructgpt"], ["ppo-paper", "--no-bundled", "-c", "{folder}"]],
    "path": [["grpo"], ["preference-optimization", "-n", "3", "-f", "bibtex"], ["dpo", "--limit", "2", "-f", "ids"]],
}
# Command lines the hot path leaves to Typer, which reports them (or shows the help).
TYPER: dict[str, list[list[str]]] = {
    "search": [
        ["--help"],
        ["ppo", "-kw:diffusion"],
        ["ppo", "-n", "x"],
        ["ppo", "-n", "+3"],
        ["ppo", "--limit", "0"],  # below --limit's minimum
        ["ppo", "--format", "yaml"],
        ["ppo", "--kind", "papers"],
        ["ppo", "--limit=3"],
        ["ppo", "--json", "-f", "csv"],
        ["ppo", "-n"],
        ["--", "ppo"],
        [],
    ],
    "papers": [
        ["-h"],
        ["--year"],
        ["--year", "--env", "atari"],
        ["--sort", "newest"],
        ["--sort", "Title"],
        ["--min-score", "101"],
        ["--min-score", "1e1"],
        ["--limit", "-1"],
        ["--bogus"],
        ["-y2022"],
        ["--env="],
        ["--has-code=yes"],
        ["-f", "json", "--json", "-f", "csv"],
        ["--year", ""],
    ],
    "datasets": [["-u", "instructgpt"], ["--sort", "year"]],
    "blogs": [["--language", "fr"]],
    "topics": [["--category", "both"]],
    "show": [[], ["instructgpt", "nlpo"], ["--help"], ["-"]],
    "related": [["instructgpt", "-n", "0"]],
    "open": [["instructgpt", "--print", "--json"]],
    "cite": [[], ["-"], ["instructgpt", "-f", "json"], ["instructgpt", "--json"]],
    "methods": [["--help"], ["dpo", "grpo"], ["-f", "yaml"]],
    "lineage": [[], ["dpo", "-n", "3"]],
    "path": [[], ["grpo", "-n", "0"], ["grpo", "--limit=2"]],
}


@pytest.fixture
def places(broken_catalog: Path, tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good"
    good.mkdir()
    (good / "good.toml").write_bytes((broken_catalog / "good.toml").read_bytes())
    return {"broken": broken_catalog, "missing": tmp_path / "nowhere.toml", "folder": good}


def _fill(args: list[str], places: dict[str, Path]) -> list[str]:
    return [arg.format(**places) for arg in args]


def _lines(table: dict[str, list[list[str]]]) -> list[list[str]]:
    return [[command, *args] for command, lines in table.items() for args in lines]


@pytest.mark.parametrize("argv", _lines(HOT), ids=" ".join)
def test_the_hot_path_answers_as_typer_does(
    argv: list[str], places: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _fill(argv, places)
    hot = hot_run(argv, capsys)
    assert hot is not None, "the hot path should answer this command line"
    assert hot == typer_run(argv)


@pytest.mark.parametrize("argv", _lines(TYPER), ids=" ".join)
def test_anything_else_is_left_to_typer(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert hot_run(argv, capsys) is None
    assert capsys.readouterr() == ("", "")
    _, out, err = typer_run(argv)
    assert out or err  # Typer has something to say: a usage error, the help, or the command's answer


def test_other_commands_are_left_to_typer(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["stats"], ["validate"], ["--version"], [], ["Search", "ppo"], ["--no-pager", "papers"]):
        assert hot_run(argv, capsys) is None


def test_the_hot_path_imports_no_typer(tmp_path: Path) -> None:
    """Every command the hot path answers runs without importing Typer (its import is most of the cost)."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from rlhf_cli import hotpath\n"
        "for argv in [['papers', '--year', '2022', '--env', 'atari'], ['datasets', '--used-by', 'InstructGPT'],"
        " ['show', 'instructgpt'], ['search', 'ppo'], ['related', 'instructgpt'], ['cite', 'instructgpt'],"
        " ['methods'], ['lineage', 'dpo'], ['path', 'grpo']]:\n"
        "    assert hotpath.run(argv) is not None, argv\n"
        "sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    )
    env = os.environ | {"RLHF_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    modules = done.stderr.split()
    assert {"rlhf_cli.cli.listings", "rlhf_cli.cli.entries", "rlhf_cli.cli.methods"} <= set(modules)
    assert not [name for name in modules if name == "typer" or name.startswith(("typer.", "click"))]


COMPLETIONS = [
    "rlhf papers --env ",
    "rlhf papers --env mu",
    "rlhf papers -e g",
    "rlhf papers --year 20",
    "rlhf papers -y 2017 --keyword pp",
    "rlhf papers --author --env ",
    "rlhf papers --dataset ",
    "rlhf papers --uses an",
    "rlhf papers --has-code -d ",
    "rlhf papers ppo --env a",
    "rlhf papers --format ",
    "rlhf papers --sort ",
    "rlhf papers --bogus --env ",
    "rlhf papers -- --env ",
    "rlhf papers --env=",
    "rlhf codebases --env ",
    "rlhf codebases -k rl",
    "rlhf datasets --used-by instr",
    "rlhf datasets -u ",
    "rlhf show ",
    "rlhf show instructg",
    "rlhf show --no-bundled ",
    "rlhf show -c x ins",
    "rlhf show instructgpt ",
    "rlhf show -",
    "rlhf related summ",
    "rlhf open --code tr",
    "rlhf cite ",
    "rlhf search pp",
    "rlhf sh",
    "rlhf ",
    "rlhf papers --env zzz",
    "rlhf show 'instr",
    "rlhf papers --dataset Truth",
    "rlhf show InstructG",
    "rlhf papers --method pr",
    "rlhf codebases -m g",
    "rlhf methods d",
    "rlhf lineage ",
    "rlhf path --json p",
]


def _completion_env(shell: str, line: str) -> dict[str, str]:
    env = {"_RLHF_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        words = line.split()
        return env | {"COMP_WORDS": line, "COMP_CWORD": str(len(words) if line.endswith(" ") else len(words) - 1)}
    return env | {"_TYPER_COMPLETE_ARGS": line, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize("line", COMPLETIONS)
def test_hot_completion_answers_as_typer_does(
    shell: str, line: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _completion_env(shell, line)
    expected = typer_run([], env=env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    hot = hot_run([], capsys)
    if hot is not None:
        assert hot == expected
    if line in ("rlhf papers --env ", "rlhf show instructg", "rlhf datasets --used-by instr"):
        assert hot is not None, "the hot path should answer this request"
        assert hot[1].strip(), "and offer something"


def test_fish_asks_whether_there_are_values(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for line, expected in (("rlhf papers --env ", 0), ("rlhf papers --env zzz", 1)):
        env = _completion_env("fish", line) | {"_TYPER_COMPLETE_FISH_ACTION": "is-args"}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert hot_run([], capsys) == (expected, "", "")
        assert typer_run([], env=env)[0] == expected


def _params(command: Any) -> tuple[dict[str, Any], set[str], Any]:
    """A command's options (name -> Click parameter), its flags, and its argument (or None)."""
    values: dict[str, Any] = {}
    flags: set[str] = set()
    argument = None
    for param in command.params:
        if param.param_type_name == "argument":
            argument = param
        elif param.is_flag:
            flags.update(param.opts)
        else:
            values.update(dict.fromkeys(param.opts, param))
    return values, flags, argument


@pytest.mark.parametrize("name", list(options.COMMANDS))
def test_the_app_is_built_from_the_option_specs(name: str) -> None:
    """What the hot path reads (options.py) is what Typer parses: names, flags, bounds, completion."""
    command = typer.main.get_command(build_app()).commands[name]  # type: ignore[attr-defined]
    values, flags, argument = _params(command)
    hot_values, hot_flags = options.option_names(name)
    assert set(hot_values) == set(values)
    assert set(hot_flags) == flags
    for option, (parameter, spec) in hot_values.items():
        param = values[option]
        assert param.name == parameter
        assert (param._custom_shell_complete is not None) == (spec.offer is not None), option
        assert getattr(param.type, "min", None) == spec.minimum and getattr(param.type, "max", None) == spec.maximum
        assert param.help == spec.help
    given = options.argument(name)
    assert (given is None) == (argument is None)
    if given is not None:
        assert argument.name == given[0]
        assert argument.nargs == (-1 if given[1].many else 1)
        assert (argument._custom_shell_complete is not None) == (given[1].offer is not None)


def test_cite_completes_the_citable_kinds_only() -> None:
    from rlhf_cli.output.cite import CITABLE_KINDS

    given = options.argument("cite")
    assert given is not None and given[1].offer == ("names", CITABLE_KINDS)

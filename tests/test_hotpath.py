"""The hot path (hotpath.py) answers plain searches and completion requests without Typer.

Every command line it answers must give exactly what the Typer app gives: the same stdout,
stderr and exit code. Its option tables are checked against the app, so a new option cannot
be misread by it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from rlhf_cli import hotpath
from rlhf_cli.cli import build_app


def typer_run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(), args, env=env, prog_name="rlhf")
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


HOT_SEARCHES = [
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
]
TYPER_SEARCHES = [
    ["--help"],
    ["ppo", "--explain"],
    ["year:2022", "ppo"],
    ["ppo", "-kw:diffusion"],
    ["ppo", "--limit", "0"],
    ["ppo", "-n", "x"],
    ["ppo", "--format", "yaml"],
    ["ppo", "--kind", "papers"],
    ["ppo", "--limit=3"],
    ["ppo", "--json", "-f", "csv"],
    ["ppo", "-n"],
    ["--", "ppo"],
    [" "],
    [],
]


def _fill(args: list[str], broken: Path, tmp_path: Path) -> list[str]:
    return [arg.format(broken=broken, missing=tmp_path / "nowhere.toml") for arg in args]


@pytest.mark.parametrize("args", HOT_SEARCHES, ids=" ".join)
def test_hot_search_answers_as_typer_does(
    args: list[str], broken_catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["search", *_fill(args, broken_catalog, tmp_path)]
    hot = hot_run(argv, capsys)
    assert hot is not None, "the hot path should answer this command line"
    assert hot == typer_run(argv)


@pytest.mark.parametrize("args", TYPER_SEARCHES, ids=" ".join)
def test_anything_else_is_left_to_typer(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert hot_run(["search", *args], capsys) is None
    assert capsys.readouterr() == ("", "")


def test_other_commands_are_left_to_typer(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["papers"], ["show", "instructgpt"], ["--version"], [], ["Search", "ppo"]):
        assert hot_run(argv, capsys) is None


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
    if line in ("rlhf papers --env ", "rlhf show instructg", "rlhf datasets --used-by instr", "rlhf methods d"):
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


def _params(command: Any) -> tuple[dict[str, bool], set[str], Any]:
    """A command's options (name -> completes?), its flags, and its argument (or None)."""
    values: dict[str, bool] = {}
    flags: set[str] = set()
    argument = None
    for param in command.params:
        if param.param_type_name == "argument":
            argument = param
        elif param.is_flag:
            flags.update(param.opts)
        else:
            values.update(dict.fromkeys(param.opts, param._custom_shell_complete is not None))
    return values, flags, argument


def test_option_tables_match_the_app() -> None:
    commands = typer.main.get_command(build_app()).commands  # type: ignore[attr-defined]
    for name, options in hotpath.VALUE_OPTIONS.items():
        values, flags, argument = _params(commands[name])
        assert set(options) == set(values), name
        assert {option for option, offer in options.items() if offer} == {o for o, c in values.items() if c}, name
        assert hotpath.FLAGS[name] == flags, name
        offer, count = hotpath.POSITIONAL[name]
        assert (offer is not None) == (argument._custom_shell_complete is not None), name
        assert count == argument.nargs, name
    values, flags, _ = _params(commands["search"])
    assert set(values) == set(hotpath.SEARCH_OPTIONS)
    assert flags == {*hotpath.SEARCH_FLAGS, "--explain"}


def test_value_lists_match_the_app() -> None:
    from rlhf_cli.cli import KindChoice
    from rlhf_cli.render import Format

    assert set(hotpath.FORMATS) == {f.value for f in Format}
    assert set(hotpath.KINDS) == {k.value for k in KindChoice}

"""The conventions users expect (issue 14, part 4): --json, examples in --help, NO_COLOR in help,
the config file, and Typer's usage errors in the tool's own style."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from rlhf_cli.cli import EXAMPLES, app

from .conftest import Run

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
WITH_FORMAT_OPTION = ["search ppo", "papers", "codebases", "datasets", "envs", "blogs", "books", "topics"]
WITH_FORMAT_OPTION += ["show instructgpt", "related instructgpt", "stats", "lint"]
RLHF = str(Path(sys.executable).parent / "rlhf")


@pytest.mark.parametrize("line", WITH_FORMAT_OPTION)
def test_json_is_short_for_format_json(run, line: str) -> None:  # type: ignore[no-untyped-def]
    args = line.split()
    alias = run(*args, "--json")
    assert alias.exit_code in (0, 3), alias.output  # lint exits 3 when the catalogue has errors
    assert json.loads(alias.stdout) == json.loads(run(*args, "--format", "json").stdout)


def test_json_and_another_format_conflict(run) -> None:  # type: ignore[no-untyped-def]
    result = run("papers", "--json", "--format", "csv")
    assert result.exit_code == 2
    assert result.stderr == "rlhf: --json and --format csv ask for different formats; give one\n"
    assert "--json" in run("papers", "--help").stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_help_ends_with_real_examples(run, name: str) -> None:  # type: ignore[no-untyped-def]
    examples = EXAMPLES[name]
    assert 2 <= len(examples) <= 3 and all(example.startswith("rlhf ") for example in examples)
    assert any(f"rlhf {name}" in example for example in examples)
    text = run(name, "--help").stdout
    assert "Examples:" in text and text.rstrip().endswith(examples[-1])
    for example in examples:
        assert example in text


def _read_only(example: str) -> bool:
    words = shlex.split(example)
    return not ({"|", ">"} & set(example)) and words[1] not in ("export", "import", "open", "mcp", "validate", "cache")


@pytest.mark.parametrize("example", [e for examples in EXAMPLES.values() for e in examples if _read_only(e)])
def test_the_examples_run(run, request: pytest.FixtureRequest, example: str) -> None:  # type: ignore[no-untyped-def]
    words = shlex.split(example)
    if "awesome-list.md" in words:  # the reader's own awesome list, here one of the reference lists
        listing = str(request.getfixturevalue("reference") / "awesome-rlhf-en-2025.md")
        words = [listing if w == "awesome-list.md" else w for w in words]
    result = run(*words[1:])
    assert result.exit_code in (0, 3), f"{example}: {result.output}"  # lint: 3 when it finds errors
    assert result.stdout.strip() or result.stderr.strip()


def test_open_and_pipe_examples_work(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("open", "nlpo", "--code", "--print").stdout.startswith("https://")
    ids = run("papers", "--env", "atari", "-f", "ids").stdout
    cited = run.runner.invoke(app, ["cite", "-"], input=ids)
    assert cited.exit_code == 0 and cited.stdout.count("@") == len(ids.split())


@pytest.mark.parametrize("args", [["--help"], ["papers", "--help"], ["cite", "--help"], ["export", "--help"]])
def test_no_color_removes_every_escape_code_from_help(tmp_path: Path, args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env |= {"FORCE_COLOR": "1", "RLHF_CACHE_DIR": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    coloured = subprocess.run([RLHF, *args], capture_output=True, text=True, env=env)
    assert "\x1b[" in coloured.stdout  # FORCE_COLOR alone: Rich's styles
    plain = subprocess.run([RLHF, *args], capture_output=True, text=True, env=env | {"NO_COLOR": "1"})
    assert plain.returncode == 0 and "\x1b" not in plain.stdout + plain.stderr
    assert "Usage: rlhf" in plain.stdout and "--help" in plain.stdout
    if args != ["--help"]:
        assert "Examples:" in plain.stdout


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config" / "rlhf" / "config.toml"  # conftest points XDG_CONFIG_HOME at tmp/config
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_config_path_and_defaults(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("config", "path")
    assert result.exit_code == 0 and result.stdout == f"{tmp_path / 'config' / 'rlhf' / 'config.toml'}\n"
    shown = run("config", "show")
    assert json.loads(shown.stdout) == {"format": None, "catalogs": [], "limit": None}
    assert "no config file" in shown.stderr


def test_config_sets_format_limit_and_catalogues(run, tmp_path: Path, write_catalog) -> None:  # type: ignore[no-untyped-def]
    write_catalog(
        "mine.toml",
        '[[paper]]\nid = "my-own"\ntitle = "My own paper on zebra rewards"\nyear = 2024\n'
        'url = "https://example.org/mine"\nsources = [{ name = "t" }]\n',
    )
    write_config(tmp_path, 'format = "json"\nlimit = 3\ncatalogs = ["../../catalog"]\n')
    papers = run("papers")
    assert papers.exit_code == 0 and len(json.loads(papers.stdout)) == 3
    assert [hit["id"] for hit in json.loads(run("search", "zebra").stdout)] == ["my-own"]
    assert len(json.loads(run("search", "ppo").stdout)) == 3
    # Options still win over the file.
    assert len(run("papers", "-n", "5", "-f", "tsv").stdout.splitlines()) == 5
    assert len(json.loads(run("search", "ppo", "-n", "4").stdout)) == 4
    # `show` takes the configured format when it can show one entry in it.
    assert json.loads(run("show", "instructgpt").stdout)["id"] == "instructgpt"
    write_config(tmp_path, 'format = "bibtex"\n')
    assert run("show", "instructgpt").exit_code == 0
    assert run("papers", "-n", "1").stdout.startswith("@misc{")


def test_the_hot_path_reads_the_config_too(tmp_path: Path) -> None:
    write_config(tmp_path, 'format = "ids"\nlimit = 2\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLHF_")}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "config"), "RLHF_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([RLHF, "search", "ppo"], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and len(done.stdout.split()) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = true\n", "unknown setting 'colour'"),
        ('format = "yaml"\n', "format: one of table, json"),
        ("limit = 0\n", "limit: a whole number of at least 1, not 0"),
        ('catalogs = "one"\n', "catalogs: a list of paths"),
        ("format = \n", "not a valid TOML file"),
    ],
)
def test_a_bad_config_file_is_one_line_naming_it(run, tmp_path: Path, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = write_config(tmp_path, text)
    result = run("papers")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"rlhf: {path}: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["papers", "--yeer", "2022"], "rlhf: papers: no such option '--yeer'; did you mean '--year'?"),
        (["papers", "--Year", "2022"], "rlhf: papers: no such option '--Year'; did you mean '--year'?"),
        (["papers", "--has_code"], "rlhf: papers: no such option '--has_code'; did you mean '--has-code'?"),
        (["show"], "rlhf: show: missing argument 'name'"),
        (["sow", "instructgpt"], "rlhf: no such command 'sow'; did you mean 'show'?"),
        (["papers", "--sort", "yr"], "'yr' is not one of 'year', 'title', 'id'; did you mean 'year'?"),
        (["export", "site", "-f", "htm"], "did you mean 'html'?"),
        (["--bogus"], "rlhf: no such option '--bogus' (see 'rlhf --help')"),
    ],
)
def test_typer_usage_errors_read_as_one_line(tmp_path: Path, args: list[str], line: str) -> None:
    env = os.environ | {"RLHF_CACHE_DIR": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    done = subprocess.run([RLHF, *args], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("rlhf: "), done.stderr
    assert line in done.stderr and "╭" not in done.stderr
    assert done.stderr.rstrip().endswith("--help')")


def test_no_arguments_still_shows_the_help(tmp_path: Path) -> None:
    done = subprocess.run([RLHF], capture_output=True, text=True, env=os.environ | {"RLHF_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 2 and "Usage: rlhf" in done.stdout + done.stderr and "search" in done.stdout + done.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_ignores_case(
    shell: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from .test_hotpath import _completion_env, hot_run, typer_run

    env = _completion_env(shell, "rlhf papers --dataset Truth")
    # Typer's app (and the shells) keep only values starting with the typed text, so the value
    # comes back in the typed case; names are looked up ignoring case.
    code, typer_out, _ = typer_run([], env=env)
    assert code == 0 and "Truthfulqa" in typer_out
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    hot = hot_run([], capsys)
    assert hot is not None and hot[1] == typer_out


def test_a_completed_value_in_the_typed_case_is_found(run) -> None:  # type: ignore[no-untyped-def]
    from rlhf_cli.query.completion import candidates

    assert candidates("names", ("dataset",), "Truth") == ["Truthfulqa"]
    assert candidates("names", ("dataset",), "truth") == ["truthfulqa"]
    assert run.json("papers", "--dataset", "Truthfulqa") == run.json("papers", "--dataset", "truthfulqa")

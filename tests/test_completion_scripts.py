"""`rlhf --show-completion SHELL` prints SHELL's script and `--install-completion SHELL` installs
it, whatever shell runs `rlhf` (Typer's own flags take no value where shellingham is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .test_entry_point import RLHF, rlhf_env

# What only that shell's script says, and where `--install-completion` puts it under $HOME.
SCRIPTS = {
    "bash": ("complete -o default -F _rlhf_completion rlhf", ".bash_completions/rlhf.sh"),
    "zsh": ("#compdef rlhf", ".zfunc/_rlhf"),
    "fish": ("complete --command rlhf", ".config/fish/completions/rlhf.fish"),
}
# How each shell checks a script's syntax without running it.
SYNTAX_CHECK = {"bash": ["bash", "-n"], "zsh": ["zsh", "-n"], "fish": ["fish", "--no-execute"]}


def _rlhf(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    assert RLHF is not None
    return subprocess.run([RLHF, *args], env=rlhf_env(tmp_path, **env), capture_output=True, text=True, check=False)


@pytest.mark.parametrize("shell", sorted(SCRIPTS))
def test_show_completion_prints_the_named_shells_script(tmp_path: Path, shell: str) -> None:
    result = _rlhf(tmp_path, "--show-completion", shell)
    assert result.returncode == 0, result.stderr
    marker, _ = SCRIPTS[shell]
    assert marker in result.stdout
    assert all(other not in result.stdout for name, (other, _) in SCRIPTS.items() if name != shell)
    if shutil.which(SYNTAX_CHECK[shell][0]):  # the script is one the shell can read
        script = tmp_path / f"script.{shell}"
        script.write_text(result.stdout, encoding="utf-8")
        check = subprocess.run([*SYNTAX_CHECK[shell], str(script)], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("shell", sorted(SCRIPTS))
def test_install_completion_installs_the_named_shells_script(tmp_path: Path, shell: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = _rlhf(tmp_path, "--install-completion", shell, HOME=str(home))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{shell} completion installed in {home}")
    marker, where = SCRIPTS[shell]
    assert marker in (home / where).read_text(encoding="utf-8")
    installed = {str(path.relative_to(home)) for path in home.rglob("*") if path.is_file()}
    assert where in installed and not any(other in installed for name, (_, other) in SCRIPTS.items() if name != shell)


def test_the_shell_can_follow_other_options_and_the_app_in_process_agrees(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = _rlhf(tmp_path, "--no-pager", "--show-completion", "zsh")
    assert result.returncode == 0 and result.stdout.startswith("#compdef rlhf")
    in_process = run("--show-completion", "fish")
    assert in_process.exit_code == 0 and in_process.stdout.startswith("complete --command rlhf")


def test_an_unknown_shell_is_one_line_naming_the_shells(tmp_path: Path) -> None:
    result = _rlhf(tmp_path, "--show-completion", "tcsh")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "unknown shell 'tcsh'" in result.stderr and "bash, zsh, fish" in result.stderr


def test_without_a_shell_the_current_one_is_still_detected(tmp_path: Path) -> None:
    result = _rlhf(tmp_path, "--show-completion")
    assert result.returncode == 0, result.stderr
    assert (
        any(marker in result.stdout for marker, _ in SCRIPTS.values()) or "Register-ArgumentCompleter" in result.stdout
    )

"""Completion output read by real shells: a catalogue value never leaves its word, and never runs.

Each shell's completion script (Typer's, as `rlhf --install-completion` installs it) consumes the
output of `rlhf` in its own way; these tests consume it the same way in a real shell process:
- zsh: `eval $(rlhf)`, and `_arguments` then evals its `((...))` list (`eval ws\\=\\( ... \\)`,
  line 425 of zsh's _arguments); a stand-in `_arguments` repeats that eval and prints `ws`;
- bash: `COMPREPLY=( $(rlhf) )` with IFS set to a new line, and each word is what readline
  inserts, so it must read back as one shell word meaning the value;
- fish: `(rlhf)` split on new lines.
Both ways of answering are covered: the hot path (a plain command line) and the Typer app (a
line with a quoted word, which the hot path leaves to Typer).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .test_entry_point import RLHF, rlhf_env

HOSTILE = [
    "!a\\",
    "!b ) && touch PWNED && ws=( !b",
    "!c\\",
    '"quoted" $(touch PWNED)',
    "`touch PWNED`",
    "it's; touch PWNED",
    "a|touch PWNED",
    "x > PWNED",
    "two\nlines",
    "esc \x1b[31m red",
    "tab\there",
    "star *",
    "colon: value",
    "\u202eevil",
    "-rf",
]
SAFE = ["ppo", "reward model", "强化学习", "rl-hf_v1.2+x/y,z", "Écrit"]


@pytest.fixture
def hostile_catalog(tmp_path: Path) -> Path:
    keywords = ", ".join('"' + k.encode("unicode_escape").decode().replace('"', '\\"') + '"' for k in HOSTILE + SAFE)
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "papers.toml").write_text(
        '[[paper]]\nid = "hostile-paper"\ntitle = "A Hostile Paper"\nyear = 2020\n'
        f'url = "https://example.org/p"\nkeywords = [{keywords}]\nsources = [{{ name = "test" }}]\n',
        encoding="utf-8",
    )
    return folder


def _completion(tmp_path: Path, catalog: Path, shell: str, line: str) -> str:
    env = rlhf_env(tmp_path, RLHF_CATALOG=str(catalog), RLHF_NO_BUNDLED="1", _RLHF_COMPLETE=f"complete_{shell}")
    if shell == "bash":
        words = line.split(" ")
        env |= {"COMP_WORDS": "\n".join(words), "COMP_CWORD": str(len(words) - 1)}
    else:
        env |= {"_TYPER_COMPLETE_ARGS": line, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    done = subprocess.run([RLHF], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


ZSH_CONSUMER = r"""
_files() { print -r -- '<files>' }
_arguments() {
  local action=${1#\*: :}
  local -a ws
  eval ws\=\( "${action[3,-3]}" \)
  print -rl -- $ws
}
eval $(cat completion.out)
"""
BASH_CONSUMER = r"""
IFS=$'\n'
COMPREPLY=( $(cat completion.out) )
for word in "${COMPREPLY[@]}"; do
  eval "set -- $word"
  [ $# -eq 1 ] || { echo "split: $word"; continue; }
  printf '%s\n' "$1"
done
"""
FISH_CONSUMER = "for word in (cat completion.out); echo $word; end"
CONSUMERS = {"zsh": ["zsh", "-f", "-c", ZSH_CONSUMER], "bash": ["bash", "-c", BASH_CONSUMER]}
CONSUMERS["fish"] = ["fish", "--no-config", "-c", FISH_CONSUMER]


def _read_by_shell(tmp_path: Path, shell: str, output: str) -> list[str]:
    (tmp_path / "completion.out").write_text(output, encoding="utf-8")
    done = subprocess.run(CONSUMERS[shell], capture_output=True, text=True, cwd=tmp_path, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
@pytest.mark.parametrize("line", ["rlhf papers --keyword ", 'rlhf papers "rl" --keyword ', "rlhf codebases -k "])
def test_values_stay_one_word_in_every_shell(shell: str, line: str, hostile_catalog: Path, tmp_path: Path) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (.ci/run installs it with apt-get where it can)")
    words = _read_by_shell(tmp_path, shell, _completion(tmp_path, hostile_catalog, shell, line))
    assert not (tmp_path / "PWNED").exists(), "a completion value ran as shell code"
    assert sorted(words) == sorted(SAFE)


def test_prefix_with_a_space_completes_in_bash(hostile_catalog: Path, tmp_path: Path) -> None:
    output = _completion(tmp_path, hostile_catalog, "bash", "rlhf papers --keyword rew")
    assert output == "reward\\ model\n"


def _formatted(values: list[str], shell: str) -> str:
    """What the hot path prints for `values` (tests/test_hotpath.py holds Typer's output to the same)."""
    from rlhf_cli.hotpath import _zsh_escape
    from rlhf_cli.query.completion import shell_word

    words = [shell_word(value, shell) for value in values]
    if shell == "zsh":
        return "_arguments '*: :((" + "\n".join(f'"{_zsh_escape(word)}"' for word in words) + "))'\n"
    return "\n".join(words) + "\n"


@pytest.mark.parametrize("shell", ["zsh", "bash", "fish"])
def test_any_completable_value_round_trips_as_one_word(shell: str, tmp_path: Path) -> None:
    """Property: every value `completable` lets through reads back from the real shell as itself."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from rlhf_cli.query.completion import completable

    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (.ci/run installs it with apt-get where it can)")
    batches: list[list[str]] = []

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=30))
    def collect(values: list[str]) -> None:
        batches.append(sorted({value for value in values if completable(value)}))

    collect()
    alphabet = "".join(chr(c) for c in range(32, 127)) + "é强\u00a0\u2028"
    import random

    rng = random.Random(15)
    batches.append(sorted({v for v in ("".join(rng.choices(alphabet, k=8)) for _ in range(3000)) if completable(v)}))
    values = sorted({value for batch in batches for value in batch})
    assert len(values) > 50, "the generators should reach many completable values"
    assert _read_by_shell(tmp_path, shell, _formatted(values, shell)) == values

"""Fuzz completion output: any catalogue values, through every shell's completion, stay one word each.

    python fuzz/fuzz_completion.py -max_total_time=60

Each input is split on NUL into values; those `completion.completable` lets through are printed
as the hot path prints them for zsh, bash and fish, and read back by the real shell the way its
completion script reads them (tests/test_completion_shells.py). Anything but the same values back
(or a shell command having run) is a crash. Needs zsh, bash and fish on PATH.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from rlhf_cli.query.completion import completable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.test_completion_shells import _formatted, _read_by_shell

FOLDER = Path(tempfile.mkdtemp(prefix="rlhf-fuzz-completion-"))


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    values = sorted({value for value in text.split("\0") if completable(value)})
    if not values:
        return
    for shell in ("zsh", "bash", "fish"):
        assert _read_by_shell(FOLDER, shell, _formatted(values, shell)) == values, shell
    assert not [path for path in FOLDER.iterdir() if path.name != "completion.out"], "a value ran as shell code"


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""Fuzz the catalogue loader: any bytes as a catalogue file must give problems, never a crash.

    python fuzz/fuzz_loader.py -max_total_time=60 /tmp/rlhf-corpus-loader fuzz/corpus/loader

A crash is any exception other than the loader's own CatalogError; it is saved by libFuzzer as
crash-* and should become a test in tests/test_robustness.py.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from rlhf_cli.errors import CatalogError
    from rlhf_cli.loading.loader import check, load

FOLDER = Path(tempfile.mkdtemp(prefix="rlhf-fuzz-"))
FILE = FOLDER / "fuzz.toml"


def test_one_input(data: bytes) -> None:
    FILE.write_bytes(data)
    problems = check([FILE])
    try:
        load([FILE])
    except CatalogError as error:
        assert error.problems, "CatalogError without problems"
        return
    assert not problems, "load() accepted what check() rejected"


def main() -> None:
    import os

    # A file where the cache folder would be: stores cannot be written, so thousands of valid
    # inputs do not fill the disk, and every load is a cold one.
    os.environ["RLHF_CACHE_DIR"] = str(FILE)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

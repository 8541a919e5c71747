"""The wheel carries the catalogue, so `pip install .` gives a working tool."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_the_catalogue(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"rlhf_cli/catalog/{path.name}" for path in (ROOT / "catalog").glob("*.toml")}
    assert expected and expected <= names
    assert {"rlhf_cli/cli/__init__.py", "rlhf_cli/cli/listings.py", "rlhf_cli/main.py"} <= names

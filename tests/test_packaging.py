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


def test_wheel_metadata_licences_and_typing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    wheel = zipfile.ZipFile(next(tmp_path.glob("*.whl")))
    names = set(wheel.namelist())
    assert {"rlhf_cli/py.typed", "rlhf_cli/output/site/index.html", "rlhf_cli/output/site/site.js"} <= names
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    fields = [line.split(": ", 1) for line in metadata.splitlines() if ": " in line]
    licence_files = {value for key, value in fields if key == "License-File"}
    listed = {f"catalog/{path.name}" for path in (ROOT / "catalog").glob("LICENSE-*")}
    assert listed and {"LICENSE", "catalog/NOTICE.md", *listed} <= licence_files
    for name in licence_files:
        assert any(n.endswith(f".dist-info/licenses/{name}") for n in names), name
    classifiers = {value for key, value in fields if key == "Classifier"}
    assert {"Typing :: Typed", "Environment :: Console", "Programming Language :: Python :: 3.11"} <= classifiers
    assert any(key == "Project-URL" for key, _ in fields)
    assert ("License-Expression", "Apache-2.0") in [tuple(field) for field in fields]
    assert ("Provides-Extra", "mcp") in [tuple(field) for field in fields]

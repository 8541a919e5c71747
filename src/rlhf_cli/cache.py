"""A cache of catalogue files that have already passed validation.

The key covers the tool's version, the code that defines validity and the path and bytes of every
catalogue file, so any edit (or a changed set of files) misses the cache and is validated afresh.
The cache holds JSON, never pickle, in the user's own cache folder, and is written atomically.
Any failure to read or write it is silent: the cache only ever saves time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from . import __version__

CACHE_DIR_ENV = "RLHF_CACHE_DIR"
_FORMAT = 1
# Changes to these files can change what counts as valid, so they are part of the key.
_SCHEMA_FILES = ("models.py", "validation.py")


def cache_dir() -> Path:
    """The folder for cached data: $RLHF_CACHE_DIR, else $XDG_CACHE_HOME/rlhf, else ~/.cache/rlhf."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rlhf"


def key_for(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256(f"rlhf {__version__} cache {_FORMAT}\0".encode())
    here = Path(__file__).parent
    for name in _SCHEMA_FILES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    for path, content in files:
        digest.update(f"\0{path}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def read(key: str) -> list[tuple[str, dict[str, Any]]] | None:
    """The validated documents stored under `key`, or None when absent, stale or unreadable."""
    try:
        with open(cache_dir() / "catalog.json", encoding="utf-8") as handle:
            stored = json.load(handle)
        if stored.get("key") != key:
            return None
        return [(path, data) for path, data in stored["files"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write(key: str, files: list[tuple[str, dict[str, Any]]]) -> None:
    """Store validated documents under `key`; a failure leaves any previous cache intact."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".catalog-", suffix=".json", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({"key": key, "files": files}, stream, ensure_ascii=False)
            os.replace(temporary, folder / "catalog.json")
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, TypeError, ValueError):
        pass

"""The whole catalogue as a SQLite database (for Datasette or any SQL client).

The export is a copy of the catalogue's store (store.py, schema.py): one schema, documented in
docs/schema.md, for the cache and the export, with its full-text table (`search_fts`) for which
Datasette shows a search box. The file is written under a temporary name and renamed into
place, so an interrupted export never leaves a half-written database where the old one was.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import replace_file

if TYPE_CHECKING:
    from ..loading.view import CatalogueView

# Settings of the cache's own use that mean nothing away from this machine's files.
_CACHE_ONLY_META = ("stat",)


def export(view: CatalogueView, destination: Path) -> None:
    """Write the catalogue of `view` to `destination`, a checked path (atomic.writable_destination)."""

    def write(temporary: Path) -> None:
        target = sqlite3.connect(temporary)
        try:
            view.copy_to(target)
            marks = ", ".join("?" * len(_CACHE_ONLY_META))
            target.execute(f"DELETE FROM meta WHERE name IN ({marks})", _CACHE_ONLY_META)
            target.commit()
        finally:
            target.close()

    replace_file(destination, write)


def looks_like_sqlite(head: bytes) -> bool:
    return head.startswith(b"SQLite format 3\x00")

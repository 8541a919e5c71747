"""The whole catalogue as a relational SQLite database (for Datasette or any SQL client).

The file is written under a temporary name and renamed into place, so an interrupted export
never leaves a half-written database where the old one was. Values go in as parameters only.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .atomic import replace_file
from .catalog import Catalogue
from .models import Codebase, Paper

SCHEMA = """
CREATE TABLE entries (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, url TEXT, year INTEGER,
    short_name TEXT, arxiv TEXT, publisher TEXT, language TEXT, form TEXT, category TEXT,
    name_zh TEXT, summary TEXT, summary_zh TEXT, notes TEXT
);
CREATE TABLE authors (entry_id TEXT NOT NULL REFERENCES entries(id), position INTEGER NOT NULL,
    name TEXT NOT NULL, is_organisation INTEGER NOT NULL);
CREATE TABLE aliases (entry_id TEXT NOT NULL REFERENCES entries(id), alias TEXT NOT NULL);
CREATE TABLE keywords (entry_id TEXT NOT NULL REFERENCES entries(id), keyword TEXT NOT NULL);
CREATE TABLE tasks (entry_id TEXT NOT NULL REFERENCES entries(id), task TEXT NOT NULL);
CREATE TABLE links (source_id TEXT NOT NULL REFERENCES entries(id), target_id TEXT NOT NULL REFERENCES entries(id),
    relation TEXT NOT NULL);
CREATE TABLE code (entry_id TEXT NOT NULL REFERENCES entries(id), url TEXT NOT NULL, official INTEGER NOT NULL);
CREATE TABLE sources (entry_id TEXT NOT NULL REFERENCES entries(id), list TEXT NOT NULL, line INTEGER);
CREATE INDEX links_target ON links(target_id);
CREATE INDEX keywords_keyword ON keywords(keyword);
"""


def export(catalogue: Catalogue, destination: Path) -> None:
    """Write the catalogue to `destination`, a checked path (atomic.writable_destination)."""

    def write(temporary: Path) -> None:
        with sqlite3.connect(temporary) as connection:
            connection.executescript(SCHEMA)
            _fill(connection, catalogue)
        connection.close()

    replace_file(destination, write)


def looks_like_sqlite(head: bytes) -> bool:
    return head.startswith(b"SQLite format 3\x00")


def _fill(connection: sqlite3.Connection, catalogue: Catalogue) -> None:
    for entry in catalogue.entries:
        row = {
            "id": entry.id,
            "kind": entry.KIND,
            "title": entry.display_name,
            "url": getattr(entry, "url", None),
            "year": getattr(entry, "year", None),
            "short_name": getattr(entry, "short_name", None),
            "arxiv": getattr(entry, "arxiv", None),
            "publisher": getattr(entry, "publisher", None),
            "language": getattr(entry, "language", None),
            "form": getattr(entry, "form", None),
            "category": getattr(entry, "category", None),
            "name_zh": getattr(entry, "name_zh", None),
            "summary": getattr(entry, "summary", None) or getattr(entry, "summary_en", None),
            "summary_zh": getattr(entry, "summary_zh", None),
            "notes": entry.notes,
        }
        connection.execute(
            f"INSERT INTO entries ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values())
        )
        authors = [(name, 0) for name in getattr(entry, "authors", [])]
        organisation: str | None = getattr(entry, "authors_org", None)
        if organisation:
            authors.append((organisation, 1))
        connection.executemany(
            "INSERT INTO authors VALUES (?, ?, ?, ?)",
            [(entry.id, position, name, is_org) for position, (name, is_org) in enumerate(authors)],
        )
        connection.executemany(
            "INSERT INTO aliases VALUES (?, ?)", [(entry.id, a) for a in getattr(entry, "aliases", [])]
        )
        connection.executemany(
            "INSERT INTO keywords VALUES (?, ?)", [(entry.id, k) for k in getattr(entry, "keywords", [])]
        )
        connection.executemany("INSERT INTO tasks VALUES (?, ?)", [(entry.id, t) for t in getattr(entry, "tasks", [])])
        connection.executemany(
            "INSERT INTO sources VALUES (?, ?, ?)", [(entry.id, s.name, s.line) for s in entry.sources]
        )
        if isinstance(entry, Paper):
            connection.executemany(
                "INSERT INTO code VALUES (?, ?, ?)", [(entry.id, link.url, int(link.official)) for link in entry.code]
            )
        links: list[tuple[str, str, str]] = []
        if isinstance(entry, Paper | Codebase):
            links += [(entry.id, d, "uses_dataset") for d in entry.datasets]
            links += [(entry.id, e, "uses_environment") for e in entry.envs]
        if isinstance(entry, Codebase):
            links += [(entry.id, p, "implements") for p in entry.papers]
        connection.executemany("INSERT INTO links VALUES (?, ?, ?)", links)

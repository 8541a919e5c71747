"""The tables of a catalogue store, and how a validated catalogue fills them (docs/schema.md).

Each entry's row keeps its validated TOML table as JSON (`entries.data`): the models rebuild an
entry from it, so a new field flows through without a new column. The other tables exist for
what commands filter, join and sort on.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..catalogue.catalog import Catalogue
from ..catalogue.identifiers import normal_url
from ..catalogue.models import Codebase, Dataset, Entry, Paper

if TYPE_CHECKING:
    from ..query.search import SearchIndex

SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (position INTEGER PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL);
CREATE TABLE pieces (file INTEGER NOT NULL, piece INTEGER NOT NULL, text_digest TEXT NOT NULL,
    content_digest TEXT NOT NULL, PRIMARY KEY (file, piece));
CREATE TABLE entries (
    position INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    year INTEGER,
    url TEXT,
    url_key TEXT,
    has_code INTEGER NOT NULL,
    used_by INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE names (name TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE lookup_keys (key TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE terms (position INTEGER NOT NULL, field TEXT NOT NULL, rank INTEGER NOT NULL, text TEXT NOT NULL,
    folded TEXT NOT NULL);
CREATE TABLE links (source INTEGER NOT NULL, relation TEXT NOT NULL, rank INTEGER NOT NULL, target INTEGER NOT NULL);
CREATE TABLE method_links (source INTEGER NOT NULL, method INTEGER NOT NULL, relation TEXT NOT NULL,
    via TEXT NOT NULL, origin TEXT NOT NULL, rank INTEGER NOT NULL);
CREATE TABLE code (position INTEGER NOT NULL, rank INTEGER NOT NULL, url TEXT NOT NULL, url_key TEXT NOT NULL,
    official INTEGER NOT NULL);
CREATE TABLE search_segments (segment INTEGER PRIMARY KEY, start INTEGER NOT NULL, entries INTEGER NOT NULL);
CREATE TABLE search_index (segment INTEGER NOT NULL, part TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (segment, part));
CREATE VIRTUAL TABLE search_fts USING fts5 (id UNINDEXED, title, texts);
"""
# Made once the rows are in: sorting them in one go is faster than growing each index row by row.
INDEXES = """
CREATE INDEX entries_kind ON entries (kind, year);
CREATE INDEX entries_url ON entries (url_key) WHERE url_key IS NOT NULL;
CREATE INDEX names_name ON names (name, position);
CREATE INDEX lookup_keys_key ON lookup_keys (key, position);
CREATE INDEX terms_field ON terms (field, folded);
CREATE INDEX links_source ON links (source, relation);
CREATE INDEX links_target ON links (target, relation);
CREATE INDEX code_url ON code (url_key);
CREATE INDEX method_links_method ON method_links (method, source);
CREATE INDEX method_links_source ON method_links (source);
"""

# The search index's parts (search.SearchIndex), kept as blobs: lists of texts one a line, and
# arrays of unsigned ints in the machine's byte order (part of the store's key).
INDEX_LISTS = ("texts", "words", "entry_titles")
INDEX_ARRAYS = {
    "text_ref_offsets": "I",
    "text_refs": "I",
    "word_text_offsets": "I",
    "word_texts": "I",
    "entry_kinds": "B",
    "entry_field_counts": "B",
    "entry_links": "H",
}
# What the `terms` table holds, by field: the texts that the query language's title:, author:,
# keyword: and source: terms look in, and that `related` compares.
TERM_FIELDS = ("title", "author", "org", "lab", "keyword", "task", "source", "venue")

# The search index is kept in segments of this many consecutive entries, so that a search of a
# big catalogue reads (and holds) one segment at a time.
SEGMENT_ENTRIES = 10_000

# TOML tables are trees: no need to look for cycles while encoding them.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


class _Segment:
    """Consecutive entries of a catalogue, with the names of what they link to anywhere in it."""

    def __init__(self, catalogue: Catalogue, entries: list[Entry]) -> None:
        self.entries = entries
        self.datasets_of = catalogue.datasets_of
        self.envs_of = catalogue.envs_of
        # How connected each entry is counts in ranking (search.py: links to and from it).
        self.users_count = catalogue.users_count
        self.implementations_of = catalogue.implementations_of
        # A paper is found by the names of the methods it introduces (search.py).
        self.method_names = catalogue.method_names


def fill(
    connection: sqlite3.Connection,
    meta: dict[str, str],
    files: list[tuple[str, int]],
    catalogue: Catalogue,
    tables: Iterable[str],
    pieces: Iterable[tuple[int, int, str, str]] = (),
) -> None:
    """Write a validated catalogue (its entries, each TOML table as JSON: `encode_table`) into an empty store.

    `tables` (in the entries' order) is read once; `loader` keeps it on disk, not in memory.
    """
    from ..version import __version__

    connection.executescript(SCHEMA)
    connection.executemany(
        "INSERT INTO files VALUES (?, ?, ?)", ((n, path, size) for n, (path, size) in enumerate(files))
    )
    connection.executemany("INSERT INTO pieces VALUES (?, ?, ?, ?)", pieces)
    entries = catalogue.entries
    position_of = {entry.id: position for position, entry in enumerate(entries)}
    # The rows derived from the entries are made for the later segments by a helper process
    # (forked: it shares the catalogue, unpickled) while this one writes the rest.
    split = _split(len(entries))
    helper = _Helper(catalogue, position_of, split) if split < len(entries) else None
    try:
        connection.executemany(
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _entry_row(position, entry, table, catalogue)
                for position, (entry, table) in enumerate(zip(entries, tables, strict=True))
            ),
        )
        connection.executemany(
            "INSERT INTO method_links VALUES (?, ?, ?, ?, ?, ?)",
            (
                (position_of[link.entry_id], position_of[link.method_id], link.relation, link.via, link.origin, rank)
                for rank, link in enumerate(catalogue.method_links())
            ),
        )
        write_derived(connection, catalogue, position_of, 0, split)
        _write_fts(connection, 0, split)  # while the helper is still at work
        if helper is not None:
            helper.merge_into(connection)
    finally:
        if helper is not None:
            helper.close()
    _write_fts(connection, split, len(entries))
    connection.executescript(INDEXES)
    settings = {**meta, "version": __version__, "entries": str(len(entries))}
    connection.executemany("INSERT INTO meta VALUES (?, ?)", settings.items())
    connection.execute(f"PRAGMA user_version = {_schema_version()}")


# Tables whose rows `write_derived` makes, in the order they are written.
DERIVED_TABLES = ("names", "lookup_keys", "terms", "links", "code", "search_index", "search_segments")
# A catalogue of at least this many entries is built by two processes (`_Helper`), where there
# are two cores to run them; the helper makes the derived rows of the later segments, this
# share of them (half: this process writes the entries' own rows first).
PARALLEL_ENTRIES = 2 * SEGMENT_ENTRIES
HELPER_SHARE = 0.5


def _split(count: int) -> int:
    """The first position whose derived rows a helper process makes (`count` if none: too few
    entries, one core, or no fork); a segment's first, so that each process makes whole ones."""
    from .forked import usable_cores

    if count < PARALLEL_ENTRIES or usable_cores() < 2:
        return count
    segments = -(-count // SEGMENT_ENTRIES)
    return max(1, round(segments * (1 - HELPER_SHARE))) * SEGMENT_ENTRIES


def write_derived(
    connection: sqlite3.Connection, catalogue: Catalogue, position_of: dict[str, int], start: int, stop: int
) -> None:
    """The rows of DERIVED_TABLES for the entries at positions `start` to `stop` (the ends of segments)."""
    from ..query.search import SearchIndex

    entries = catalogue.entries[start:stop]
    connection.executemany("INSERT INTO names VALUES (?, ?)", _name_rows(entries, start))
    connection.executemany("INSERT INTO lookup_keys VALUES (?, ?)", _key_rows(entries, start))
    connection.executemany("INSERT INTO terms VALUES (?, ?, ?, ?, ?)", _term_rows(entries, start))
    connection.executemany("INSERT INTO links VALUES (?, ?, ?, ?)", _link_rows(catalogue, position_of, start, stop))
    connection.executemany("INSERT INTO code VALUES (?, ?, ?, ?, ?)", _code_rows(entries, start))
    for first in range(start, stop, SEGMENT_ENTRIES):
        segment = first // SEGMENT_ENTRIES
        part = _Segment(catalogue, catalogue.entries[first : min(first + SEGMENT_ENTRIES, stop)])
        index = SearchIndex.build(part)
        connection.executemany("INSERT INTO search_index VALUES (?, ?, ?)", segment_rows(segment, index))
        connection.execute("INSERT INTO search_segments VALUES (?, ?, ?)", (segment, first, len(part.entries)))


def segment_rows(segment: int, index: SearchIndex) -> list[tuple[int, str, bytes]]:
    """The rows of `search_index` that keep one segment's index (its parts: INDEX_LISTS, INDEX_ARRAYS)."""
    rows: list[tuple[int, str, bytes]] = [
        (segment, name, "\n".join(_one_line(item) for item in getattr(index, name)).encode("utf-8"))
        for name in INDEX_LISTS
    ]
    rows += [(segment, name, array(code, getattr(index, name)).tobytes()) for name, code in INDEX_ARRAYS.items()]
    return rows


class _Helper:
    """The derived rows of the entries from `start` on, made by a forked process
    (forked.Helper) in a scratch database that `merge_into` copies into the store. Without a
    helper (none could be had, or it failed) the rows are made here instead: the helper only
    ever saves time."""

    def __init__(self, catalogue: Catalogue, position_of: dict[str, int], start: int) -> None:
        import os
        import tempfile

        from . import forked

        self._catalogue, self._position_of, self._start = catalogue, position_of, start
        self._helper: forked.Helper | None = None
        try:
            handle, self._path = tempfile.mkstemp(prefix="rlhf-derived-", suffix=".sqlite")
        except OSError:  # no temporary file: no helper
            self._path = ""
            return
        os.close(handle)
        self._helper = forked.start(self._write_scratch)

    def _write_scratch(self) -> tuple[()]:
        """In the helper: the rows, written to the scratch database (nothing to hand back)."""
        scratch = sqlite3.connect(self._path)
        scratch.execute("PRAGMA journal_mode = OFF")
        scratch.execute("PRAGMA synchronous = OFF")
        scratch.executescript(SCHEMA)
        write_derived(scratch, self._catalogue, self._position_of, self._start, len(self._catalogue.entries))
        scratch.commit()
        scratch.close()
        return ()

    def merge_into(self, connection: sqlite3.Connection) -> None:
        made = None if self._helper is None else self._helper.results()
        if made is None:
            write_derived(connection, self._catalogue, self._position_of, self._start, len(self._catalogue.entries))
            return
        for _ in made:  # nothing: reading to the end closes the helper's file
            pass
        connection.commit()  # ATTACH is refused inside a transaction
        connection.execute("ATTACH DATABASE ? AS helper", (self._path,))
        for table in DERIVED_TABLES:
            connection.execute(f"INSERT INTO main.{table} SELECT * FROM helper.{table}")
        connection.commit()
        connection.execute("DETACH DATABASE helper")

    def close(self) -> None:
        import contextlib
        import os

        if self._helper is not None:
            self._helper.close()
        if self._path:
            with contextlib.suppress(OSError):
                os.unlink(self._path)


def _write_fts(connection: sqlite3.Connection, start: int, stop: int) -> None:
    """The full-text search rows (for Datasette or any SQLite client; rlhf ranks with
    search_index) of the entries at positions `start` to `stop`, from their `terms` rows: each
    entry's names, authors, keywords, tasks and sources, one a line."""
    connection.execute(
        "INSERT INTO search_fts (rowid, id, title, texts) SELECT position, id, title, texts FROM entries"
        " LEFT JOIN (SELECT position, group_concat(text, char(10)) AS texts FROM terms"
        " WHERE position >= ?1 AND position < ?2 GROUP BY position) USING (position)"
        " WHERE position >= ?1 AND position < ?2",
        (start, stop),
    )


def _schema_version() -> int:
    from .store import SCHEMA_VERSION

    return SCHEMA_VERSION


def _entry_row(position: int, entry: Entry, table: str, catalogue: Catalogue) -> tuple[Any, ...]:
    url = entry.url
    return (
        position,
        entry.id,
        entry.KIND,
        entry.display_name,
        entry.display_name.casefold(),
        entry.year,
        url,
        normal_url(url) if url else None,
        int(entry.has_code),
        catalogue.users_count(entry),
        table,
    )


def encode_table(table: dict[str, Any]) -> str:
    """An entry's TOML table as `entries.data` keeps it."""
    return _ENCODER.encode(table)


def _name_rows(entries: list[Entry], start: int) -> Iterator[tuple[str, int]]:
    for position, entry in enumerate(entries, start):
        for name in dict.fromkeys(name.casefold() for name in entry.names):
            yield name, position


def _key_rows(entries: list[Entry], start: int) -> Iterator[tuple[str, int]]:
    from ..catalogue.catalog import lookup_keys

    for position, entry in enumerate(entries, start):
        for key in sorted(lookup_keys(entry)):
            yield key, position


def labs_of(entry: Entry) -> list[str]:
    """The accounts owning an entry's official code (a paper's, or a codebase's own link): where a
    list gives the lab's own repository as the code, that names the lab (`author:anthropic`)."""
    from ..catalogue.identifiers import code_owner

    urls = [link.url for link in entry.code if link.official]
    if entry.KIND == "codebase" and entry.url:
        urls.append(entry.url)
    return list(dict.fromkeys(owner for owner in map(code_owner, urls) if owner))


def term_texts(entry: Entry) -> Iterator[tuple[str, str]]:
    """(field, text) of every text in TERM_FIELDS, in the order the entry gives them."""
    for name in entry.names:
        if name != entry.id:
            yield "title", name
    for author in entry.authors:
        yield "author", author
    if entry.authors_org:
        yield "org", entry.authors_org
    for lab in labs_of(entry):
        yield "lab", lab
    for word in entry.keywords:
        yield "keyword", word
    for word in entry.tasks:
        yield "task", word
    for source in entry.sources:
        yield "source", source.name
    if entry.venue:
        yield "venue", entry.venue


def _term_rows(entries: list[Entry], start: int) -> Iterator[tuple[int, str, int, str, str]]:
    for position, entry in enumerate(entries, start):
        for rank, (field, text) in enumerate(term_texts(entry)):
            yield position, field, rank, text, text.casefold()


def _link_rows(
    catalogue: Catalogue, position_of: dict[str, int], start: int, stop: int
) -> Iterator[tuple[int, str, int, int]]:
    for position, entry in enumerate(catalogue.entries[start:stop], start):
        for rank, dataset in enumerate(catalogue.datasets_of(entry)):
            yield position, "dataset", rank, position_of[dataset.id]
        for rank, environment in enumerate(catalogue.envs_of(entry)):
            yield position, "env", rank, position_of[environment.id]
        if isinstance(entry, Codebase):
            for rank, paper in enumerate(catalogue.papers_of(entry)):
                yield position, "implements", rank, position_of[paper.id]
        if isinstance(entry, Paper):
            for rank, target in enumerate(catalogue.code_targets(entry)):
                yield position, "code", rank, position_of[target.id]
            # It uses a dataset or environment whose repository is its code (Catalogue.used_through_code).
            for rank, target in enumerate(catalogue.used_through_code(entry)):
                relation = "dataset-by-code" if isinstance(target, Dataset) else "env-by-code"
                yield position, relation, rank, position_of[target.id]


def _code_rows(entries: list[Entry], start: int) -> Iterator[tuple[int, int, str, str, int]]:
    for position, entry in enumerate(entries, start):
        for rank, link in enumerate(entry.code):
            yield position, rank, link.url, normal_url(link.url), int(link.official)


def _one_line(text: str) -> str:
    """Lists are kept one item a line; titles (only used to order ties) lose any line breaks."""
    return text.replace("\r", " ").replace("\n", " ")


def index_parts(rows: Iterable[tuple[str, bytes]]) -> dict[str, Any]:
    """The keyword arguments of search.SearchIndex, from the rows of `search_index`."""
    parts: dict[str, Any] = {}
    for name, data in rows:
        if name in INDEX_ARRAYS:
            values = array(INDEX_ARRAYS[name])
            values.frombytes(data)
            parts[name] = values
        elif name in INDEX_LISTS:
            text = data.decode("utf-8")
            parts[name] = text.split("\n") if text else []
    return parts

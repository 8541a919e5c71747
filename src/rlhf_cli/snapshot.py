"""A validated catalogue as the commands use it: entries, JSON records and a search index.

Each part is made on first use, from a store on disk (warm) or from the entries just validated
(cold), so a search never builds the entries and a listing never loads the search index.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .catalog import Catalogue
from .errors import Problem
from .models import TYPE_BY_TABLE, Codebase, Dataset, Entry, Environment, Paper, entry_from_table, well_typed
from .store import StoreError, StoreReader

if TYPE_CHECKING:
    from .search import SearchIndex, SegmentedIndex


# Up to this many entries, a search keeps the segments it has read, for the next search of the
# same run (a query with several terms); beyond, it holds one segment at a time, to bound memory.
_KEEP_SEGMENTS = 20_000


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that live to the end.

    Loading allocates hundreds of thousands of objects and no cycles; collections triggered
    along the way would scan them again and again, for about half of the total time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Snapshot:
    def __init__(
        self,
        catalogue: Catalogue | None = None,
        index: SearchIndex | SegmentedIndex | None = None,
        reader: StoreReader | None = None,
        rebuild: Callable[[], Snapshot] | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._index = index
        self._reader = reader
        self._rebuild = rebuild
        self.left_out: list[Problem] = []  # problems of catalogue files left out (tolerant loads)

    @classmethod
    def from_store(cls, reader: StoreReader, rebuild: Callable[[], Snapshot]) -> Snapshot:
        return cls(reader=reader, rebuild=rebuild)

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            try:
                with paused_gc():
                    tables = self._store().tables()
                    self._catalogue = Catalogue(cached_entry(name, table) for name, table in tables)
            except (StoreError, KeyError, TypeError, ValueError, AttributeError):
                self._use_fresh()
        assert self._catalogue is not None
        return self._catalogue

    @property
    def index(self) -> SearchIndex | SegmentedIndex:
        from .search import SearchIndex, SegmentedIndex

        if self._index is None:
            if self._reader is not None:
                reader = self._reader

                def load(number: int) -> SearchIndex:
                    with paused_gc():
                        return SearchIndex(**reader.segment(number))

                starts = reader.segment_starts()
                segments = [(start, functools.partial(load, number)) for number, start in enumerate(starts)]
                self._index = SegmentedIndex(segments, reader.meta["entries"] <= _KEEP_SEGMENTS, self._fresh_index)
            if self._index is None:
                self._index = SearchIndex.build(self.catalogue)
        return self._index

    def _fresh_index(self) -> SearchIndex | SegmentedIndex:
        """The index made afresh, for a search that found the store damaged."""
        self._use_fresh()
        self._index = None
        return self.index

    def record(self, position: int) -> dict[str, Any]:
        """The JSON record of the entry at `position` (as `--format json` prints it)."""
        from .records import entry_record

        if self._catalogue is None and self._reader is not None:
            try:
                links = _StoreLinks(self._reader)
                return entry_record(links.entry_at(position), links)
            except StoreError:
                self._use_fresh()
        catalogue = self.catalogue
        return entry_record(catalogue.entries[position], catalogue)

    def _store(self) -> StoreReader:
        if self._reader is None:
            raise StoreError("no store")
        return self._reader

    def _use_fresh(self) -> None:
        """The store turned out damaged: rebuild from the catalogue files and use that instead."""
        if self._rebuild is None:
            raise StoreError("the cached catalogue is damaged and cannot be rebuilt")
        if self._reader is not None:
            self._reader.discard()  # so that the rebuild makes every part afresh
        fresh = self._rebuild()
        self._catalogue, self._index, self._reader, self._rebuild = fresh.catalogue, fresh._index, None, None


def cached_entry(name: str, table: dict[str, Any]) -> Entry:
    """An entry from its table in the cache; a table that is not what validation let through
    (a damaged or forged cache) is a StoreError, so the store is rebuilt from the files."""
    entry_type = TYPE_BY_TABLE[name]
    if not well_typed(entry_type, table):
        raise StoreError(f"a cached {name} table has a value of the wrong type")
    return entry_from_table(entry_type, table)


class _StoreLinks:
    """An entry's neighbours, read from a store one entry at a time, to make its record."""

    def __init__(self, reader: StoreReader) -> None:
        self._reader = reader
        self._entries: dict[int, Entry] = {}

    def entry_at(self, position: int) -> Entry:
        if position not in self._entries:
            try:
                name, table = self._reader.table(position)
                self._entries[position] = cached_entry(name, table)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise StoreError(f"entry {position} cannot be read: {error}") from error
        return self._entries[position]

    def _linked(self, ids: list[str]) -> list[Entry]:
        positions = [self._reader.position_of(entry_id) for entry_id in ids]
        return [self.entry_at(position) for position in positions if position is not None]

    def datasets_of(self, entry: Paper | Codebase) -> list[Dataset]:
        return [linked for linked in self._linked(entry.datasets) if isinstance(linked, Dataset)]

    def envs_of(self, entry: Paper | Codebase) -> list[Environment]:
        return [linked for linked in self._linked(entry.envs) if isinstance(linked, Environment)]

    def users_count(self, entry: Entry) -> int:
        position = self._reader.position_of(entry.id)
        return 0 if position is None else self._reader.used_by(position)

"""A validated catalogue as the commands read it: queries on its store, entries built on demand.

A `CatalogueView` answers what `Catalogue` answers (find an entry by name, the links between
entries in both directions), but from the store's tables, building only the entries a command
prints. Problems of catalogue files a tolerant load left out travel with it (`problems`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..catalogue.models import (
    TYPE_BY_TABLE,
    Codebase,
    Dataset,
    Entry,
    Environment,
    Kind,
    Method,
    Paper,
    entry_from_table,
    only,
    well_typed,
)
from ..errors import Problem

if TYPE_CHECKING:
    from ..catalogue.catalog import Catalogue
    from ..catalogue.methods import MethodLink
    from ..query.search import SearchIndex, SegmentedIndex

# SQLite's limit on the parameters of one statement is 32766 from 3.32 on; stay well below.
_CHUNK = 900
# Up to this many entries, a search keeps the segments of the index it has read (see index()).
_KEEP_SEGMENTS = 20_000


class CatalogueView:
    """The catalogue of one store. `rebuild` makes the store afresh (it was found damaged)."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        rebuild: Callable[[], sqlite3.Connection] | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        self._connection = connection
        self._rebuild = rebuild
        self.problems: list[Problem] = problems or []  # of files left out (tolerant loads)
        self.cache_warning: str | None = None  # why the cache was not used, when it was unsafe
        self._entries: dict[int, Entry] = {}
        self._positions: dict[str, int] = {}
        self._used_by: dict[int, int] = {}
        self._temporary: dict[str, list[int]] = {}
        self._index: SegmentedIndex | None = None

    # -- reading rows --------------------------------------------------------------------------

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """The rows of a query; a store found damaged is rebuilt once and the query run again."""
        try:
            return self._connection.execute(sql, parameters).fetchall()
        except sqlite3.DatabaseError as error:
            self._reconnect(error)
        return self._connection.execute(sql, parameters).fetchall()

    def _reconnect(self, error: sqlite3.DatabaseError) -> None:
        """Use a store made afresh (with this run's temporary tables); `error` if there is none."""
        if self._rebuild is None:
            raise error
        self._connection = self._rebuild()
        self._rebuild = None
        for name, positions in self._temporary.items():
            self._make_temporary(name, positions)

    def value(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        found = self.rows(sql, parameters)
        return found[0][0] if found else None

    def position_table(self, positions: Iterable[int]) -> str:
        """The name of a temporary table holding these entry positions (for `IN (SELECT ...)`)."""
        name = f"temp.positions_{len(self._temporary)}"
        listed = sorted(set(positions))
        self._temporary[name] = listed
        try:
            self._make_temporary(name, listed)
        except sqlite3.DatabaseError as error:
            self._reconnect(error)  # which makes this table too
        return name

    def _make_temporary(self, name: str, positions: list[int]) -> None:
        self._connection.execute(f"CREATE TABLE IF NOT EXISTS {name} (position INTEGER PRIMARY KEY)")
        self._connection.executemany(f"INSERT OR IGNORE INTO {name} VALUES (?)", ((p,) for p in positions))

    # -- entries -------------------------------------------------------------------------------

    def entries_at(self, positions: Sequence[int]) -> list[Entry]:
        """The entries at these positions, in the order given."""
        missing = [position for position in dict.fromkeys(positions) if position not in self._entries]
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT position, kind, data, used_by FROM entries WHERE position IN ({marks})"
            try:
                self._keep(self.rows(sql, chunk))
            except sqlite3.DatabaseError as error:  # a row that validation would not have let through
                self._reconnect(error)
                self._keep(self.rows(sql, chunk))
        return [self._entries[position] for position in positions]

    def entries_where(
        self, condition: str = "1", parameters: Sequence[Any] = (), order: str = "position"
    ) -> list[Entry]:
        """The entries that meet an SQL condition on `entries`, in an SQL order."""
        sql = f"SELECT position, kind, data, used_by FROM entries WHERE {condition} ORDER BY {order}"
        found = self.rows(sql, parameters)
        try:
            self._keep(row for row in found if row[0] not in self._entries)
        except sqlite3.DatabaseError as error:  # a row that validation would not have let through
            self._reconnect(error)
            found = self.rows(sql, parameters)
            self._keep(row for row in found if row[0] not in self._entries)
        return [self._entries[row[0]] for row in found]

    def positions_where(
        self, condition: str = "1", parameters: Sequence[Any] = (), order: str = "position"
    ) -> list[int]:
        return [
            row[0] for row in self.rows(f"SELECT position FROM entries WHERE {condition} ORDER BY {order}", parameters)
        ]

    def _keep(self, found: Iterable[tuple[int, str, str, int]]) -> None:
        for position, kind, data, used_by in found:
            entry = _entry(kind, data)
            self._entries[position] = entry
            self._positions[entry.id] = position
            self._used_by[position] = used_by

    def position(self, entry: Entry) -> int:
        """The catalogue position of an entry this view built."""
        return self._positions[entry.id]

    def all_entries(self) -> list[Entry]:
        return self.entries_where()

    def copy_to(self, target: sqlite3.Connection) -> None:
        """Copy the whole store, page by page, into `target` (an export: export_sqlite.py)."""
        try:
            self._connection.backup(target)
        except sqlite3.DatabaseError as error:
            self._reconnect(error)
            self._connection.backup(target)

    def catalogue(self) -> Catalogue:
        """Every entry, as an in-memory `Catalogue` (for the commands that need them all)."""
        from ..catalogue.catalog import Catalogue

        return Catalogue(self.all_entries())

    def _by_ids(self, ids: list[str]) -> list[Entry]:
        missing = [i for i in dict.fromkeys(ids) if i not in self._positions]
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            self.entries_where(f"id IN ({','.join('?' * len(chunk))})", chunk)
        return [self._entries[self._positions[i]] for i in ids if i in self._positions]

    # -- names ---------------------------------------------------------------------------------

    def find(self, name: str, kinds: Iterable[Kind] | None = None) -> Entry | None:
        """The one entry `name` stands for (see `lookup`), if exactly one."""
        found = self.lookup(name, kinds)
        return found[0] if len(found) == 1 else None

    def lookup(self, name: str, kinds: Iterable[Kind] | None = None) -> list[Entry]:
        """The entries `name` may stand for, as `Catalogue.lookup` finds them: the one it names
        exactly (any case), else those of the surest identifier or typed-name key it gives."""
        wanted = None if kinds is None else set(kinds)
        folded = name.strip().casefold()
        # An id wins over another entry's name: `dpo` is the method, though the DPO paper's short name is DPO.
        for sql in ("SELECT position FROM entries WHERE id = ?", "SELECT min(position) FROM names WHERE name = ?"):
            position = self.value(sql, (folded,))
            if position is not None:
                (entry,) = self.entries_at([position])
                if wanted is None or entry.KIND in wanted:
                    return [entry]
        # Only now: a name that is an id or a name as written (most) needs no identifier reading.
        from ..catalogue.identifiers import query_keys

        for key in query_keys(name):
            rows = self.rows("SELECT DISTINCT position FROM lookup_keys WHERE key = ? ORDER BY position", (key,))
            found = [
                entry for entry in self.entries_at([row[0] for row in rows]) if wanted is None or entry.KIND in wanted
            ]
            if found:
                return found
        return []

    def resolve(self, name: str, kinds: Iterable[Kind] | None = None, what: str = "entry") -> Entry:
        """Like `find`, but raise NotFoundError with close names when nothing matches, and
        AmbiguousError listing the candidates when several do."""
        from ..catalogue.catalog import the_one

        wanted = None if kinds is None else tuple(kinds)
        return the_one(self.lookup(name, wanted), name, what, lambda: self.suggest(name, wanted))

    def suggest(self, name: str, kinds: Iterable[Kind] | None = None, limit: int = 3) -> list[str]:
        """Names close to `name` (ids first), for "did you mean" hints."""
        from ..catalogue.catalog import close_names

        wanted = None if kinds is None else sorted(set(kinds))
        condition = "" if wanted is None else f"WHERE e.kind IN ({','.join('?' * len(wanted))})"
        # Each entry's names in `Entry.names` order: its id, then its other names.
        found = self.rows(
            "SELECT e.id, e.id, e.position, -1 FROM entries e "
            + condition
            + " UNION ALL SELECT t.text, e.id, e.position, t.rank FROM terms t JOIN entries e USING (position) "
            + (condition + " AND" if condition else "WHERE")
            + " t.field = 'title' ORDER BY 3, 4",
            (wanted or []) * 2,
        )
        return close_names(name, [(row[0], row[1]) for row in found], limit)

    # -- links (records.Links, and what `show` and `related` need) -----------------------------

    def _linked(self, entry: Entry, relation: str, outbound: bool = True) -> list[Entry]:
        if outbound:
            sql = "SELECT target FROM links WHERE source = ? AND relation = ? ORDER BY rank"
        else:
            sql = "SELECT DISTINCT source FROM links WHERE target = ? AND relation = ? ORDER BY source"
        return self.entries_at([row[0] for row in self.rows(sql, (self.position(entry), relation))])

    def prefetch_links(self, positions: Sequence[int]) -> None:
        """Build at once the datasets and environments these entries link to (for their records)."""
        if not positions:
            return
        table = self.position_table(positions)
        found = self.rows(
            "SELECT DISTINCT target FROM links WHERE relation IN ('dataset', 'env')"
            f" AND source IN (SELECT position FROM {table})"
        )
        self.entries_at([row[0] for row in found])

    def datasets_of(self, entry: Entry) -> list[Dataset]:
        return only(Dataset, self._by_ids(entry.datasets))

    def envs_of(self, entry: Entry) -> list[Environment]:
        return only(Environment, self._by_ids(entry.envs))

    def users_count(self, entry: Entry) -> int:
        return self._used_by[self.position(entry)]

    def users_of(self, entry: Entry) -> list[Paper | Codebase]:
        """Papers and codebases that list this dataset or environment."""
        found = self.rows(
            "SELECT DISTINCT source FROM links WHERE target = ? "
            "AND relation IN ('dataset', 'env', 'dataset-by-code', 'env-by-code') ORDER BY source",
            (self.position(entry),),
        )
        return [user for user in self.entries_at([row[0] for row in found]) if isinstance(user, Paper | Codebase)]

    def implementations_of(self, paper: Paper) -> list[Codebase]:
        """Codebases that say they implement this paper."""
        return only(Codebase, self._linked(paper, "implements", outbound=False))

    def papers_of(self, codebase: Codebase) -> list[Paper]:
        return only(Paper, self._by_ids(codebase.papers))

    def code_targets(self, paper: Paper) -> list[Entry]:
        """Catalogue entries that a paper's code links point at (a codebase, or a dataset repo)."""
        return self._linked(paper, "code")

    def used_through_code(self, paper: Paper) -> list[Dataset | Environment]:
        """Datasets and environments a paper's code links point at, and that it does not list."""
        found = [*self._linked(paper, "dataset-by-code"), *self._linked(paper, "env-by-code")]
        return [target for target in found if isinstance(target, Dataset | Environment)]

    def papers_linking_code_to(self, entry: Entry) -> list[Paper]:
        """Papers whose code links point at this entry's URL."""
        if not entry.url:
            return []
        from ..catalogue.identifiers import normal_url

        found = self.rows(
            "SELECT DISTINCT position FROM code WHERE url_key = ? ORDER BY position", (normal_url(entry.url),)
        )
        return only(Paper, self.entries_at([row[0] for row in found]))

    # -- methods (methods.py) -------------------------------------------------------------------

    def resolve_method(self, name: str) -> Method:
        """The method `name` stands for: a method's id, name or alias; else the method a paper of
        that name introduces (`ppo` is the PPO paper's id, so `method:ppo` finds PPO through it).
        NotFoundError (with close method names) or AmbiguousError otherwise."""
        from ..catalogue.catalog import the_one

        found = only(Method, self.lookup(name, ["method"]))
        if not found:
            papers = {entry.id for entry in self.lookup(name) if entry.KIND == "paper"}
            if papers:
                found = [method for method in self.methods() if method.introduced_by in papers]
        return the_one(found, name, "method", lambda: self.suggest(name, ["method"]))

    def methods(self) -> list[Method]:
        """Every method, in catalogue order."""
        return only(Method, self.entries_where("kind = 'method'"))

    def method_links_of(self, entry: Entry) -> list[MethodLink]:
        """An entry's links to methods (a paper's or codebase's), in the order they were made."""
        from ..catalogue.methods import MethodLink

        rows = self.rows(
            "SELECT m.id, l.relation, l.via, l.origin FROM method_links l JOIN entries m ON m.position = l.method"
            " WHERE l.source = ? ORDER BY l.rank",
            (self.position(entry),),
        )
        return [MethodLink(entry.id, method_id, relation, via, origin) for method_id, relation, via, origin in rows]

    def lookup_ids(self, ids: list[str]) -> list[Entry]:
        """The entries of these ids that exist, in the order given."""
        return self._by_ids(ids)

    def method_link_rows(self, method_ids: Sequence[str]) -> list[tuple[int, str, str, str, str]]:
        """(entry position, method id, relation, via, origin) of every link to these methods, in the
        order they were made."""
        if not method_ids:
            return []
        marks = ",".join("?" * len(method_ids))
        return self.rows(
            "SELECT l.source, m.id, l.relation, l.via, l.origin FROM method_links l"
            f" JOIN entries m ON m.position = l.method WHERE m.id IN ({marks}) ORDER BY l.rank",
            list(method_ids),
        )

    # -- search --------------------------------------------------------------------------------

    def index(self) -> SegmentedIndex:
        """The search index of the whole catalogue, read from the store a segment at a time."""
        if self._index is None:
            from ..query.search import SegmentedIndex

            segments = self.rows("SELECT start, entries FROM search_segments ORDER BY segment")
            # A small catalogue keeps its segments for the next term of a query; a big one holds
            # one at a time, to bound memory.
            keep = sum(count for _, count in segments) <= _KEEP_SEGMENTS
            self._index = SegmentedIndex([start for start, _ in segments], self._segment, keep)
        return self._index

    def _segment(self, number: int) -> SearchIndex:
        from ..query.search import SearchIndex
        from .schema import index_parts

        return SearchIndex(**index_parts(self.rows("SELECT part, data FROM search_index WHERE segment = ?", (number,))))


def _entry(kind: str, data: str) -> Entry:
    """An entry from its row; a row that is not what validation let through (damaged, or
    written by someone else) is a DatabaseError, so the store is rebuilt from the files."""
    try:
        table = json.loads(data)
        entry_type = TYPE_BY_TABLE[kind]
    except (ValueError, KeyError):
        raise sqlite3.DatabaseError(f"an entry row of kind {kind!r} does not read") from None
    if table.__class__ is not dict or not well_typed(entry_type, table):
        raise sqlite3.DatabaseError(f"an entry row of kind {kind!r} is not well typed")
    return entry_from_table(entry_type, table)

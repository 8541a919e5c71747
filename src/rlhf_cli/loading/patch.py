"""A store patched after an edit of a few entries, rather than built again (loader.open_view).

When some pieces of the catalogue's files (loader._piece_texts) hold other tables than the
store was built from, only those pieces are parsed, and only their changed tables validated.
If every check across entries still holds (checked against the store, not by loading every
entry), a copy of the old store (store.write_store's `base`) gets the changed entries' rows
and what depends on them: their links and method links, the `used_by` counts of the entries
they link to, the search index at every entry whose search texts or counts changed (each
segment's index patched there: search.SearchIndex.patched), their FTS rows,
`pieces`, `files` and `meta`. The result is, row for row, the store a full build of the edited
files writes (tests/test_patch.py compares them table by table).

Patching is refused, and the store built again, whenever it could give anything else: the old
store had problems, was built by other code, or of other files; a file is cut into other
pieces; a changed piece holds other ids, kinds or order, or a table that is not an entry's; a
changed entry has a problem of its own (types, meaning), a link that does not resolve, a name
another entry has, a name a method's name reads as; a method changed (the tree, and every
paper's method links, depend on it); an entry's URL changed (other papers' code links resolve
through it); or a paper's list headings changed while the catalogue has methods (the tree's
heading checks and links read every paper's).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast, overload

from ..catalogue.catalog import Catalogue
from ..catalogue.identifiers import normal_url
from ..catalogue.models import TYPE_BY_TABLE, Codebase, Entry, Method, Paper, entry_from_table, well_typed
from ..errors import Problem
from . import store

if TYPE_CHECKING:
    from ..query.search import SearchIndex

# The relations that make an entry a user of a dataset or environment (Catalogue.users_count).
_USES = ("dataset", "env", "dataset-by-code", "env-by-code")
# An entry's id line, to check that each piece starts at the entry the store holds there.
_ID_LINE = re.compile(r'^[ \t]*id[ \t]*=[ \t]*"([A-Za-z0-9_.-]+)"', re.M)
# SQLite's limit on the parameters of one statement is 32766 from 3.32 on; stay well below.
_CHUNK = 900


class _Refused(Exception):
    """Patching might not give what a full build gives: the store is built again instead."""


@dataclass(frozen=True, slots=True)
class _Changed:
    """An entry whose table changed: its position, the entry and its table as JSON, before and after."""

    position: int
    entry: Entry
    data: str
    old: Entry


@dataclass(frozen=True, slots=True)
class _Plan:
    pieces: list[tuple[int, int, str, str]]
    sizes: list[tuple[int, int]]
    changed: list[_Changed]
    methods: list[Method]


def patched(
    name: str,
    key: str,
    stats: str | None,
    contents: list[tuple[str, bytes]],
    pieces_of: Callable[[str], list[tuple[str, int, str]]],
    parse: Callable[[str], dict[str, Any]],
) -> tuple[sqlite3.Connection, list[Problem]] | None:
    """The store after an edit of some entries: a patched copy of the old store under the new
    key, or None if patching is not known to be safe (see the module's docstring). `pieces_of`
    cuts a file's text as a build does (loader._cut: each piece, its count of tables, its digest);
    `parse` parses a piece (loader._parse_piece)."""
    opened = store.open_store(name)
    if opened is None:
        return None
    old, meta = opened
    try:
        plan = _plan(old, meta, contents, pieces_of, parse)
        settings = {"key": key, "stat": stats or ""}
        return store.write_store(name, lambda connection: _apply(connection, plan, settings), base=old), []
    except (_Refused, sqlite3.Error):  # sqlite3.Error: a damaged store, or one of another shape
        return None
    finally:
        old.close()


def _plan(
    old: sqlite3.Connection,
    meta: dict[str, str],
    contents: list[tuple[str, bytes]],
    pieces_of: Callable[[str], list[tuple[str, int, str]]],
    parse: Callable[[str], dict[str, Any]],
) -> _Plan:
    """What changed, and the checks that a patch gives a full build's store; _Refused if one fails."""
    import tomli

    from . import schema

    if meta.get("reusable") != "1" or meta.get("code") != store.code_key():
        raise _Refused("the store had problems, or was built by other code")
    paths = [row[0] for row in old.execute("SELECT path FROM files ORDER BY position")]
    if paths != [path for path, _ in contents]:
        raise _Refused("other files")
    before: dict[int, list[tuple[str, str]]] = {}
    for file, text_digest, content_digest in old.execute(
        "SELECT file, text_digest, content_digest FROM pieces ORDER BY file, piece"
    ):
        before.setdefault(file, []).append((text_digest, content_digest))
    pieces: list[tuple[int, int, str, str]] = []
    # Each piece: (its file, its text, its tables' count, its parsed tables if it changed).
    cut: list[tuple[int, str, int, dict[str, Any] | None]] = []
    for file, (_, raw) in enumerate(contents):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Refused("not UTF-8") from None
        texts = pieces_of(text)
        if len(texts) != len(before.get(file, [])):
            raise _Refused("cut into other pieces")
        for piece, ((part, count, digest), (text_digest, content_digest)) in enumerate(
            zip(texts, before[file], strict=True)
        ):
            data: dict[str, Any] | None = None
            if digest != text_digest:
                try:
                    data = parse(part)
                except (tomli.TOMLDecodeError, RecursionError):
                    raise _Refused("a piece does not parse alone") from None
                # The digest of its content, as loader._digests makes it.
                if store.digest(schema.encode_table(data)) == content_digest:
                    data = None  # the same tables, written otherwise
            new_content = content_digest if data is None else store.digest(schema.encode_table(data))
            pieces.append((file, piece, digest, new_content))
            cut.append((file, part, count, data))
    if all(data is None for *_, data in cut):
        raise _Refused("no table changed")  # loader._reused's case, which refused it
    starts = _starts(old, cut)
    changed_tables: list[tuple[int, int, str, dict[str, Any]]] = []  # (position, piece, kind, table)
    for number, ((_, _, count, data), start) in enumerate(zip(cut, starts, strict=True)):
        if data is not None:
            changed_tables += [(p, number, kind, table) for p, kind, table in _changed_in(old, data, start, count)]
    changed = _validated(old, changed_tables, [(contents[file][0], part) for file, part, _, _ in cut])
    methods = [entry for entry in _entries(old, "kind = 'method'") if isinstance(entry, Method)]
    _check_across(old, changed, methods)
    sizes = [(len(raw), position) for position, (_, raw) in enumerate(contents)]
    return _Plan(pieces, sizes, changed, methods)


def _starts(old: sqlite3.Connection, cut: list[tuple[int, str, int, dict[str, Any] | None]]) -> list[int]:
    """The position of each piece's first entry, from the pieces' header counts, checked against
    the store: each piece's first id is the id at its position, and the counts add up to the
    store's entries (a header the count misses, or one inside a string, fails one or the other)."""
    starts: list[int] = []
    total = 0
    for _, _, count, _ in cut:
        starts.append(total)
        total += count
    if old.execute("SELECT count(*) FROM entries").fetchone()[0] != total:
        raise _Refused("the headers do not count the entries")
    expected: dict[int, str] = {}
    for (_, part, count, _), start in zip(cut, starts, strict=True):
        if count:
            match = _ID_LINE.search(part)
            if match is None:
                raise _Refused("a piece whose first id is not found")
            expected[start] = match.group(1)
    found = dict(_in_chunks(old, "SELECT position, id FROM entries WHERE position IN ({})", list(expected)))
    if found != expected:
        raise _Refused("a piece does not start where the store says")
    return starts


def _changed_in(
    old: sqlite3.Connection, data: dict[str, Any], start: int, count: int
) -> list[tuple[int, str, dict[str, Any]]]:
    """(position, table name, table) of the tables of a changed piece that differ from the store's
    rows; _Refused unless the piece holds the same kinds and ids in the same order."""
    from . import schema

    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in data.items():
        if key not in TYPE_BY_TABLE or not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            raise _Refused("a piece holds a table that is not an entry's")
        tables += [(key, table) for table in value]
    if len(tables) != count:
        raise _Refused("a piece holds another number of tables")
    rows = old.execute(
        "SELECT position, id, kind, data FROM entries WHERE position >= ? AND position < ? ORDER BY position",
        (start, start + count),
    ).fetchall()
    if [(kind, entry_id) for _, entry_id, kind, _ in rows] != [
        (TYPE_BY_TABLE[key].KIND, table.get("id")) for key, table in tables
    ]:
        raise _Refused("other ids or kinds, or another order")
    return [
        (position, kind, table)
        for (position, _, _, data_before), (kind, table) in zip(rows, tables, strict=True)
        if schema.encode_table(table) != data_before
    ]


def _validated(
    old: sqlite3.Connection, tables: list[tuple[int, int, str, dict[str, Any]]], pieces: list[tuple[str, str]]
) -> list[_Changed]:
    """The changed tables checked as a build checks them (types, and each entry's own meaning);
    _Refused if any has a problem (a build reports it)."""
    from ..catalogue.validation import ParsedFile, check_part
    from . import schema

    changed: list[_Changed] = []
    for number in dict.fromkeys(piece for _, piece, _, _ in tables):
        mine = [(position, kind, table) for position, piece, kind, table in tables if piece == number]
        grouped: dict[str, list[dict[str, Any]]] = {}
        for _, kind, table in mine:
            grouped.setdefault(kind, []).append(table)
        path, text = pieces[number]
        checked = check_part(ParsedFile(path, text, grouped), schema.encode_table)
        if checked.problems or checked.salvaged or len(checked.pairs) != len(mine):
            raise _Refused("a changed entry has a problem")
        # check_part gives the entries kind by kind, in the order of `grouped`.
        by_table = {id(table): pair for table, pair in zip(_in_groups(grouped), checked.pairs, strict=True)}
        for position, _, table in mine:
            entry, data = by_table[id(table)]
            changed.append(_Changed(position, entry, data, _old_entry(old, position)))
    changed.sort(key=lambda item: item.position)
    return changed


def _in_groups(grouped: dict[str, list[dict[str, Any]]]) -> Iterable[dict[str, Any]]:
    for tables in grouped.values():
        yield from tables


def _old_entry(old: sqlite3.Connection, position: int) -> Entry:
    kind, data = old.execute("SELECT kind, data FROM entries WHERE position = ?", (position,)).fetchone()
    return _entry_of(kind, data)


def _check_across(old: sqlite3.Connection, changed: list[_Changed], methods: list[Method]) -> None:
    """The checks across entries (validation.good_checked) that an edit of these entries could
    break, against the store; _Refused if one might fail, or if the edit reaches entries whose
    rows this module does not remake (see the module's docstring)."""
    from ..catalogue.identifiers import name_key

    positions = {item.position for item in changed}
    referenced: dict[str, str] = {}
    wanted: list[str] = []
    for item in changed:
        entry, before = item.entry, item.old
        if isinstance(entry, Method):
            raise _Refused("a method changed")
        url, url_before = entry.url, before.url
        if (normal_url(url) if url else None) != (normal_url(url_before) if url_before else None):
            raise _Refused("a URL changed")
        if methods and entry.categories != before.categories:
            raise _Refused("list headings changed, and the catalogue has methods")
        for _, _, ids in _references(entry):
            if len(set(ids)) != len(ids):
                raise _Refused("a reference listed twice")
            wanted += ids
    referenced = dict(_in_chunks(old, "SELECT id, kind FROM entries WHERE id IN ({})", list(dict.fromkeys(wanted))))
    for item in changed:
        for _, kind, ids in _references(item.entry):
            if any(referenced.get(target) != kind for target in ids):
                raise _Refused("a reference does not resolve")
    # Names pick out one entry (validation._name_problems): a method's own id aside, which
    # another entry may have as a name (the DPO paper's short name, the method `dpo`).
    owners: dict[str, int] = {}
    for item in changed:
        for name in dict.fromkeys(name.casefold() for name in item.entry.names):
            if owners.setdefault(name, item.position) != item.position:
                raise _Refused("two changed entries share a name")
    clashes = _in_chunks(
        old,
        "SELECT n.name, n.position, e.kind, e.id FROM names n JOIN entries e USING (position) WHERE n.name IN ({})",
        list(owners),
    )
    for name, position, kind, entry_id in clashes:
        if position not in positions and not (kind == "method" and entry_id == name):
            raise _Refused("a name another entry has")
    # A method's other names must not read as another entry's (validation.method_problems).
    method_keys = {name_key(name) for method in methods for name in method.names[1:]}
    if any(name_key(name) in method_keys for item in changed for name in item.entry.names):
        raise _Refused("a name a method's name reads as")


def _references(entry: Entry) -> list[tuple[str, str, list[str]]]:
    """(field, kind, ids) of the references validation checks (validation._link_checker)."""
    found: list[tuple[str, str, list[str]]] = []
    if isinstance(entry, Paper | Codebase):
        found += [("datasets", "dataset", entry.datasets), ("envs", "environment", entry.envs)]
    if isinstance(entry, Codebase):
        found.append(("papers", "paper", entry.papers))
    return found


def _apply(new: sqlite3.Connection, plan: _Plan, settings: dict[str, str]) -> None:
    """Patch `new`, a copy of the old store (store.write_store's `fill`)."""
    from ..catalogue import methods as method_tree
    from . import schema

    new.executemany("UPDATE meta SET value = ? WHERE name = ?", [(v, k) for k, v in settings.items()])
    new.executemany("UPDATE files SET size = ? WHERE position = ?", plan.sizes)
    new.execute("DELETE FROM pieces")
    new.executemany("INSERT INTO pieces VALUES (?, ?, ?, ?)", plan.pieces)
    users_before: set[int] = set()
    implemented_before: list[int] = []
    for item in plan.changed:
        p, before = item.position, item.old
        _delete(new, "DELETE FROM names WHERE name = ? AND position = ?", schema._name_rows([before], p))
        _delete(new, "DELETE FROM lookup_keys WHERE key = ? AND position = ?", schema._key_rows([before], p))
        _delete(
            new,
            "DELETE FROM terms WHERE field = ? AND folded = ? AND position = ? AND rank = ?",
            ((field, folded, position, rank) for position, field, rank, _, folded in schema._term_rows([before], p)),
        )
        _delete(
            new,
            "DELETE FROM code WHERE url_key = ? AND position = ? AND rank = ?",
            ((key, position, rank) for position, rank, _, key, _ in schema._code_rows([before], p)),
        )
        for relation, target in new.execute("SELECT relation, target FROM links WHERE source = ?", (p,)).fetchall():
            if relation in _USES:
                users_before.add(target)
            elif relation == "implements":
                implemented_before.append(target)
        new.execute("DELETE FROM links WHERE source = ?", (p,))
    # The changed entries among what their links lead to, in catalogue order, as a Catalogue:
    # the row functions make their links from it as from the whole.
    linked = _linked_catalogue(new, plan.changed)
    position_of = {entry.id: position for position, entry in linked}
    catalogue = Catalogue(entry for _, entry in linked)
    index_of = {position: number for number, (position, _) in enumerate(linked)}
    users_after: set[int] = set()
    implemented_after: list[int] = []
    for item in plan.changed:
        p, entry = item.position, item.entry
        number = index_of[p]
        links = [
            (p, relation, rank, target)
            for _, relation, rank, target in schema._link_rows(catalogue, position_of, number, number + 1)
        ]
        new.executemany("INSERT INTO links VALUES (?, ?, ?, ?)", links)
        users_after.update(target for _, relation, _, target in links if relation in _USES)
        implemented_after += [target for _, relation, _, target in links if relation == "implements"]
        new.executemany("INSERT INTO names VALUES (?, ?)", schema._name_rows([entry], p))
        new.executemany("INSERT INTO lookup_keys VALUES (?, ?)", schema._key_rows([entry], p))
        new.executemany("INSERT INTO terms VALUES (?, ?, ?, ?, ?)", schema._term_rows([entry], p))
        new.executemany("INSERT INTO code VALUES (?, ?, ?, ?, ?)", schema._code_rows([entry], p))
    # Who uses what (entries.used_by), where it may have changed.
    positions = {item.position for item in plan.changed}
    recounted: set[int] = set()
    for target in sorted(users_before | users_after | positions):
        (count,) = new.execute(
            f"SELECT count(*) FROM links WHERE target = ? AND relation IN ({','.join('?' * len(_USES))})",
            (target, *_USES),
        ).fetchone()
        if new.execute(
            "UPDATE entries SET used_by = ? WHERE position = ? AND used_by != ?", (count, target, count)
        ).rowcount:
            recounted.add(target)
        if target in positions:
            used_by = count
            item = next(each for each in plan.changed if each.position == target)
            row = schema._entry_row(target, item.entry, item.data, catalogue)
            new.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*row[:9], used_by, *row[10:]),
            )
    _patch_method_links(new, plan, method_tree)
    # Every entry whose search texts or link counts may have changed: its search segment is
    # patched at it. A paper's implementations count, not only whether it has any: two changed
    # codebases implementing it, one of them no longer, leave the set of those papers as it was.
    counted_before, counted_after = Counter(implemented_before), Counter(implemented_after)
    implemented = counted_before | counted_after
    touched = positions | recounted | {paper for paper in implemented if counted_before[paper] != counted_after[paper]}
    renamed = [
        item.position
        for item in plan.changed
        if item.entry.KIND in ("dataset", "environment") and item.entry.display_name != item.old.display_name
    ]
    touched |= set(
        _in_chunks(
            new,
            "SELECT DISTINCT source FROM links WHERE relation IN ('dataset', 'env') AND target IN ({})",
            renamed,
            single=True,
        )
    )
    _patch_segments(new, touched, plan.methods)
    for item in plan.changed:
        texts = [text for _, _, _, text, _ in schema._term_rows([item.entry], item.position)]
        new.execute("DELETE FROM search_fts WHERE rowid = ?", (item.position,))
        new.execute(
            "INSERT INTO search_fts (rowid, id, title, texts) VALUES (?, ?, ?, ?)",
            (item.position, item.entry.id, item.entry.display_name, "\n".join(texts) if texts else None),
        )


def _delete(connection: sqlite3.Connection, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """Delete the old rows of an entry, each of which must be there (else the store is not what its
    build wrote: it is built again)."""
    listed = list(rows)
    cursor = connection.executemany(sql, listed)
    if cursor.rowcount != len(listed):
        raise sqlite3.DatabaseError("a derived row of a changed entry is missing")


def _linked_catalogue(connection: sqlite3.Connection, changed: list[_Changed]) -> list[tuple[int, Entry]]:
    """(position, entry) of the changed entries and of every entry their links may lead to: what
    they list, and the first entry of each of their code links' URLs (Catalogue.code_targets)."""
    ids: list[str] = []
    keys: list[str] = []
    for item in changed:
        for _, _, listed in _references(item.entry):
            ids += listed
        keys += [normal_url(link.url) for link in item.entry.code]
    positions = set(_in_chunks(connection, "SELECT position FROM entries WHERE id IN ({})", ids, single=True))
    positions |= set(
        _in_chunks(
            connection,
            "SELECT min(position) FROM entries WHERE url_key IN ({}) GROUP BY url_key",
            list(dict.fromkeys(keys)),
            single=True,
        )
    )
    mine = {item.position: item.entry for item in changed}
    others = [position for position in positions if position not in mine]
    found = dict(mine)
    for position, kind, data in _in_chunks(
        connection, "SELECT position, kind, data FROM entries WHERE position IN ({})", others
    ):
        found[position] = _entry_of(kind, data)
    return sorted(found.items())


def _patch_method_links(connection: sqlite3.Connection, plan: _Plan, method_tree: Any) -> None:
    """Make again the method links of the changed papers and codebases (methods.links of the methods
    and the entry give the entry's), renumbering the ranks after them (they count links in catalogue order)."""
    if not plan.methods:
        return
    method_position = dict(
        _in_chunks(connection, "SELECT id, position FROM entries WHERE id IN ({})", [m.id for m in plan.methods])
    )
    for item in plan.changed:
        if not isinstance(item.entry, Paper | Codebase):
            continue
        p = item.position
        made = method_tree.links([*plan.methods, item.entry])
        rows = [(method_position[link.method_id], link.relation, link.via, link.origin) for link in made]
        before = connection.execute(
            "SELECT method, relation, via, origin FROM method_links WHERE source = ? ORDER BY rank", (p,)
        ).fetchall()
        if before == rows:
            continue
        (first,) = connection.execute("SELECT count(*) FROM method_links WHERE source < ?", (p,)).fetchone()
        connection.execute("DELETE FROM method_links WHERE source = ?", (p,))
        if len(rows) != len(before):
            connection.execute("UPDATE method_links SET rank = rank + ? WHERE source > ?", (len(rows) - len(before), p))
        connection.executemany(
            "INSERT INTO method_links VALUES (?, ?, ?, ?, ?, ?)",
            [(p, *row, first + rank) for rank, row in enumerate(rows)],
        )


@dataclass(frozen=True, slots=True)
class _Named:
    display_name: str


class _StoreEntries(Sequence[Entry]):
    """`count` entries, each read (by `read`, from its number) when asked for."""

    def __init__(self, count: int, read: Callable[[int], Entry]) -> None:
        self._count, self._read = count, read

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        if isinstance(index, slice):
            return [self._read(number) for number in range(*index.indices(self._count))]
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self._read(index)


class _StoreSegment:
    """Consecutive entries of a store, with what their search texts and ranking need of the
    rest (the role schema._Segment plays in a build), read from the store's rows: only the
    entries a patch of the segment's index asks for (SearchIndex.patched)."""

    def __init__(self, connection: sqlite3.Connection, start: int, count: int, methods: Catalogue) -> None:
        self._connection, self._start = connection, start
        self.entries = _StoreEntries(count, self._entry)
        self._used: dict[str, int] = {}
        self._implemented: dict[str, int] = {}
        self._named: dict[str, tuple[str, str]] = {}  # id: (kind, title) of what the entries read list
        self.method_names = methods.method_names

    def _entry(self, number: int) -> Entry:
        position = self._start + number
        row = self._connection.execute(
            "SELECT kind, data, used_by FROM entries WHERE position = ?", (position,)
        ).fetchone()
        if row is None:
            raise sqlite3.DatabaseError("a search segment's entry is missing")
        entry = _entry_of(row[0], row[1])
        self._used[entry.id] = row[2]
        (self._implemented[entry.id],) = self._connection.execute(
            "SELECT count(*) FROM links WHERE relation = 'implements' AND target = ?", (position,)
        ).fetchone()
        listed = [i for i in dict.fromkeys([*entry.datasets, *entry.envs]) if i not in self._named]
        for entry_id, kind, title in _in_chunks(
            self._connection, "SELECT id, kind, title FROM entries WHERE id IN ({})", listed
        ):
            self._named[entry_id] = (kind, title)
        return entry

    def datasets_of(self, entry: Entry) -> list[_Named]:
        return [_Named(self._named[i][1]) for i in entry.datasets if self._named.get(i, ("", ""))[0] == "dataset"]

    def envs_of(self, entry: Entry) -> list[_Named]:
        return [_Named(self._named[i][1]) for i in entry.envs if self._named.get(i, ("", ""))[0] == "environment"]

    def users_count(self, entry: Entry) -> int:
        return int(self._used[entry.id])

    def implementations_of(self, entry: Entry) -> list[None]:
        return [None] * self._implemented.get(entry.id, 0)  # search.py counts them


def _patch_segments(connection: sqlite3.Connection, touched: set[int], methods: list[Method]) -> None:
    """Patch the search segments holding `touched` positions (every entry whose search texts or
    link counts may have changed) at those positions. In a store on disk, a forked helper
    makes them from the store's rows while this process syncs the copy to disk (time spent
    waiting on the disk), so that the sync after them is short."""
    segments = connection.execute("SELECT segment, start, entries FROM search_segments ORDER BY segment").fetchall()
    wanted = [
        (segment, start, count)
        for segment, start, count in segments
        if any(start <= p < start + count for p in touched)
    ]
    if not wanted:
        return
    path = next((row[2] for row in connection.execute("PRAGMA database_list") if row[1] == "main"), "")
    rows = None
    if path and hasattr(os, "fork"):
        connection.commit()  # the helper reads the rows as they are now
        rows = _made_by_helper(path, wanted, methods, touched)
    if rows is None:  # in memory, or the helper failed: made here
        rows = _segment_rows(connection, wanted, methods, touched)
    for segment, _, _ in wanted:
        connection.execute("DELETE FROM search_index WHERE segment = ?", (segment,))
    connection.executemany("INSERT INTO search_index VALUES (?, ?, ?)", rows)


def _made_by_helper(
    path: str, wanted: list[tuple[int, int, int]], methods: list[Method], touched: set[int]
) -> list[tuple[int, str, bytes]] | None:
    """The segments' rows made by a forked process (forked.Helper; None if it failed), while this
    one syncs the store at `path` to disk (which pays even on one core: it waits on the disk)."""
    from . import forked

    def rows() -> list[tuple[int, str, bytes]]:
        return _segment_rows(sqlite3.connect(f"file:{path}?mode=ro", uri=True), wanted, methods, touched)

    try:
        helper = forked.Helper(rows)
    except OSError:  # no temporary file, or no process to spare
        return None
    with helper:
        try:
            with open(path, "rb+") as stream:
                os.fsync(stream.fileno())
        finally:
            made = helper.results()
        return None if made is None else cast("list[tuple[int, str, bytes]]", list(made))


def _segment_rows(
    connection: sqlite3.Connection, wanted: list[tuple[int, int, int]], methods: list[Method], touched: set[int]
) -> list[tuple[int, str, bytes]]:
    """The `search_index` rows of these segments (segment, start, entries): each one's index as
    the store holds it, patched at the `touched` positions from the store's rows (what
    SearchIndex.build makes of the segment's entries, without reading the others)."""
    from . import schema

    tree = Catalogue(methods)
    rows: list[tuple[int, str, bytes]] = []
    for segment, start, count in wanted:
        index = _segment_index(connection, segment, count)
        source = _StoreSegment(connection, start, count, tree)
        changed = [position - start for position in touched if start <= position < start + count]
        try:
            patched_index = index.patched(source, changed)
        except (KeyError, IndexError):  # the index does not hold what the entries' rows give
            raise sqlite3.DatabaseError("a search segment's index disagrees with its entries") from None
        rows += schema.segment_rows(segment, patched_index)
    return rows


def _segment_index(connection: sqlite3.Connection, segment: int, count: int) -> SearchIndex:
    """A segment's search index as the store keeps it; a DatabaseError unless its parts are all
    there and of the sizes its `count` entries give (else the store is not what a build wrote)."""
    from ..query.search import FIELDS, SearchIndex
    from . import schema

    parts = schema.index_parts(
        connection.execute("SELECT part, data FROM search_index WHERE segment = ?", (segment,)).fetchall()
    )
    if parts.keys() != {*schema.INDEX_LISTS, *schema.INDEX_ARRAYS} or not (
        len(parts["entry_kinds"]) == len(parts["entry_titles"]) == len(parts["entry_links"]) == count
        and len(parts["entry_field_counts"]) == count * len(FIELDS)
        and len(parts["text_ref_offsets"]) == len(parts["texts"]) + 1
        and parts["text_ref_offsets"][-1] == len(parts["text_refs"])
        and len(parts["word_text_offsets"]) == len(parts["words"]) + 1
        and parts["word_text_offsets"][-1] == len(parts["word_texts"])
    ):
        raise sqlite3.DatabaseError("a search segment's index does not read")
    return SearchIndex(**parts)


def _entries(connection: sqlite3.Connection, condition: str) -> list[Entry]:
    rows = connection.execute(f"SELECT kind, data FROM entries WHERE {condition} ORDER BY position").fetchall()
    return [_entry_of(kind, data) for kind, data in rows]


def _entry_of(kind: str, data: str) -> Entry:
    """An entry from its row (as view._entry reads it): a row that does not read is a damaged store."""
    try:
        table = json.loads(data)
        entry_type = TYPE_BY_TABLE[kind]  # each kind's table is named after it
    except (ValueError, KeyError):
        raise sqlite3.DatabaseError(f"an entry row of kind {kind!r} does not read") from None
    if table.__class__ is not dict or not well_typed(entry_type, table):
        raise sqlite3.DatabaseError(f"an entry row of kind {kind!r} is not well typed")
    return entry_from_table(entry_type, table)


def _in_chunks(connection: sqlite3.Connection, sql: str, values: Sequence[Any], single: bool = False) -> list[Any]:
    """The rows of `sql` (whose `{}` takes the marks of a chunk of `values`), for every chunk;
    each row's one value if `single`."""
    found: list[Any] = []
    for start in range(0, len(values), _CHUNK):
        chunk = list(values[start : start + _CHUNK])
        rows = connection.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
        found += [row[0] for row in rows] if single else rows
    return found

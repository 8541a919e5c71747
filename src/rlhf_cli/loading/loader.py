"""Find catalogue files, read them and turn them into a validated `Catalogue`.

The cold path parses TOML, validates with pydantic and writes the catalogue's store (store.py);
the warm path finds a store of the same bytes in the cache and skips all three.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..catalogue.catalog import Catalogue
from ..catalogue.models import Entry
from ..errors import DANGLING, CatalogError, Problem
from . import store

if TYPE_CHECKING:
    from ..catalogue.validation import CheckedPart
    from .view import CatalogueView

CATALOG_ENV = "RLHF_CATALOG"
NO_BUNDLED_ENV = "RLHF_NO_BUNDLED"
USER_CATALOG_ENV = "RLHF_USER_CATALOG"


def bundled_catalog_dir() -> Path:
    """The catalogue shipped with the tool: inside the wheel, or the repository's catalog/."""
    package_dir = Path(__file__).resolve().parents[1]
    inside_wheel = package_dir / "catalog"
    if inside_wheel.is_dir():
        return inside_wheel
    return package_dir.parents[1] / "catalog"


def user_catalog_dir() -> Path:
    """The user's own catalogue (where `rlhf import` writes by default): $RLHF_USER_CATALOG,
    else $XDG_DATA_HOME/rlhf/catalog, else ~/.local/share/rlhf/catalog."""
    override = os.environ.get(USER_CATALOG_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rlhf" / "catalog"


def catalog_paths(extra: list[Path] | None = None, bundled: bool = True) -> list[Path]:
    """Every catalogue location in force: bundled, the user's own (if it exists), then
    $RLHF_CATALOG, then the config file's `catalogs`, then `extra`.

    $RLHF_NO_BUNDLED set to a non-empty value other than 0 drops the bundled catalogue too.
    """
    paths: list[Path] = []
    if bundled and os.environ.get(NO_BUNDLED_ENV, "") in ("", "0"):
        paths.append(bundled_catalog_dir())
    user = user_catalog_dir()
    if user.is_dir():
        paths.append(user)
    from_env = os.environ.get(CATALOG_ENV, "")
    paths += [Path(part) for part in from_env.split(os.pathsep) if part]
    from ..config import load_config

    paths += load_config().catalogs
    paths += extra or []
    return paths


def _expand(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            try:
                children = sorted(child for child in path.iterdir() if child.suffix == ".toml")
            except OSError as error:
                problems.append(Problem(str(path), f"cannot list the folder: {error.strerror or error}"))
                continue
            for child in children:
                if child.is_file():
                    files.append(child)
                elif child.is_symlink():  # is_file() is False for a broken or looping link
                    problems.append(Problem(str(child), "a symbolic link that leads nowhere (broken or looping)"))
        elif path.is_file():
            files.append(path)
        elif path.is_symlink():
            problems.append(Problem(str(path), "a symbolic link that leads nowhere (broken or looping)"))
        else:
            problems.append(Problem(str(path), "no such catalogue file or folder"))
    # One file named twice (`-c catalog/` from the checkout names the bundled files again) is read once.
    unique: dict[Path, Path] = {}
    for path in files:
        unique.setdefault(path.resolve(), path)
    return list(unique.values()), problems


def catalogue_files(paths: list[Path]) -> list[Path]:
    """The catalogue files at `paths` (folders give their .toml files), leaving out what is missing."""
    return _expand(paths)[0]


def load(paths: list[Path]) -> Catalogue:
    """The whole catalogue at `paths`, validated, in memory (strict: any problem raises).

    Read from its store if the cache holds one; otherwise validated without writing a store
    (the callers, such as `rlhf import`, are about to change the files anyway).
    """
    files, unfound = _expand(paths)
    if unfound:
        raise CatalogError(unfound)
    name, stats = store.set_name([str(path) for path in files]), store.stat_key([str(path) for path in files])
    cached = store.cache_problem() is None  # an unsafe cache folder is never read
    found = _matching_store(name, stats, None, strict=True) if cached else None
    contents: list[tuple[str, bytes]] = []
    if found is None:
        contents, unreadable = _read(files)
        if unreadable:
            raise CatalogError(unreadable)
        found = _matching_store(name, stats, store.content_key(contents), strict=True) if cached else None
    if found is not None:
        from .view import CatalogueView

        return CatalogueView(found[0], lambda: _rebuild(name, files)).catalogue()
    with paused_gc():
        entries, _, problems = _parse_and_check(contents)
    if problems:
        raise CatalogError(problems)
    return Catalogue(entries)


def _matching_store(
    name: str, stats: str | None, key: str | None, strict: bool
) -> tuple[sqlite3.Connection, list[Problem]] | None:
    """The store `name` and the problems it recorded, if it was built from these files: the same
    identities and change times (`stats`), or else the same bytes (`key`). A store that left files
    out is no answer for a `strict` caller, who must see the problems of a fresh read."""
    opened = store.open_store(name)
    if opened is None:
        return None
    connection, meta = opened
    same = (stats is not None and meta.get("stat") == stats) or (key is not None and meta.get("key") == key)
    recorded = _problems(meta) if same else []
    if not same or (strict and recorded):
        connection.close()
        return None
    return connection, recorded


def open_view(paths: list[Path], tolerant: bool = False) -> CatalogueView:
    """The catalogue at `paths`, from its store when every file is unchanged, else built afresh.

    Strict (the default), any problem raises CatalogError. Tolerant, what has a problem is left
    out: a file that cannot be read or parsed, else just the bad entries (validation.good_entries);
    the rest is used, and the problems travel in the view (`view.problems`) for the caller to
    report. The store records them, so a warm run reports them too.

    A store is used if its files have the same identities and change times as when it was built
    (no file is read), or else the same bytes (a touched file, read and hashed).
    """
    from .view import CatalogueView

    files, unfound = _expand(paths)
    if unfound and not tolerant:
        raise CatalogError(unfound)
    names = [str(path) for path in files]
    name = store.set_name(names)
    unsafe = store.cache_problem()
    cached = unsafe is None
    stats = store.stat_key(names)
    found = _matching_store(name, stats, None, strict=not tolerant) if cached else None
    if found is None:
        contents, unreadable = _read(files)
        if unreadable and not tolerant:
            raise CatalogError(unreadable)
        key = store.content_key(contents)
        found = _matching_store(name, None, key, strict=not tolerant) if cached else None
    if found is None and cached and not unreadable:
        # Both cut the same files, and parse the same changed pieces: each is done once.
        cut, parse = functools.lru_cache(maxsize=None)(_cut), functools.lru_cache(maxsize=8)(_parse_piece)
        found = _reused(name, key, stats, contents, cut, parse)
        if found is None:
            from .patch import patched

            found = patched(name, key, stats, contents, cut, parse)
    if found is None:
        found = _build(name, key, stats, contents, unreadable, cached)
        if found[1] and not tolerant:
            found[0].close()
            raise CatalogError(unfound + found[1])
    view = CatalogueView(found[0], lambda: _rebuild(name, files, cached), unfound + found[1])
    if unsafe is not None:
        view.cache_warning = f"the cache folder {store.cache_dir()} is not used: {unsafe}"
    return view


def _parse_piece(text: str) -> dict[str, Any]:
    """A piece's (or a small file's) tables: tomli's, whose errors the callers catch."""
    import tomli

    return tomli.loads(text)


def _numbered(digests: list[tuple[int, str, str]]) -> list[tuple[int, int, str, str]]:
    """(file, piece, text digest, content digest): the pieces numbered within each file."""
    rows: list[tuple[int, int, str, str]] = []
    for file, text_digest, content_digest in digests:
        piece = rows[-1][1] + 1 if rows and rows[-1][0] == file else 0
        rows.append((file, piece, text_digest, content_digest))
    return rows


def _reused(
    name: str,
    key: str,
    stats: str | None,
    contents: list[tuple[str, bytes]],
    cut: Callable[[str], list[tuple[str, int, str]]],
    parse: Callable[[str], dict[str, Any]],
) -> tuple[sqlite3.Connection, list[Problem]] | None:
    """The store after an edit that changed no entry (a comment, blank lines, another spelling
    of the same value): a copy of the old store under the new key, or None if anything changed.

    Each file is cut into the pieces it was built from (`_piece_texts`); a piece whose text is
    the same is the same, and one whose text changed is parsed (only it) and must hold the same
    tables, in the same order, as before (`_digests`). The old store must be of the same files,
    built by this code, and have had no problems (they name lines, which an edit moves).
    `cut` and `parse` are `_cut` and `_parse_piece`, or ones that remember their answers.
    """
    import tomli

    opened = store.open_store(name)
    if opened is None:
        return None
    old, meta = opened
    if meta.get("reusable") != "1" or meta.get("code") != store.code_key():
        old.close()
        return None
    try:
        paths = [row[0] for row in old.execute("SELECT path FROM files ORDER BY position")]
        before: dict[int, list[tuple[str, str]]] = {}
        for file, text_digest, content_digest in old.execute(
            "SELECT file, text_digest, content_digest FROM pieces ORDER BY file, piece"
        ):
            before.setdefault(file, []).append((text_digest, content_digest))
    except sqlite3.DatabaseError:  # a damaged store is simply built again
        old.close()
        return None
    pieces: list[tuple[int, int, str, str]] = []
    same = paths == [path for path, _ in contents]
    for file, (_, raw) in enumerate(contents if same else []):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            same = False
            break
        texts = cut(text)
        if len(texts) != len(before.get(file, [])):
            same = False
            break
        for piece, ((part, _, digest), (text_digest, content_digest)) in enumerate(
            zip(texts, before[file], strict=True)
        ):
            if digest != text_digest:
                try:
                    data = parse(part)
                except (tomli.TOMLDecodeError, RecursionError):
                    same = False
                    break
                if _digests(part, data)[1] != content_digest:
                    same = False
                    break
            pieces.append((file, piece, digest, content_digest))
        if not same:
            break
    if not same:
        old.close()
        return None
    settings = {"key": key, "stat": stats or ""}
    sizes = [(len(raw), position) for position, (_, raw) in enumerate(contents)]

    def copy(connection: sqlite3.Connection) -> None:  # of the old store (write_store's `base`)
        connection.executemany("UPDATE meta SET value = ? WHERE name = ?", [(v, k) for k, v in settings.items()])
        connection.executemany("UPDATE files SET size = ? WHERE position = ?", sizes)
        connection.execute("DELETE FROM pieces")
        connection.executemany("INSERT INTO pieces VALUES (?, ?, ?, ?)", pieces)

    try:
        return store.write_store(name, copy, base=old), []
    finally:
        old.close()


def _rebuild(name: str, files: list[Path], cached: bool = True) -> sqlite3.Connection:
    """The store made afresh from the files (the one in the cache was found damaged)."""
    contents, unreadable = _read(files)
    key, stats = store.content_key(contents), store.stat_key([str(path) for path in files])
    return _build(name, key, stats, contents, unreadable, cached)[0]


def _problems(meta: dict[str, str]) -> list[Problem]:
    """The problems of the files a store's build left out, as it recorded them."""
    return [Problem(**fields) for fields in json.loads(meta.get("left_out", "[]"))]


def _build(
    name: str,
    key: str,
    stats: str | None,
    contents: list[tuple[str, bytes]],
    left_out: list[Problem],
    cached: bool = True,
) -> tuple[sqlite3.Connection, list[Problem]]:
    """Validate every file and write the catalogue's store of its good entries (in memory if not
    `cached`); the store, and every problem (`left_out`, of files that could not be read, first).

    `key` and `stats` are those of all the catalogue's files, `contents` those that could be read
    (their bytes are let go, b"", as they are decoded).
    The problems are recorded in the store for the next run.
    """
    from . import schema

    with paused_gc(), _Staged() as tables:
        sizes = [(path, len(raw)) for path, raw in contents]
        digests: list[tuple[int, str, str]] = []
        entries, tables.rows, problems = _parse_and_check(
            contents, tables.keep, let_go=True, digests=digests, keep_encoded=tables.keep_encoded
        )
        problems = left_out + problems
        catalogue = Catalogue(entries)
        meta = {
            "key": key,
            "stat": stats or "",
            "left_out": json.dumps([problem.as_dict() for problem in problems], ensure_ascii=False),
            # Problems name lines, which an edit elsewhere moves: only a store without any is reused.
            "reusable": "0" if problems else "1",
            "code": store.code_key(),  # a store is reused or patched only by the code that built it
        }
        pieces = _numbered(digests)
        connection = store.write_store(
            name, lambda connection: schema.fill(connection, meta, sizes, catalogue, tables, pieces), cached=cached
        )
        return connection, problems


class _Staged:
    """The entries' TOML tables as JSON (`entries.data`), kept in a private temporary database on
    disk while the catalogue is checked, rather than all in memory; read in order, as often as
    needed (a store whose write fails is built again in memory)."""

    def __init__(self) -> None:
        from . import schema

        self._encode = schema.encode_table
        self._connection = _scratch_database()
        self._connection.execute("CREATE TABLE staged (data TEXT NOT NULL)")
        self.rows: list[int] = []  # the rows to read, in order
        self._pending: list[tuple[int, str]] = []
        self._written = 0

    def keep(self, table: dict[str, Any]) -> int:
        """Stage a table; its row."""
        return self.keep_encoded(self._encode(table))

    def keep_encoded(self, data: str) -> int:
        """Stage a table already encoded (schema.encode_table); its row."""
        self._pending.append((len(self._pending) + self._written + 1, data))
        if len(self._pending) >= 1000:
            self._flush()
        return self._written + len(self._pending)

    def _flush(self) -> None:
        self._connection.executemany("INSERT INTO staged (rowid, data) VALUES (?, ?)", self._pending)
        self._written += len(self._pending)
        self._pending.clear()

    def __iter__(self) -> Iterator[str]:
        """The tables of `rows` (which are in staging order), read in one pass."""
        self._flush()
        wanted = iter(self.rows)
        following = next(wanted, None)
        for row, data in self._connection.execute("SELECT rowid, data FROM staged ORDER BY rowid"):
            if row == following:
                yield data
                following = next(wanted, None)

    def __enter__(self) -> _Staged:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._connection.close()


def _scratch_database() -> sqlite3.Connection:
    """An empty database in a temporary file, already unlinked (so nothing is left behind); in
    memory if no temporary file can be made."""
    import tempfile

    try:
        handle, path = tempfile.mkstemp(prefix="rlhf-staged-", suffix=".sqlite")
        os.close(handle)
    except OSError:
        return sqlite3.connect(":memory:")
    try:
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA journal_mode = OFF")  # one file only, so that unlinking it leaves nothing
        connection.execute("CREATE TABLE opened (x)")  # SQLite opens the file when first used
        connection.execute("DROP TABLE opened")
    except sqlite3.Error:
        connection = sqlite3.connect(":memory:")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return connection


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


def check(paths: list[Path], context: list[Path] | None = None) -> list[Problem]:
    """Every problem in the catalogue at `paths`, never using the cache for them (see `checked`)."""
    return checked(paths, context)[1]


def checked(paths: list[Path], context: list[Path] | None = None) -> tuple[list[Entry], list[Problem]]:
    """The good entries and every problem of the catalogue at `paths`, read afresh.

    References may also point into the catalogue at `context` (the one in use, as the other
    commands see it: `rlhf validate own/` accepts a paper naming a bundled dataset). Only the
    context's ids and kinds are used, from its store; its own problems are not reported, and an
    id that `paths` define is theirs (a folder checked is often also in use, or a copy of it).
    """
    files, problems = _expand(paths)
    contents, unreadable = _read(files)
    known = _kinds_of(context, files) if context else {}
    entries, _, found = _parse_and_check(contents, known=known)
    return entries, problems + unreadable + found


def _kinds_of(context: list[Path], leave_out: list[Path]) -> dict[str, str]:
    """The kind of every entry id of the catalogue at `context`, but for the files `leave_out`."""
    skip = {path.resolve() for path in leave_out}
    files = [path for path in _expand(context)[0] if path.resolve() not in skip]
    if not files:
        return {}
    view = open_view(files, tolerant=True)
    return {entry_id: kind for entry_id, kind in view.rows("SELECT id, kind FROM entries")}


def _read(files: list[Path]) -> tuple[list[tuple[str, bytes]], list[Problem]]:
    contents: list[tuple[str, bytes]] = []
    problems: list[Problem] = []
    for path in files:
        try:
            contents.append((str(path), path.read_bytes()))
        except OSError as error:
            problems.append(Problem(str(path), f"cannot read: {error.strerror or error}"))
    return contents, problems


def _parse_and_check(
    contents: list[tuple[str, bytes]],
    keep: Callable[[dict[str, Any]], Any] = lambda table: None,
    let_go: bool = False,
    known: dict[str, str] | None = None,
    digests: list[tuple[int, str, str]] | None = None,
    keep_encoded: Callable[[str], Any] | None = None,
) -> tuple[list[Entry], list[Any], list[Problem]]:
    """The good entries (validation.good_entries), each with `keep(its TOML table)` (or, for a
    table a helper process read, `keep_encoded(its JSON)` if given: see `_pieces`); every
    problem, the root causes first (see `_root_causes_first`).

    A big file is parsed and checked in pieces (`_pieces`), each piece's tables let go once its
    entries are made, so that a catalogue's parsed tables are never all held at once. If
    `let_go`, each file's bytes in `contents` are replaced by b"" once decoded (its text is kept
    to locate problems): a caller done with them saves holding the catalogue's bytes twice.
    `known` gives the kinds of ids outside `contents` that references may point to.
    `digests` gets (file number, text digest, content digest) of every piece (`_digests`; a
    small file is one piece), for reusing a store after an edit that changed no entry (`_reused`).
    """
    import tomli  # only the cold path parses TOML

    from ..catalogue.validation import ParsedFile, check_part, good_checked

    parts: list[CheckedPart] = []
    problems: list[Problem] = []
    unparsed: list[tuple[str, bytes]] = []  # what `_root_causes_first` reads
    with contextlib.ExitStack() as spills:  # the big files' texts, on disk while they are checked
        for number, (path, raw) in enumerate(contents):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                line = raw.count(b"\n", 0, error.start) + 1
                problems.append(Problem(path, f"not valid UTF-8 (byte {error.start})", line=line))
                unparsed.append((path, raw))
                continue
            if let_go:
                contents[number] = (path, b"")
                del raw  # (the loop's name would hold the bytes while the file is checked)
            texts = _piece_texts(text)
            if texts is not None:
                # While its pieces are checked, a big file's text is kept on disk, for the lines of
                # any problems: in memory, its pieces (let go as they are read) are enough.
                whole = _spilled(text, spills)
                del text
                found: list[tuple[str, str]] | None = None if digests is None else []
                pieces = _pieces(path, texts, whole, keep, found, keep_encoded)
                if pieces is not None:
                    parts += pieces
                    if digests is not None and found is not None:
                        digests += [(number, *pair) for pair in found]
                    continue
                text = whole()
            try:
                data = tomli.loads(text)
            except tomli.TOMLDecodeError as error:
                problems.append(_toml_problem(path, error))
                unparsed.append((path, text.encode("utf-8")))
                continue
            except RecursionError:  # tomli's own limit on nested arrays and tables
                problems.append(Problem(path, "invalid TOML: arrays or tables nested too deeply"))
                unparsed.append((path, text.encode("utf-8")))
                continue
            if digests is not None:
                digests.append((number, *_digests(text, data)))
            parts.append(check_part(ParsedFile(path, text, data), keep))
        entries, tables, entry_problems = good_checked(_drained(parts), known or {})
    problems += entry_problems
    problems.sort(key=lambda problem: (problem.file, problem.line or 0))  # stable: keeps order within a line
    return entries, tables, _root_causes_first(problems, unparsed)


def _drained(items: list[CheckedPart]) -> Iterator[CheckedPart]:
    """The items in order, each let go of by the list as it is given (the list is emptied)."""
    items.reverse()
    while items:
        yield items.pop()


# A file is checked in pieces of this many tables (`_pieces`), if it has more.
PIECE_TABLES = 2000


# A file of at least this many pieces has the later share of them read by a helper process
# (forked.Helper), where there are two cores: forking, and handing back the checked entries as
# JSON, cost less than the parsing and checking they save from about 8 pieces on.
PARALLEL_PIECES = 8
HELPER_SHARE = 0.5


def _pieces(
    path: str,
    texts: list[str],
    text: Callable[[], str],
    keep: Callable[[dict[str, Any]], Any],
    digests: list[tuple[str, str]] | None = None,
    keep_encoded: Callable[[str], Any] | None = None,
) -> list[CheckedPart] | None:
    """A big file's tables parsed and checked a piece at a time; or None if its pieces could be
    read differently from the whole (then the whole file is parsed, for its error messages too).
    `texts` are its pieces (`_piece_texts`), emptied as they are read; `text` gives the whole
    text, asked for only to locate a problem (or if the helper fails). `digests` gets each
    piece's (`_digests`).

    A piece read alone is read as within the file when every piece parses, holds only arrays of
    entry tables, and each kind's tables are in one run (the whole file's order): a header inside
    a multi-line string or array leaves a piece with an unclosed one, which does not parse.

    Where it pays (PARALLEL_PIECES), a forked helper reads the later pieces while this process
    reads the first; their entries come back as their tables' JSON, which `keep_encoded` keeps
    as is (else each is `keep`'s, as a table). If the helper fails, this process reads them too.
    """
    from ..catalogue.validation import ParsedFile, check_part
    from . import forked

    digested = digests is not None
    split = len(texts) - round(len(texts) * HELPER_SHARE) if len(texts) >= PARALLEL_PIECES else len(texts)
    with contextlib.ExitStack() as stack:
        later = texts[split:]
        helper = forked.start(lambda: _checked_alone(path, text, later, digested)) if later else None
        if helper is None:
            split = len(texts)  # all read here
        else:
            stack.enter_context(helper)
            later.clear()  # the helper has its own
        mine = texts[:split]
        texts.clear()
        parts = []
        found: list[tuple[str, str]] = []
        for number, piece in enumerate(mine):
            mine[number] = ""  # each piece is let go once read
            data = _parsed_piece(piece)
            if data is None:
                return None
            if not digested and keep_encoded is None:
                parts.append(check_part(ParsedFile(path, text, data), keep))
                continue
            content, encoded = _encoded(data)  # each table encoded once, for the digest and the store
            if digested:
                found.append((store.digest(piece), content))
            stage = keep if keep_encoded is None else functools.partial(_keep_encoded, keep_encoded, encoded)
            parts.append(check_part(ParsedFile(path, text, data), stage))
        handed = helper.results() if helper is not None else None
        if handed is None and helper is not None:  # it failed: the later pieces are read here
            handed = _checked_alone(path, text, (_piece_texts(text()) or [])[split:], digested)
        later_parts = handed if handed is not None else []
        try:
            for digest, part in cast("Iterator[_Alone]", later_parts):  # what _checked_alone yields
                if digest is not None:
                    found.append(digest)
                parts.append(_kept(part, path, text, keep, keep_encoded))
        except _NotAlone:  # a piece read here does not read alone: the whole file is parsed
            return None
    if digests is not None:
        digests += found
    return parts


def _parsed_piece(piece: str) -> dict[str, Any] | None:
    """A piece's tables, if it parses alone and holds only arrays of entry tables (see `_pieces`)."""
    import tomli

    from ..catalogue.models import TYPE_BY_TABLE

    try:
        data = tomli.loads(piece)
    except (tomli.TOMLDecodeError, RecursionError):
        return None
    if not all(
        key in TYPE_BY_TABLE and isinstance(value, list) and all(isinstance(item, dict) for item in value)
        for key, value in data.items()
    ):
        return None
    return data


# A piece checked alone: its digests (if asked for), then its entries' kinds and tables as JSON,
# its problems and the summaries of its entries left out for their types (validation.CheckedPart).
_Alone = tuple[tuple[str, str] | None, tuple[list[tuple[str, str]], list[Problem], list[Any]]]


class _NotAlone(Exception):
    """A piece of a file does not read alone as it reads within the file (see `_pieces`)."""


def _checked_alone(path: str, text: Callable[[], str], pieces: list[str], digested: bool) -> Iterator[_Alone]:
    """`pieces` of the file at `path` (whose text `text` gives) parsed and checked one by one, in
    plain data a helper process can hand back; _NotAlone if one cannot be read alone (a helper
    then fails, and this process finds it again)."""
    from ..catalogue.validation import ParsedFile, check_part

    for piece in pieces:
        data = _parsed_piece(piece)
        if data is None:
            raise _NotAlone
        content, encoded = _encoded(data)
        digest = (store.digest(piece), content) if digested else None
        # Each entry's table is kept as its JSON (str: the encoding as it is).
        part = check_part(ParsedFile(path, text, data), functools.partial(_keep_encoded, str, encoded))
        tables = [(entry.TABLE, table_json) for entry, table_json in part.pairs]
        yield digest, (tables, part.problems, part.salvaged)


def _kept(
    part: tuple[list[tuple[str, str]], list[Problem], list[Any]],
    path: str,
    text: Callable[[], str],
    keep: Callable[[dict[str, Any]], Any],
    keep_encoded: Callable[[str], Any] | None,
) -> CheckedPart:
    """A piece `_checked_alone` checked, as `check_part` would have made it here: each entry
    built from its table, beside what `keep_encoded` (or `keep`) makes of it."""
    from ..catalogue.models import TYPE_BY_TABLE, entry_from_table
    from ..catalogue.validation import CheckedPart, ParsedFile

    tables, problems, salvaged = part
    pairs = []
    for kind, encoded in tables:
        table = json.loads(encoded)
        entry = entry_from_table(TYPE_BY_TABLE[kind], table)
        pairs.append((entry, keep_encoded(encoded) if keep_encoded is not None else keep(table)))
    return CheckedPart(ParsedFile(path, text, {}), pairs, problems, salvaged)


_SPILL_CHARS = 1 << 20


def _spilled(text: str, spills: contextlib.ExitStack) -> Callable[[], str]:
    """A function giving `text` back from the unlinked temporary file it is written to (or from
    memory, if no file can be written), which `spills` closes; it reads the file once, when first
    called."""
    import tempfile

    try:
        spill = spills.enter_context(tempfile.TemporaryFile(prefix="rlhf-text-"))  # noqa: SIM115 (spills closes it)
        size = 0
        for start in range(0, len(text), _SPILL_CHARS):  # a slice at a time: no copy of the whole
            size += spill.write(text[start : start + _SPILL_CHARS].encode("utf-8"))
        spill.flush()
    except OSError:
        return lambda: text

    @functools.cache
    def read() -> str:
        # pread, not seek and read: a forked helper shares the file's offset.
        return os.pread(spill.fileno(), size, 0).decode("utf-8")

    return read


def _piece_texts(text: str) -> list[str] | None:
    """A big file's text cut into pieces of PIECE_TABLES tables, each starting at an `[[kind]]`
    header line; None if the file is small, or if a kind's tables are not all in one run."""
    headers = _headers(text)
    if len(headers) <= PIECE_TABLES:
        return None
    kinds = [match.group(1) for match in headers]
    runs = [kind for number, kind in enumerate(kinds) if number == 0 or kinds[number - 1] != kind]
    if len(set(runs)) != len(runs):
        return None
    starts = [0] + [match.start() for match in headers[PIECE_TABLES::PIECE_TABLES]]
    return [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)], strict=True)]


def _cut(text: str) -> list[tuple[str, int, str]]:
    """A file's pieces as a build reads them (`_piece_texts`; a small file is one piece), each
    with its count of `[[kind]]` header lines (for patch.py, which places pieces by them) and
    the digest of its text."""
    texts = _piece_texts(text) or [text]
    # Every piece of a big file holds PIECE_TABLES headers but the last (`_piece_texts`).
    counts = [PIECE_TABLES] * (len(texts) - 1) + [len(_headers(texts[-1]))]
    return [(piece, count, store.digest(piece)) for piece, count in zip(texts, counts, strict=True)]


def _encoded(data: dict[str, list[dict[str, Any]]]) -> tuple[str, dict[int, str]]:
    """The digest of a piece's content (`_digests`), and each of its tables encoded as the store
    keeps it (schema.encode_table), by the table's id: each table is encoded once for both. The
    content's JSON is made from the tables' own, as the encoder writes it: `{"kind":[a,b],...}`."""
    from .schema import encode_table

    encoded: dict[int, str] = {}
    runs = []
    for kind, tables in data.items():
        items = []
        for table in tables:
            items.append(encoded.setdefault(id(table), encode_table(table)))
        runs.append(f'"{kind}":[{",".join(items)}]')  # a kind is a table name, which JSON writes as is
    return store.digest("{" + ",".join(runs) + "}"), encoded


def _keep_encoded(keep: Callable[[str], Any], encoded: dict[int, str], table: dict[str, Any]) -> Any:
    """`keep` of a table's encoding (`_encoded`), for `check_part`, which hands over the table."""
    return keep(encoded[id(table)])


def _digests(text: str, data: dict[str, Any]) -> tuple[str, str]:
    """The digest of a piece's text, and of its content: its parsed tables as JSON (which a
    comment, a blank line or another spelling of the same value leaves unchanged)."""
    from . import schema

    return store.digest(text), store.digest(schema.encode_table(data))


def _headers(text: str) -> list[re.Match[str]]:
    """The `[[kind]]` header lines of a text (a header, its white space and a comment alone on its line)."""
    from ..catalogue.models import TYPE_BY_TABLE

    # Searched for without `^`, which makes the regex engine try every position of a big file
    # (four times slower), then kept if at the start of a line: a match inside a line ends at
    # its end, so it never hides one that starts the next.
    found = _header_pattern(tuple(TYPE_BY_TABLE)).finditer(text)
    return [match for match in found if match.start() == 0 or text[match.start() - 1] == "\n"]


@functools.cache
def _header_pattern(tables: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(map(re.escape, tables))
    return re.compile(rf"\[\[[ \t]*({names})[ \t]*\]\][ \t]*(?:#.*)?$", re.M)


_ID_LINE = re.compile(rb'^[ \t]*id[ \t]*=[ \t]*"(?P<id>[A-Za-z0-9_.-]+)', re.M)


def _root_causes_first(problems: list[Problem], unparsed: list[tuple[str, bytes]]) -> list[Problem]:
    """Files that could not be parsed first; then, in one line each, the references into them
    (to an id that such a file's text defines), which they caused; then the rest in file order,
    the entries' own problems before the references to missing entries."""
    defined_in = {match.group("id").decode(): path for path, raw in unparsed for match in _ID_LINE.finditer(raw)}
    causes = [problem for problem in problems if problem.file in dict(unparsed) and problem.entry is None]
    folded: dict[str, int] = {}
    rest: list[Problem] = []
    for problem in problems:
        if problem in causes:
            continue
        match = DANGLING.match(problem.message)
        if match and match.group("id") in defined_in:
            target = defined_in[match.group("id")]
            folded[target] = folded.get(target, 0) + 1
        else:
            rest.append(problem)
    # An entry's own problems before the references they leave dangling.
    rest.sort(key=lambda problem: DANGLING.match(problem.message) is not None)
    ordered: list[Problem] = []
    for cause in causes:
        ordered.append(cause)
        count = folded.pop(cause.file, 0)
        if count:
            name = Path(cause.file).name
            references = "reference" if count == 1 else "references"
            ordered.append(Problem(cause.file, f"and {count} {references} into {name}, which failed to parse"))
    return ordered + rest


def _toml_problem(path: str, error: Exception) -> Problem:
    """tomli's message ends '(at line L, column C)'; keep the line, drop the suffix."""
    message = str(error)
    line = getattr(error, "lineno", None)
    match = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if match:
        line = line or int(match.group(1))
        message = message[: match.start()]
    elif message.endswith("(at end of document)"):
        message = message.removesuffix("(at end of document)").strip()
    return Problem(path, f"invalid TOML: {message}", line=line)

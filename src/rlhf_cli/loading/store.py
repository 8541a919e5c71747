"""Validated catalogues, kept in one SQLite file per catalogue set in the user's cache folder.

A catalogue set is the list of catalogue files in force (bundled, the user's, --catalog ...).
Its store, `catalogue-SET.sqlite`, holds every validated entry as a row (its TOML table as JSON,
so a new model field needs no new column), tables and indexes for what commands filter and join
on, and the search index (docs/schema.md describes it all). The store's `meta` table records the
key of the content it was built from: the path and bytes of every file, the tool's version and
the code that defines validity. Any edit, addition, removal or touch of a file changes the key,
and a store whose key, schema version (`PRAGMA user_version`) or header does not match is built
again. A store is written under a temporary name and renamed into place, so readers see a whole
file or none; SQLite itself guards the file's pages. If the cache folder cannot be written, the
catalogue is built in memory instead: the cache only ever saves time.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..plain import Plain
from ..version import __version__

try:  # hashlib loads OpenSSL, which costs most of a warm start's spare time; built-in BLAKE2 is enough
    from _blake2 import blake2b
except ImportError:  # a Python built without it
    from hashlib import blake2b

CACHE_DIR_ENV = "RLHF_CACHE_DIR"
SCHEMA_VERSION = 3
# Changes to these files can change what counts as valid, or what the store holds.
_CODE_FILES = (
    "catalogue/models.py",
    "catalogue/validation.py",
    "query/search.py",
    "catalogue/catalog.py",
    "catalogue/identifiers.py",
    "catalogue/citekeys.py",
    "catalogue/methods.py",
    "loading/loader.py",
    "loading/store.py",
    "loading/schema.py",
    "loading/patch.py",
)
# The only names this module writes in the cache folder, and so the only ones it ever deletes.
_STORE_NAME = re.compile(r"catalogue-[0-9a-f]{32}\.sqlite")
_TEMPORARY_NAME = re.compile(r"\.catalogue-[0-9a-f]{32}\.[A-Za-z0-9_]{1,16}\.tmp")
# Stores of catalogue sets not used for this long, and temporary files this old, are removed.
_STALE_STORE_SECONDS = 30 * 24 * 3600.0
_STALE_TEMPORARY_SECONDS = 3600.0
_SQLITE_MAGIC = b"SQLite format 3\x00"


def cache_dir() -> Path:
    """The folder for the cache: $RLHF_CACHE_DIR, else $XDG_CACHE_HOME/rlhf, else ~/.cache/rlhf.

    The one place that decides where the cache lives: every reader and writer asks here.
    """
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec: a relative path in $XDG_CACHE_HOME is invalid and is to be ignored.
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "rlhf"


def cache_problem() -> str | None:
    """Why the cache folder must not be used, or None if it may (it is created, 0700, if missing;
    one that cannot be created is harmless, as every write to it fails).

    Whoever can write the cache can make the tool print and open their own data as validated
    (the store's key proves only which files it was built from, not who built it), so the folder
    must be a real folder of this user's that nobody else can write to.
    """
    folder = cache_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if info.st_uid != os.geteuid():
        return "it belongs to another user"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "other users can write to it"
    return None


def _code_digest() -> bytes:
    """A digest of the tool's version and of the code that defines validity."""
    digest = blake2b(f"rlhf {__version__} schema {SCHEMA_VERSION} {sys.byteorder}\0".encode())
    here = Path(__file__).parents[1]  # the package
    for name in _CODE_FILES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return digest.digest()


def code_key() -> str:
    """The digest of the tool's version and of the code that defines validity (`meta.code`): a
    store is patched or reused after an edit only if the same code built it."""
    return _code_digest().hex()


def content_key(files: list[tuple[str, bytes]]) -> str:
    """The key of a catalogue's content: the code, then the path and bytes of every file."""
    digest = blake2b(_code_digest(), digest_size=20)
    for path, content in files:
        digest.update(f"\0{path}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def digest(text: str) -> str:
    """A short digest of a text (of a piece of a catalogue file: loader._digests)."""
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def set_name(paths: list[str]) -> str:
    """The file name of the store of a catalogue set (its files, in order)."""
    digest = blake2b("\0".join(paths).encode("utf-8", "surrogateescape"), digest_size=16)
    return f"catalogue-{digest.hexdigest()}.sqlite"


def stat_key(paths: list[str]) -> str | None:
    """A key of the files' identities and change times (and of the code): cheap to compute, and
    different after any write to a file (which sets its ctime), a replacement or a touch. None if
    a file cannot be looked at."""
    digest = blake2b(_code_digest(), digest_size=20)
    for path in paths:
        try:
            found = os.stat(path)
        except OSError:
            return None
        facts = (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_dev)
        digest.update(f"\0{path}\0{facts}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def open_store(name: str) -> tuple[sqlite3.Connection, dict[str, str]] | None:
    """The store `name`, read-only, and its `meta` table, if it is whole and of this schema."""
    path = cache_dir() / name
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
            size = os.fstat(handle.fileno()).st_size
    except OSError:
        return None
    if not _header_matches(header, size):
        return None
    try:
        # immutable: the file is never changed in place (a new store replaces it by rename), so
        # SQLite need not lock it or look for a journal.
        connection = sqlite3.connect(f"file:{_uri_path(path)}?mode=ro&immutable=1", uri=True)
    except sqlite3.DatabaseError:
        return None
    try:
        if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            connection.close()
            return None
        meta = dict(connection.execute("SELECT name, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        connection.close()
        return None
    # Marks the store as in use, so pruning spares it; in a read-only cache folder it is still good to read.
    with contextlib.suppress(OSError):
        os.utime(path)
    return connection, meta


def _header_matches(header: bytes, size: int) -> bool:
    """True if the file starts as an SQLite database and is as long as its header says
    (a truncated or overwritten store fails this before any query sees it)."""
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        return False
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    change_counter = int.from_bytes(header[24:28], "big")
    return valid_for == change_counter and pages > 0 and page_size * pages == size


def _uri_path(path: Path) -> str:
    """The path as an SQLite URI wants it: the characters that end or escape a URI's path, %-escaped."""
    text = str(path.resolve())
    return text.replace("%", "%25").replace("?", "%3f").replace("#", "%23")


def write_store(
    name: str,
    fill: Callable[[sqlite3.Connection], None],
    cached: bool = True,
    base: sqlite3.Connection | None = None,
) -> sqlite3.Connection:
    """Build a store with `fill` and put it in the cache as `name`; the store, opened read-only.

    With `base` (an open store), the new store starts as a copy of it, which `fill` changes: a
    copy of its file (`_copied`), or else SQLite's backup of it (five times slower on a big store).
    If the cache folder cannot be written (or `cached` is false: it is not to be trusted), the
    store is built in memory and returned instead.
    """
    if not cached:
        return _in_memory(fill, base)
    from ..atomic import replace_file

    folder = cache_dir()

    def written(temporary: Path) -> None:
        copied = base is not None and _copied(base, temporary)
        connection = sqlite3.connect(temporary)
        try:
            # The file is renamed into place only once complete, so it needs no journal of its own.
            connection.execute("PRAGMA journal_mode = OFF")
            connection.execute("PRAGMA synchronous = OFF")
            if base is not None and not copied:
                base.backup(connection)
            fill(connection)
            connection.commit()
        finally:
            connection.close()

    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        replace_file(folder / name, written, durable=True, new_mode=0o600)
    except (OSError, sqlite3.Error):  # the folder is full, or became unwritable
        return _in_memory(fill, base)
    prune(folder, keep=name)
    reopened = sqlite3.connect(f"file:{_uri_path(folder / name)}?mode=ro&immutable=1", uri=True)
    return reopened


def _copied(base: sqlite3.Connection, temporary: Path) -> bool:
    """Whether `temporary` (empty) now holds a copy of the file of the store `base` has open. The
    copy is by the file's name, which a store written since `base` was opened may have taken
    (stores are replaced by rename): it counts only if its `meta` is `base`'s, else `temporary`
    is left empty."""
    import shutil

    query = "SELECT name, value FROM meta ORDER BY name"
    path = next((row[2] for row in base.execute("PRAGMA database_list") if row[1] == "main"), "")
    if not path:
        return False
    try:
        shutil.copyfile(path, temporary)
        copy = sqlite3.connect(f"file:{_uri_path(temporary)}?mode=ro", uri=True)
        try:
            if copy.execute(query).fetchall() == base.execute(query).fetchall():
                return True
        finally:
            copy.close()
    except (OSError, sqlite3.Error):
        pass
    os.truncate(temporary, 0)
    return False


def _in_memory(fill: Callable[[sqlite3.Connection], None], base: sqlite3.Connection | None) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    if base is not None:
        base.backup(connection)
    fill(connection)
    connection.commit()
    return connection


def prune(folder: Path, keep: str) -> None:
    """Remove stores unused for a month and temporary files left by interrupted builds.

    Only files whose names match exactly what this module writes, directly inside `folder`.
    """
    now = time.time()
    try:
        children = list(os.scandir(folder))
    except OSError:
        return
    for child in children:
        if child.name == keep or not child.is_file(follow_symlinks=False):
            continue
        if _STORE_NAME.fullmatch(child.name):
            stale = _STALE_STORE_SECONDS
        elif _TEMPORARY_NAME.fullmatch(child.name):
            stale = _STALE_TEMPORARY_SECONDS
        else:
            continue
        try:
            if now - child.stat(follow_symlinks=False).st_mtime > stale:
                os.unlink(child.path)
        except OSError:  # gone already, or not ours to remove
            pass


class StoreInfo(Plain, frozen=True):
    """What `rlhf cache info` shows of one store."""

    path: Path
    size: int
    entries: int | None  # None if the store cannot be read (damaged, or another schema)
    files: list[str]
    current: bool  # the store of the catalogue set in use


def stores() -> list[Path]:
    """The stores in the cache folder."""
    try:
        return sorted(Path(child.path) for child in os.scandir(cache_dir()) if _STORE_NAME.fullmatch(child.name))
    except OSError:
        return []


def describe(path: Path, current: str | None) -> StoreInfo:
    """A store's size, entries and catalogue files, read without trusting it."""
    entries: int | None = None
    files: list[str] = []
    try:
        size = path.stat().st_size
        connection = sqlite3.connect(f"file:{_uri_path(path)}?mode=ro", uri=True)
        try:
            if connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                entries = connection.execute("SELECT count(*) FROM entries").fetchone()[0]
                files = [row[0] for row in connection.execute("SELECT path FROM files ORDER BY position")]
        finally:
            connection.close()
    except (OSError, sqlite3.DatabaseError):
        size = size if "size" in locals() else 0
    return StoreInfo(path, size, entries, files, path.name == current)


def clear() -> list[Path]:
    """Remove every store and temporary file this module wrote; the paths removed."""
    removed: list[Path] = []
    try:
        children = list(os.scandir(cache_dir()))
    except OSError:
        return removed
    for child in children:
        ours = _STORE_NAME.fullmatch(child.name) or _TEMPORARY_NAME.fullmatch(child.name)
        if ours and child.is_file(follow_symlinks=False):
            try:
                os.unlink(child.path)
                removed.append(Path(child.path))
            except OSError:
                pass
    return removed

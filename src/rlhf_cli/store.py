"""Validated catalogues, cached on disk so that a warm run needs neither TOML nor pydantic.

Catalogue files are cut into pieces of whole entries (pieces.py), and the cache keeps three kinds
of folder, each named after a key of its content and holding data only, never code:

- piece-KEY: one validated piece (the key covers the piece's bytes and the code that defines
  validity). entries.jsonl holds one validated TOML table a line, `[table name, table]`;
  entries.idx the byte offset of each line and entries.crc its CRC-32, so a search reads (and
  checks) only the entries it shows; summary.json what other pieces need to know of each entry
  (kind, id, names, links), so that checking links never reads the entries themselves.
- segment-KEY: the search index (search.py) of consecutive pieces holding about a thousand
  entries between them: one piece of a big file, or several small files. The key covers the
  pieces and the names of the datasets and environments their entries link to, since those are
  searchable too.
- store-KEY: a whole catalogue (the key covers the path and bytes of every file): the lists of
  its pieces and of its segments in catalogue order, each with its number of entries, ids.txt
  and used_by.u32 (how many entries use each).

An edit to one entry therefore makes one new piece and segment and a small new store; the rest
is found in the cache. Every folder has a meta.json with the size and BLAKE2 digest of each of
its files, is written into a temporary folder and renamed into place (readers see all of it or
none of it; two processes building the same folder at once both succeed), and is checked when
read. Whatever goes wrong with the cache (missing, unreadable, corrupt, unwritable), the
catalogue is built afresh instead: the cache only ever saves time.
"""

from __future__ import annotations

import bisect
import json
import os
import stat
import sys
import time
import zlib
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from . import __version__

try:  # hashlib loads OpenSSL, which costs most of a warm start's spare time; built-in BLAKE2 is enough
    from _blake2 import blake2b
except ImportError:  # a Python built without it
    from hashlib import blake2b

CACHE_DIR_ENV = "RLHF_CACHE_DIR"
FORMAT = 5
# Changes to these files can change what counts as valid, how entries become records, or what
# the cache holds.
_CODE_FILES = (
    "models.py",
    "validation.py",
    "records.py",
    "search.py",
    "catalog.py",
    "pieces.py",
    "loader.py",
    "store.py",
)
_ARRAYS = {
    "text_ref_offsets": "I",
    "text_refs": "I",
    "word_text_offsets": "I",
    "word_texts": "I",
    "entry_kinds": "B",
}
_LISTS = ("texts", "words", "entry_titles")
# Cache folders not used for this long are removed when a new store is written.
_STALE_SECONDS = 3600.0
# Every folder the cache writes holds this file first, and only folders holding it are ever
# removed: $RLHF_CACHE_DIR may name a folder of the user's own, with their own `piece-*`.
MARKER = ".rlhf-cache"


class StoreError(Exception):
    """A cache folder on disk is damaged; the caller rebuilds the catalogue."""


def cache_dir() -> Path:
    """The folder for the cache: $RLHF_CACHE_DIR, else $XDG_CACHE_HOME/rlhf, else ~/.cache/rlhf."""
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
    (the digests prove only that files were not torn, not who wrote them), so the folder must be
    a real folder of this user's that nobody else can write to.
    """
    folder = cache_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None  # it cannot be made: nothing can be written to it either, and nobody else wrote it
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if info.st_uid != os.geteuid():
        return "it belongs to another user"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "other users can write to it"
    return None


_CODE_DIGEST: list[bytes] = []


def _code_digest() -> bytes:
    """A digest of the tool's version and of the code that defines validity (read once a run)."""
    if not _CODE_DIGEST:
        digest = blake2b(f"rlhf {__version__} store {FORMAT} {sys.byteorder}\0".encode())
        here = Path(__file__).parent
        for name in _CODE_FILES:
            try:
                digest.update((here / name).read_bytes())
            except OSError:
                digest.update(name.encode())
        _CODE_DIGEST.append(digest.digest())
    return _CODE_DIGEST[0]


def key_for(files: list[tuple[str, bytes]]) -> str:
    """The key of a whole catalogue: the code, then the path and bytes of every file."""
    digest = blake2b(_code_digest())
    for path, content in files:
        digest.update(f"\0{path}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def piece_key(data: bytes | memoryview) -> str:
    digest = blake2b(_code_digest() + b"\0piece\0", digest_size=24)
    digest.update(data)
    return digest.hexdigest()


def segment_key(pieces: list[str], linked_names: list[list[str]]) -> str:
    names = json.dumps([pieces, linked_names], ensure_ascii=False).encode("utf-8")
    return blake2b(b"segment\0" + names, digest_size=24).hexdigest()


class _Folder:
    """One cache folder, each file checked against its recorded size and digest when read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.meta: dict[str, Any] = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            if self.meta.get("format") != FORMAT:
                raise StoreError(f"{path.name}: another format")
        except (OSError, ValueError) as error:
            raise StoreError(f"{path.name}: {error}") from error

    def sizes_match(self) -> bool:
        try:
            return all((self.path / name).stat().st_size == size for name, (size, _) in self.meta["files"].items())
        except (OSError, KeyError, TypeError, ValueError, AttributeError):
            return False

    def read(self, name: str) -> bytes:
        try:
            data = (self.path / name).read_bytes()
            size, digest = self.meta["files"][name]
        except (OSError, KeyError, TypeError, ValueError) as error:
            raise StoreError(f"{self.path.name}/{name}: {error}") from error
        if len(data) != size or blake2b(data, digest_size=20).hexdigest() != digest:
            raise StoreError(f"{self.path.name}/{name} does not match its recorded size or hash")
        return data

    def array(self, name: str, typecode: str) -> array[int]:
        values = array(typecode)
        values.frombytes(self.read(name))
        return values

    def text_lines(self, name: str) -> list[str]:
        text = self.read(name).decode("utf-8")
        return text.split("\n") if text else []


def _write_folder(name: str, files: dict[str, bytes], meta: dict[str, Any], replace: bool = False) -> bool:
    """Write a cache folder atomically; True if it is in place (written now or by another process).

    A folder already there is kept (its name says what it holds), unless it is incomplete or
    `replace` is set (for a store that failed to open).
    """
    import tempfile  # only writers need it; readers start faster without it

    folder = cache_dir()
    if not replace and (folder / name / "meta.json").exists():
        return True
    if (folder / name).exists():
        remove_folder(folder / name)
    try:
        temporary = Path(tempfile.mkdtemp(prefix=".store-", dir=folder))
    except OSError:
        return False
    try:
        (temporary / MARKER).write_bytes(b"")
        recorded: dict[str, list[Any]] = {}
        for file_name, data in files.items():
            (temporary / file_name).write_bytes(data)
            recorded[file_name] = [len(data), blake2b(data, digest_size=20).hexdigest()]
        (temporary / "meta.json").write_text(json.dumps(meta | {"format": FORMAT, "files": recorded}), encoding="utf-8")
        os.rename(temporary, folder / name)
    except OSError:
        # Unwritable, full, or another process renamed the same folder into place first.
        remove_folder(temporary)
        return (folder / name / "meta.json").exists()
    return True


def entry_lines(tables: Iterable[list[Any]]) -> list[bytes]:
    """The lines of entries.jsonl: each `[table name, table]` as compact JSON."""
    return [_compact_json(table) + b"\n" for table in tables]


def write_piece(key: str, lines: list[bytes], summary: list[Any], standalone: bool) -> bool:
    offsets = array("Q", [0])
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    files = {
        "entries.jsonl": b"".join(lines),
        "entries.idx": offsets.tobytes(),
        "entries.crc": array("I", (zlib.crc32(line) for line in lines)).tobytes(),
        "summary.json": _compact_json(summary),
    }
    return _write_folder(f"piece-{key}", files, {"entries": len(lines), "standalone": standalone})


def read_piece(key: str) -> tuple[list[Any], bool] | None:
    """A cached piece's summary, and whether it parses alone as within its file (pieces.py);
    None if it is not in the cache (or is damaged)."""
    path = cache_dir() / f"piece-{key}"
    if not path.exists():
        return None
    try:
        folder = _Folder(path)
        summary: list[Any] = json.loads(folder.read("summary.json"))
        standalone = folder.meta["standalone"]
        if not folder.sizes_match() or len(summary) != folder.meta["entries"] or not isinstance(standalone, bool):
            raise StoreError(f"{path.name} is damaged")
    except (StoreError, ValueError, KeyError, TypeError):
        drop_piece(key)  # damaged: it is made afresh
        return None
    return summary, standalone


def drop_piece(key: str) -> None:
    remove_folder(cache_dir() / f"piece-{key}")


def piece_lines(key: str) -> list[bytes]:
    """Every entry line of a cached piece."""
    return _Folder(cache_dir() / f"piece-{key}").read("entries.jsonl").splitlines(keepends=True)


def has_segment(key: str) -> bool:
    try:
        return _Folder(cache_dir() / f"segment-{key}").sizes_match()
    except StoreError:
        return False


def write_segment(key: str, index: Any) -> bool:
    files = {f"{name}.txt": "\n".join(_one_line(item) for item in getattr(index, name)).encode() for name in _LISTS}
    for name, typecode in _ARRAYS.items():
        files[f"{name}.{_suffix(typecode)}"] = array(typecode, getattr(index, name)).tobytes()
    return _write_folder(f"segment-{key}", files, {})


def write_store(
    key: str, pieces: list[tuple[str, int]], segments: list[tuple[str, int]], ids: list[str], used_by: list[int]
) -> bool:
    """Write the store of a whole catalogue whose pieces and segments are in the cache already."""
    files = {
        "ids.txt": "\n".join(ids).encode("utf-8"),
        "used_by.u32": array("I", used_by).tobytes(),
    }
    meta = {"key": key, "entries": len(ids), "pieces": pieces, "segments": segments}
    # The store is written only when it could not be opened: whatever is there is damaged.
    written = _write_folder(f"store-{key}", files, meta, replace=True)
    if written:
        _prune(cache_dir(), keep=f"store-{key}")
    return written


def open_store(key: str, rebuild: Callable[[], Any]) -> Any | None:
    """The store for `key` as a `Snapshot`, or None if there is none (or it is plainly damaged)."""
    from .snapshot import Snapshot

    try:
        reader = StoreReader(cache_dir() / f"store-{key}")
        if reader.meta.get("key") != key or not reader.complete():
            return None
        os.utime(reader.folder.path)  # marks the store as in use, so pruning spares it
    except (StoreError, OSError, KeyError, TypeError, ValueError):
        return None
    return Snapshot.from_store(reader, rebuild)


class StoreReader:
    """Reads a whole catalogue's store and the pieces and segments it lists."""

    def __init__(self, path: Path) -> None:
        self.folder = _Folder(path)
        self.meta = self.folder.meta
        self._pieces: list[str] = [str(piece) for piece, _ in self.meta["pieces"]]
        self._segments: list[str] = [str(segment) for segment, _ in self.meta["segments"]]
        self._starts = _starts(count for _, count in self.meta["pieces"])
        self._segment_starts = _starts(count for _, count in self.meta["segments"])
        self._opened: dict[int, _Folder] = {}
        self._offsets: dict[int, tuple[array[int], array[int]]] = {}
        self._positions: dict[str, int] | None = None
        self._used_by: array[int] | None = None

    def _folders(self) -> list[str]:
        return [f"piece-{piece}" for piece in self._pieces] + [f"segment-{segment}" for segment in self._segments]

    def complete(self) -> bool:
        """True if the store's own files and every piece and segment it lists are present."""
        root = cache_dir()
        entries = self.meta["entries"]
        return (
            self.folder.sizes_match()
            and self._starts[-1] == entries
            and self._segment_starts[-1] == entries
            and all((root / name / "meta.json").exists() for name in self._folders())
        )

    def discard(self) -> None:
        """Remove this store and everything it lists from the cache (it was found damaged)."""
        for name in self._folders():
            remove_folder(cache_dir() / name)
        remove_folder(self.folder.path)

    def _piece(self, number: int) -> _Folder:
        if number not in self._opened:
            self._opened[number] = _Folder(cache_dir() / f"piece-{self._pieces[number]}")
        return self._opened[number]

    def _entries_of(self, number: int) -> list[bytes]:
        return self._piece(number).read("entries.jsonl").splitlines()

    def tables(self) -> list[list[Any]]:
        """Every entry's table, in catalogue order."""
        lines = [line for number in range(len(self._pieces)) for line in self._entries_of(number)]
        try:
            tables: list[list[Any]] = json.loads(b"[" + b",".join(lines) + b"]")
        except ValueError as error:
            raise StoreError(f"entries.jsonl: {error}") from error
        if len(tables) != self.meta["entries"]:
            raise StoreError("the pieces hold another number of entries than the store lists")
        return tables

    def table(self, position: int) -> list[Any]:
        """One entry's table, read alone."""
        number = bisect.bisect_right(self._starts, position) - 1
        if not 0 <= number < len(self._pieces):
            raise StoreError(f"no entry at position {position}")
        piece = self._piece(number)
        if number not in self._offsets:
            self._offsets[number] = (piece.array("entries.idx", "Q"), piece.array("entries.crc", "I"))
        offsets, crcs = self._offsets[number]
        local = position - self._starts[number]
        try:
            start, end = offsets[local], offsets[local + 1]
            with open(piece.path / "entries.jsonl", "rb") as handle:
                handle.seek(start)
                line = handle.read(end - start)
            if zlib.crc32(line) != crcs[local]:
                raise ValueError(f"line {local + 1} does not match its checksum")
            table: list[Any] = json.loads(line)
        except (OSError, ValueError, IndexError) as error:
            raise StoreError(f"{piece.path.name}/entries.jsonl: {error}") from error
        return table

    def position_of(self, entry_id: str) -> int | None:
        if self._positions is None:
            ids = self.folder.text_lines("ids.txt")
            self._positions = {entry_id: position for position, entry_id in enumerate(ids)}
        return self._positions.get(entry_id)

    def used_by(self, position: int) -> int:
        if self._used_by is None:
            self._used_by = self.folder.array("used_by.u32", "I")
        try:
            return self._used_by[position]
        except IndexError as error:
            raise StoreError("used_by.u32 is too short") from error

    def segment_starts(self) -> list[int]:
        """The catalogue position of each segment's first entry."""
        return self._segment_starts[:-1]

    def segment(self, number: int) -> dict[str, Any]:
        """The parts of one segment's search index (see search.SearchIndex)."""
        segment = self._segments[number]
        folder = _Folder(cache_dir() / f"segment-{segment}")
        parts: dict[str, Any] = {name: folder.text_lines(f"{name}.txt") for name in _LISTS}
        for name, typecode in _ARRAYS.items():
            parts[name] = folder.array(f"{name}.{_suffix(typecode)}", typecode)
        if len(parts["entry_kinds"]) != self._segment_starts[number + 1] - self._segment_starts[number]:
            raise StoreError(f"segment-{segment} indexes another number of entries than the store lists")
        return parts


def _starts(counts: Iterable[int]) -> list[int]:
    """The position of each part's first entry, then the total."""
    starts = [0]
    for count in counts:
        starts.append(starts[-1] + int(count))
    return starts


def _prune(folder: Path, keep: str) -> None:
    """Remove stores, pieces and segments (and half-written folders) nobody has used for a while."""
    now = time.time()
    try:
        children = list(folder.iterdir())
    except OSError:
        return
    stores = [p for p in children if p.name.startswith("store-")]
    old_stores = [p for p in stores if p.name != keep and _age(p, now) > _STALE_SECONDS]
    for path in old_stores:
        remove_folder(path)
    in_use: set[str] = set()
    for path in stores:
        if path in old_stores:
            continue
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            in_use.update(f"piece-{piece}" for piece, _ in meta["pieces"])
            in_use.update(f"segment-{segment}" for segment, _ in meta["segments"])
        except (OSError, ValueError, KeyError, TypeError):
            return  # a store being read or written: prune another time
    for path in children:
        unused = path.name.startswith(("piece-", "segment-")) and path.name not in in_use
        if (unused or path.name.startswith(".store-")) and _age(path, now) > _STALE_SECONDS:
            remove_folder(path)


def remove_folder(path: Path) -> None:
    """Remove a folder the cache wrote, and nothing else: never recursively, never through a link.

    Only a real folder of this user's that holds the cache's marker is touched; its plain files
    are removed, then the folder if that left it empty. Anything else is left as it is.
    """
    try:
        info = path.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or not (path / MARKER).is_file():
            return
        for child in path.iterdir():
            if stat.S_ISREG(child.lstat().st_mode):
                child.unlink()
        path.rmdir()
    except OSError:
        pass  # in use by another process, or not ours after all: the cache only ever saves time


def _age(path: Path, now: float) -> float:
    try:
        return now - path.stat().st_mtime
    except OSError:
        return 0.0


# One encoder for all: json.dumps with options builds a new encoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _compact_json(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def _suffix(typecode: str) -> str:
    return "u8" if typecode == "B" else "u32"


def _one_line(text: str) -> str:
    """List files hold one item a line; titles (only used to order ties) lose any line breaks."""
    return text.replace("\r", " ").replace("\n", " ")

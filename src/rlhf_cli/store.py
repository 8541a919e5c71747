"""Validated catalogues, cached on disk so that a warm run needs neither TOML nor pydantic.

A store is a folder named after a key that covers the tool's version, the code that defines
validity and the path and bytes of every catalogue file: any edit, added or removed file gives a
new key, so a stale store is never read. It holds, in formats that carry data and never code:

- meta.json      format, key, entry count, and the size and BLAKE2 digest of every other file
- entries.jsonl  one validated TOML table a line, `[table name, table]`, in catalogue order;
                 entries.idx holds the byte offset of each line and entries.crc its CRC-32,
                 so a search reads (and checks) only the entries it shows
- ids.txt, used_by.u32  each entry's id and how many entries use it, so an entry's record
                 can be made without loading the rest
- texts.txt, words.txt, entry_titles.txt, *.u32, entry_kinds.u8: the search index (search.py)

A store is written into a temporary folder and renamed into place, so readers see all of it or
none of it, and two processes building the same store at once both succeed. Whatever goes wrong
with a store (missing, unreadable, corrupt, unwritable), the catalogue is built afresh instead:
the store only ever saves time.
"""

from __future__ import annotations

import json
import os
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
FORMAT = 4
# Changes to these files can change what counts as valid or how entries become records.
_CODE_FILES = ("models.py", "validation.py", "records.py", "search.py", "catalog.py")
_ARRAYS = {
    "text_ref_offsets": "I",
    "text_refs": "I",
    "word_text_offsets": "I",
    "word_texts": "I",
    "entry_kinds": "B",
}
_LISTS = ("texts", "words", "entry_titles")
# Stores not used for this long are removed when a new one is written.
_STALE_SECONDS = 3600.0


class StoreError(Exception):
    """A store on disk is damaged; the caller rebuilds the catalogue."""


def cache_dir() -> Path:
    """The folder for stores: $RLHF_CACHE_DIR, else $XDG_CACHE_HOME/rlhf, else ~/.cache/rlhf."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rlhf"


def key_for(files: list[tuple[str, bytes]]) -> str:
    digest = blake2b(f"rlhf {__version__} store {FORMAT} {sys.byteorder}\0".encode())
    here = Path(__file__).parent
    for name in _CODE_FILES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    for path, content in files:
        digest.update(f"\0{path}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def open_store(key: str, rebuild: Callable[[], Any]) -> Any | None:
    """The store for `key` as a `Snapshot`, or None if there is none (or it is plainly damaged)."""
    from .snapshot import Snapshot

    folder = cache_dir() / f"store-{key}"
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("key") != key:
            return None
        for name, (size, _) in meta["files"].items():
            if (folder / name).stat().st_size != size:
                return None
        os.utime(folder)  # marks the store as in use, so pruning spares it
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Snapshot.from_store(StoreReader(folder, meta), rebuild)


class StoreReader:
    """Reads the parts of one store folder, checking each against its recorded size and hash."""

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        self.folder = folder
        self.meta = meta
        self._offsets: array[int] | None = None
        self._crcs: array[int] | None = None
        self._positions: dict[str, int] | None = None
        self._used_by: array[int] | None = None

    def _bytes(self, name: str) -> bytes:
        try:
            data = (self.folder / name).read_bytes()
        except OSError as error:
            raise StoreError(f"{name}: {error}") from error
        size, digest = self.meta["files"][name]
        if len(data) != size or blake2b(data, digest_size=20).hexdigest() != digest:
            raise StoreError(f"{name} does not match its recorded size or hash")
        return data

    def _array(self, name: str, typecode: str) -> array[int]:
        values = array(typecode)
        values.frombytes(self._bytes(name))
        return values

    def tables(self) -> list[list[Any]]:
        """Every entry's table, in catalogue order."""
        lines = self._bytes("entries.jsonl").rstrip(b"\n").split(b"\n")
        try:
            tables: list[list[Any]] = json.loads(b"[" + b",".join(lines) + b"]")
        except ValueError as error:
            raise StoreError(f"entries.jsonl: {error}") from error
        return tables

    def table(self, position: int) -> list[Any]:
        """One entry's table, read alone."""
        if self._offsets is None or self._crcs is None:
            self._offsets, self._crcs = self._array("entries.idx", "Q"), self._array("entries.crc", "I")
        try:
            start, end = self._offsets[position], self._offsets[position + 1]
            with open(self.folder / "entries.jsonl", "rb") as handle:
                handle.seek(start)
                line = handle.read(end - start)
            if zlib.crc32(line) != self._crcs[position]:
                raise ValueError(f"line {position + 1} does not match its checksum")
            table: list[Any] = json.loads(line)
        except (OSError, ValueError, IndexError) as error:
            raise StoreError(f"entries.jsonl: {error}") from error
        return table

    def position_of(self, entry_id: str) -> int | None:
        if self._positions is None:
            ids = self._bytes("ids.txt").decode("utf-8").split("\n")
            self._positions = {entry_id: position for position, entry_id in enumerate(ids)}
        return self._positions.get(entry_id)

    def used_by(self, position: int) -> int:
        if self._used_by is None:
            self._used_by = self._array("used_by.u32", "I")
        try:
            return self._used_by[position]
        except IndexError as error:
            raise StoreError("used_by.u32 is too short") from error

    def index_parts(self) -> dict[str, Any]:
        parts: dict[str, Any] = {}
        for name in _LISTS:
            text = self._bytes(f"{name}.txt").decode("utf-8")
            parts[name] = text.split("\n") if text else []
        for name, typecode in _ARRAYS.items():
            parts[name] = self._array(f"{name}.{_suffix(typecode)}", typecode)
        return parts


def entry_lines(tables: Iterable[list[Any]]) -> list[bytes]:
    """The lines of entries.jsonl: each `[table name, table]` as compact JSON."""
    return [_compact_json(table) + b"\n" for table in tables]


def write_store(key: str, lines: list[bytes], catalogue: Any, index: Any) -> None:
    """Write a store for `key`; a failure leaves the catalogue usable and the cache as it was."""
    import shutil  # only writers need these; readers start faster without them
    import tempfile

    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=".store-", dir=folder))
    except OSError:
        return
    try:
        files: dict[str, list[Any]] = {}

        def put(name: str, data: bytes) -> None:
            (temporary / name).write_bytes(data)
            files[name] = [len(data), blake2b(data, digest_size=20).hexdigest()]

        offsets = array("Q", [0])
        for line in lines:
            offsets.append(offsets[-1] + len(line))
        put("entries.jsonl", b"".join(lines))
        put("entries.idx", offsets.tobytes())
        put("entries.crc", array("I", (zlib.crc32(line) for line in lines)).tobytes())
        put("ids.txt", "\n".join(entry.id for entry in catalogue.entries).encode("utf-8"))
        put("used_by.u32", array("I", (catalogue.users_count(entry) for entry in catalogue.entries)).tobytes())
        for name in _LISTS:
            put(f"{name}.txt", "\n".join(_one_line(item) for item in getattr(index, name)).encode("utf-8"))
        for name, typecode in _ARRAYS.items():
            put(f"{name}.{_suffix(typecode)}", array(typecode, getattr(index, name)).tobytes())
        meta = {"format": FORMAT, "key": key, "entries": len(lines), "files": files}
        (temporary / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        os.rename(temporary, folder / f"store-{key}")
    except OSError:
        # Unwritable, full, or another process renamed the same store into place first.
        shutil.rmtree(temporary, ignore_errors=True)
        return
    _prune(folder, keep=f"store-{key}")


def _prune(folder: Path, keep: str) -> None:
    """Remove stores and half-written temporary folders that nobody has used for a while."""
    import shutil

    now = time.time()
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(("store-", ".store-")) and p.name != keep]
    except OSError:
        return
    for path in candidates:
        try:
            if now - path.stat().st_mtime > _STALE_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue
    legacy = folder / "catalog.json"  # the single-file cache of version 0.1.0 before stores
    if legacy.exists():
        legacy.unlink(missing_ok=True)


# One encoder for all: json.dumps with options builds a new encoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _compact_json(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def _suffix(typecode: str) -> str:
    return "u8" if typecode == "B" else "u32"


def _one_line(text: str) -> str:
    """List files hold one item a line; titles (only used to order ties) lose any line breaks."""
    return text.replace("\r", " ").replace("\n", " ")

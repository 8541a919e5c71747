"""Cut a catalogue file into pieces of whole entries, so that an edit re-reads only its piece.

A piece ends just before an entry's `[[paper]]` (or other kind's) header line, where the line
after the header has a CRC-32 divisible by CUT_EVERY and the piece holds at least MIN_ENTRIES
entries already. The cuts depend on the text around them, not on where they fall in the file:
inserting or changing an entry changes its own piece, and at most the next (where the minimum
size may move a cut), and no other.

Parsing the pieces one by one must give what parsing the whole file gives. That holds when every
piece parses on its own into arrays of tables, each written with as many `[[kind]]` headers as
the piece has tables of that kind (`standalone`), and no kind's entries are split by another's
across pieces (`in_file_order`); otherwise the loader reads the file as one piece. A header line
inside a multi-line string, for instance, leaves the piece before it with an unterminated string
(it does not parse) or with one header too many (it is not standalone).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

from .models import TYPE_BY_TABLE

MIN_ENTRIES = 500
CUT_EVERY = 512

# Catalogue files are UTF-8, where these ASCII bytes mean what they say: a file is cut as bytes,
# and only the pieces not in the cache are decoded.
_HEADER = re.compile(
    rb"^[ \t]*\[\[[ \t]*(" + "|".join(TYPE_BY_TABLE).encode() + rb")[ \t]*\]\][ \t]*(?:#[^\n]*)?$", re.MULTILINE
)


@dataclass(slots=True)
class Piece:
    path: str  # of its file
    data: memoryview  # the piece's bytes, within its file's

    def text(self) -> str:
        return str(self.data, "utf-8")


def cut(path: str, raw: bytes) -> list[Piece]:
    """The pieces of a file, in order; one piece if it has no place to cut."""
    starts = [0]
    in_piece = 0
    for match in _HEADER.finditer(raw):
        in_piece += 1
        if in_piece <= MIN_ENTRIES:
            continue
        line_end = raw.find(b"\n", match.end() + 1)
        following = raw[match.end() + 1 : len(raw) if line_end < 0 else line_end]
        if zlib.crc32(following) % CUT_EVERY == 0:
            starts.append(match.start())
            in_piece = 1
    whole = memoryview(raw)
    return [Piece(path, whole[start:end]) for start, end in zip(starts, [*starts[1:], len(raw)], strict=True)]


def standalone(piece: Piece, data: dict[str, Any]) -> bool:
    """True if the piece parsed on its own (into `data`) as it would within its file: only
    arrays of tables of known kinds, each table under its own `[[kind]]` header."""
    headers: dict[str, int] = {}
    for match in _HEADER.finditer(piece.data):
        kind = match.group(1).decode()
        headers[kind] = headers.get(kind, 0) + 1
    return all(isinstance(tables, list) and len(tables) == headers.get(kind) for kind, tables in data.items())


def in_file_order(kinds_of_pieces: list[list[str]]) -> bool:
    """True if putting the pieces' entries one after another keeps their file's order, in which
    each kind's entries come together (TOML gathers a kind's tables, wherever they stand)."""
    seen: list[str] = []
    for kinds in kinds_of_pieces:
        for kind in kinds:
            if not seen or seen[-1] != kind:
                if kind in seen:
                    return False
                seen.append(kind)
    return True

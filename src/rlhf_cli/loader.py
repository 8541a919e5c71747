"""Find catalogue files, read them and turn them into a validated `Catalogue`.

The cold path parses TOML and validates with pydantic; the warm path finds the same bytes in the
cache and skips both.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import store
from .catalog import Catalogue
from .errors import CatalogError, Problem
from .models import Codebase, Entry, Paper
from .snapshot import Snapshot, paused_gc

if TYPE_CHECKING:
    from .pieces import Piece

CATALOG_ENV = "RLHF_CATALOG"
NO_BUNDLED_ENV = "RLHF_NO_BUNDLED"
USER_CATALOG_ENV = "RLHF_USER_CATALOG"


def bundled_catalog_dir() -> Path:
    """The catalogue shipped with the tool: inside the wheel, or the repository's catalog/."""
    package_dir = Path(__file__).resolve().parent
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
    from .config import load_config

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
    return list(dict.fromkeys(files)), problems


def load(paths: list[Path]) -> Catalogue:
    """The whole catalogue at `paths`, validated."""
    return open_snapshot(paths).catalogue


def open_snapshot(paths: list[Path], tolerant: bool = False) -> Snapshot:
    """The catalogue at `paths`, from its store when every file is unchanged, else built afresh.

    Strict (the default), any problem raises CatalogError. Tolerant, files with problems are left
    out (as many rounds as it takes, since leaving out one file can break another's links) and
    the rest is used; the problems are kept in `snapshot.left_out` for the caller to report.
    """
    files, left_out = _expand(paths)
    contents, unreadable = _read(files)
    left_out += unreadable
    if left_out and not tolerant:
        raise CatalogError(left_out)
    while True:
        try:
            snapshot = _open(contents)
        except CatalogError as error:
            broken = {problem.file for problem in error.problems}
            remaining = [(path, raw) for path, raw in contents if path not in broken]
            if not tolerant or len(remaining) == len(contents):
                raise CatalogError(left_out + error.problems) from None
            left_out += error.problems
            contents = remaining
            continue
        snapshot.left_out = left_out
        return snapshot


def _open(contents: list[tuple[str, bytes]]) -> Snapshot:
    unsafe = store.cache_problem()
    if unsafe is not None:
        with paused_gc():
            uncached = _build_whole(contents)
        uncached.cache_warning = f"the cache folder {store.cache_dir()} is not used: {unsafe}"
        return uncached
    key = store.key_for(contents)

    def rebuild() -> Snapshot:
        return _build(contents, key)

    snapshot: Snapshot | None = store.open_store(key, rebuild)
    return snapshot if snapshot is not None else rebuild()


def _build(contents: list[tuple[str, bytes]], key: str) -> Snapshot:
    """Validate the catalogue piece by piece, reusing the pieces the cache holds, and store it;
    on any problem, check every file whole instead, to report each problem exactly."""
    with paused_gc():
        snapshot = _build_from_pieces(contents, key)
        if snapshot is not None:
            return snapshot
        return _build_whole(contents)


def _build_whole(contents: list[tuple[str, bytes]]) -> Snapshot:
    """Parse and validate every file whole and keep the result in memory only: the way to find
    every problem, and the fallback when the cache cannot be written."""
    from .search import SearchIndex

    entries, problems = _parse_and_check(contents)  # (the caller has paused the GC)
    if problems:
        raise CatalogError(problems)
    catalogue = Catalogue(entries)
    return Snapshot(catalogue=catalogue, index=SearchIndex.build(catalogue))


# A piece of the catalogue, in the cache: its key and its summary.
_Made = tuple[str, list[Any]]


def _build_from_pieces(contents: list[tuple[str, bytes]], key: str) -> Snapshot | None:
    """The catalogue's store, made from its files' pieces (pieces.py); None if some file has a
    problem or the cache cannot be written."""
    from . import pieces

    made: list[_Made] = []
    for path, raw in contents:
        cut = pieces.cut(path, raw)
        found = _validated_pieces(cut)
        if found is None and len(cut) > 1:
            found = _validated_pieces([pieces.Piece(path, memoryview(raw))])
        if found is None:
            return None
        made += found
    summaries = [summary for _, piece_summaries in made for summary in piece_summaries]
    if _cross_problems(summaries):
        return None
    by_id = {summary[1]: summary for summary in summaries}
    segments: list[tuple[str, int]] = []
    for group in _segment_groups(made):
        piece_keys = [piece_key for piece_key, _ in group]
        linked = [_linked_names(summary, by_id) for _, piece_summaries in group for summary in piece_summaries]
        segment = store.segment_key(piece_keys, linked)
        if not store.has_segment(segment) and not _write_segment(segment, group, by_id):
            return None
        segments.append((segment, len(linked)))
    users: dict[str, int] = {}
    for kind, _, _, _, datasets, envs, _ in summaries:
        if kind in ("paper", "codebase"):
            for target in dict.fromkeys([*datasets, *envs]):
                users[target] = users.get(target, 0) + 1
    ids = [summary[1] for summary in summaries]
    layout = [(piece_key, len(piece_summaries)) for piece_key, piece_summaries in made]
    if not store.write_store(key, layout, segments, ids, [users.get(entry_id, 0) for entry_id in ids]):
        return None
    return store.open_store(key, lambda: _build(contents, key))


def _validated_pieces(cut: list[Piece]) -> list[_Made] | None:
    """Each piece of one file, from the cache or validated now (and put in the cache at once, so
    that a big file is never held whole); None if one has a problem or cannot be cached, or if
    the file is in several pieces and they do not read as the whole file would."""
    from . import pieces

    found: list[_Made] = []
    for piece in cut:
        piece_key = store.piece_key(piece.data)
        cached = store.read_piece(piece_key) or _validate_piece(piece_key, piece)
        if cached is None:
            return None
        summary, standalone = cached
        if len(cut) > 1 and not standalone:
            return None
        found.append((piece_key, summary))
    if len(cut) > 1 and not pieces.in_file_order([[entry[0] for entry in summary] for _, summary in found]):
        return None
    return found


def _validate_piece(piece_key: str, piece: Piece) -> tuple[list[Any], bool] | None:
    """Validate a piece and put it in the cache; its summary and whether it is standalone."""
    import tomli

    from . import pieces
    from .validation import ParsedFile, check_file, summary_of

    try:
        text = piece.text()
        data = tomli.loads(text)
    except (UnicodeDecodeError, tomli.TOMLDecodeError, RecursionError):
        return None
    entries, problems = check_file(ParsedFile(piece.path, text, data))
    if problems:
        return None
    lines = store.entry_lines([kind, row] for kind, rows in data.items() for row in rows)
    summary = [list(summary_of(entry, compact=True)) for entry in entries]
    standalone = pieces.standalone(piece, data)
    return (summary, standalone) if store.write_piece(piece_key, lines, summary, standalone) else None


def _cross_problems(summaries: list[Any]) -> bool:
    """True if entries of different pieces clash: a duplicate id, a broken link, a shared name."""
    from .validation import ParsedFile, cross_problems

    ids = [summary[1] for summary in summaries]
    if len(set(ids)) != len(ids):
        return True
    # Whether there is a problem is all this needs; the whole-file check then says where.
    nowhere = ParsedFile("", "", {})
    return bool(cross_problems(summaries, dict.fromkeys(ids, nowhere)))


def _linked_names(summary: list[Any], by_id: dict[str, list[Any]]) -> list[str]:
    """The names of the datasets and environments an entry links to: searchable with it."""
    kind, _, _, _, datasets, envs, _ = summary
    if kind not in ("paper", "codebase"):
        return []
    return [by_id[i][2] for i in datasets if by_id[i][0] == "dataset"] + [
        by_id[i][2] for i in envs if by_id[i][0] == "environment"
    ]


# A segment of the search index gathers consecutive pieces until it holds this many entries, so
# that a catalogue of small files is searched as one segment and a big file a piece at a time.
SEGMENT_ENTRIES = 1000


def _segment_groups(made: list[_Made]) -> list[list[_Made]]:
    groups: list[list[_Made]] = [[]]
    count = 0
    for piece in made:
        if count >= SEGMENT_ENTRIES:
            groups.append([])
            count = 0
        groups[-1].append(piece)
        count += len(piece[1])
    return [group for group in groups if group]


def _write_segment(segment: str, group: list[_Made], by_id: dict[str, list[Any]]) -> bool:
    from .models import TYPE_BY_TABLE, entry_from_table
    from .search import SearchIndex

    entries: list[Entry] = []
    for piece_key, _ in group:
        try:
            tables = [json.loads(line) for line in store.piece_lines(piece_key)]
            entries += [entry_from_table(TYPE_BY_TABLE[name], table) for name, table in tables]
        except (store.StoreError, ValueError, KeyError, TypeError, AttributeError):
            store.drop_piece(piece_key)  # damaged: the next run validates the piece afresh
            return False
    return store.write_segment(segment, SearchIndex.build(_PieceTexts(entries, by_id)))


class _Named:
    __slots__ = ("display_name",)

    def __init__(self, display_name: str) -> None:
        self.display_name = display_name


class _PieceTexts:
    """A piece's entries, with the names of what they link to anywhere in the catalogue."""

    def __init__(self, entries: list[Entry], by_id: dict[str, list[Any]]) -> None:
        self.entries = entries
        self._by_id = by_id

    def datasets_of(self, entry: Paper | Codebase) -> list[_Named]:
        return [_Named(self._by_id[i][2]) for i in entry.datasets if self._by_id[i][0] == "dataset"]

    def envs_of(self, entry: Paper | Codebase) -> list[_Named]:
        return [_Named(self._by_id[i][2]) for i in entry.envs if self._by_id[i][0] == "environment"]


def check(paths: list[Path]) -> list[Problem]:
    """Every problem in the catalogue at `paths`, never using the cache."""
    files, problems = _expand(paths)
    contents, unreadable = _read(files)
    return problems + unreadable + _parse_and_check(contents)[1]


def _read(files: list[Path]) -> tuple[list[tuple[str, bytes]], list[Problem]]:
    contents: list[tuple[str, bytes]] = []
    problems: list[Problem] = []
    for path in files:
        try:
            contents.append((str(path), path.read_bytes()))
        except OSError as error:
            problems.append(Problem(str(path), f"cannot read: {error.strerror or error}"))
    return contents, problems


def _parse_and_check(contents: list[tuple[str, bytes]]) -> tuple[list[Entry], list[Problem]]:
    import tomli  # only the cold path parses TOML

    from .validation import ParsedFile, check_files

    parsed: list[ParsedFile] = []
    problems: list[Problem] = []
    for path, raw in contents:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw.count(b"\n", 0, error.start) + 1
            problems.append(Problem(path, f"not valid UTF-8 (byte {error.start})", line=line))
            continue
        try:
            parsed.append(ParsedFile(path, text, tomli.loads(text)))
        except tomli.TOMLDecodeError as error:
            problems.append(_toml_problem(path, error))
        except RecursionError:  # tomli's own limit on nested arrays and tables
            problems.append(Problem(path, "invalid TOML: arrays or tables nested too deeply"))
    entries, file_problems = check_files(parsed)
    problems += file_problems
    problems.sort(key=lambda problem: (problem.file, problem.line or 0))  # stable: keeps order within a line
    return entries, problems


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

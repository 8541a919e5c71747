"""Find catalogue files, read them and turn them into a validated `Catalogue`.

The cold path parses TOML, validates with pydantic and writes the catalogue's store (store.py);
the warm path finds a store of the same bytes in the cache and skips all three.
"""

from __future__ import annotations

import gc
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import store
from .catalog import Catalogue
from .errors import CatalogError, Problem
from .models import Entry

if TYPE_CHECKING:
    from .view import CatalogueView

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


def catalogue_files(paths: list[Path]) -> list[Path]:
    """The catalogue files at `paths` (folders give their .toml files), leaving out what is missing."""
    return _expand(paths)[0]


def load(paths: list[Path]) -> Catalogue:
    """The whole catalogue at `paths`, validated, in memory."""
    return open_view(paths).catalogue()


def open_view(paths: list[Path], tolerant: bool = False) -> CatalogueView:
    """The catalogue at `paths`, from its store when every file is unchanged, else built afresh.

    Strict (the default), any problem raises CatalogError. Tolerant, files with problems are left
    out (as many rounds as it takes, since leaving out one file can break another's links) and
    the rest is used; the problems travel in the view (`view.problems`) for the caller to report.
    """
    from .view import CatalogueView

    files, left_out = _expand(paths)
    contents, unreadable = _read(files)
    left_out += unreadable
    if left_out and not tolerant:
        raise CatalogError(left_out)
    name = store.set_name([path for path, _ in contents])
    unsafe = store.cache_problem()
    while True:
        key = store.content_key(contents)
        connection = store.open_store(name, key) if unsafe is None else None
        if connection is not None:
            break
        try:
            connection = _build(name, key, contents, cached=unsafe is None)
        except CatalogError as error:
            broken = {problem.file for problem in error.problems}
            remaining = [(path, raw) for path, raw in contents if path not in broken]
            if not tolerant or len(remaining) == len(contents):
                raise CatalogError(left_out + error.problems) from None
            left_out += error.problems
            contents = remaining
            continue
        break
    final = contents

    def rebuild() -> sqlite3.Connection:
        return _build(name, store.content_key(final), final, cached=unsafe is None)

    view = CatalogueView(connection, rebuild, left_out)
    if unsafe is not None:
        view.cache_warning = f"the cache folder {store.cache_dir()} is not used: {unsafe}"
    return view


def _build(name: str, key: str, contents: list[tuple[str, bytes]], cached: bool = True) -> sqlite3.Connection:
    """Validate every file and write the catalogue's store; CatalogError if there is a problem."""
    from . import schema

    with paused_gc():
        entries, tables, problems = _parse_and_check(contents)
        if problems:
            raise CatalogError(problems)
        catalogue = Catalogue(entries)
        sizes = [(path, len(raw)) for path, raw in contents]
        return store.write_store(
            name, lambda connection: schema.fill(connection, key, sizes, catalogue, tables), cached=cached
        )


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


def check(paths: list[Path]) -> list[Problem]:
    """Every problem in the catalogue at `paths`, never using the cache."""
    files, problems = _expand(paths)
    contents, unreadable = _read(files)
    return problems + unreadable + _parse_and_check(contents)[2]


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
) -> tuple[list[Entry], list[dict[str, Any]], list[Problem]]:
    """Every valid entry, and its TOML table (in the same order, if there is no problem); every problem."""
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
    # With no problem, each file's tables became its entries one for one, in this order.
    tables = [] if problems else [row for file in parsed for rows in file.data.values() for row in rows]
    return entries, tables, problems


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

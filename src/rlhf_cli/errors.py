"""The project's exceptions and exit codes.

Library modules raise these; only the CLI turns them into messages and exit codes.
"""

from __future__ import annotations

import re
from enum import IntEnum

from .plain import Plain


class ExitCode(IntEnum):
    """Exit codes, documented in the README."""

    OK = 0
    NO_MATCH = 1  # a query or lookup found nothing (including an unknown id or name)
    USAGE = 2  # malformed command line: bad option, bad value such as --year abc
    CATALOG = 3  # a catalogue file is unreadable, malformed or inconsistent
    WRITE = 4  # a file (import, export) or stdout could not be written; what was there is unchanged
    INTERRUPTED = 130  # Ctrl-C


# A reference to a missing entry (validation's message), and the line that folds many (loader).
DANGLING = re.compile(r"^no \w+ with id '(?P<id>[^']*)'")
FOLDED = re.compile(r"^and \d+ references? into ")


class Problem(Plain):
    """One defect in a catalogue, located as precisely as the input allows."""

    file: str
    message: str
    line: int | None = None
    entry: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, str | int | None]:
        """Its fields by name (as a store records a build's problems: loader._build)."""
        return {key: getattr(self, key) for key in self.FIELDS}

    def in_file(self, file: str) -> Problem:
        """The same problem, located in `file` (a staged copy's problem, told of the real file)."""
        return Problem(file, self.message, self.line, self.entry, self.field)

    def consequence(self) -> str:
        """What a tolerant load leaves out for this problem (loader.open_view, validation.good_entries)."""
        if DANGLING.match(self.message) or FOLDED.match(self.message):
            return "link left unresolved"
        if self.entry is not None:
            return "entry left out"
        if self.message.startswith(("invalid TOML", "not valid UTF-8", "cannot read", "a symbolic link", "no such")):
            return "file left out"
        return "left out"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.entry is not None:
            parts.append(f"entry '{self.entry}'")
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class Stop(Exception):
    """End a command with `exit_code` after its output (it has said what it had to say)."""

    def __init__(self, exit_code: ExitCode) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


class RlhfError(Exception):
    """An expected failure: the CLI prints it as one line and exits with `exit_code`."""

    exit_code: ExitCode = ExitCode.USAGE


class CatalogError(RlhfError):
    """The catalogue could not be loaded; `problems` lists every defect found."""

    exit_code = ExitCode.CATALOG

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        first = str(problems[0]) if problems else "unknown problem"
        more = f" (and {count - 1} more problem{'s' if count > 2 else ''}; run 'rlhf validate')" if count > 1 else ""
        super().__init__(first + more)


class UsageError(RlhfError):
    """A command-line value is malformed (not merely unknown)."""

    exit_code = ExitCode.USAGE


class WriteError(RlhfError):
    """A file could not be written; the previous file, if any, is intact."""

    exit_code = ExitCode.WRITE


class NotFoundError(RlhfError):
    """A name given on the command line matches no entry; carries close suggestions."""

    exit_code = ExitCode.NO_MATCH

    def __init__(self, what: str, value: str, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        message = f"no {what} named '{value}'"
        if suggestions:
            message += "; did you mean " + ", ".join(f"'{s}'" for s in suggestions) + "?"
        super().__init__(message)


class AmbiguousError(RlhfError):
    """A name given on the command line fits several entries; carries them (id, title)."""

    exit_code = ExitCode.NO_MATCH

    def __init__(self, what: str, value: str, candidates: list[tuple[str, str]]) -> None:
        self.candidates = candidates
        listed = "; ".join(f"'{entry_id}' ({title})" for entry_id, title in candidates[:8])
        more = f" and {len(candidates) - 8} more" if len(candidates) > 8 else ""
        super().__init__(f"'{value}' could be any of {len(candidates)} {what} entries: {listed}{more}; give an id")


class UnreadableListError(RlhfError):
    """A list (Markdown or BibTeX) in which no item was recognised: nothing to import or lint."""

    exit_code = ExitCode.CATALOG

    def __init__(self, name: str, lines: list[tuple[int, str]]) -> None:
        self.lines = lines
        shown = "; ".join(f"line {number}: {text!r}" for number, text in lines[:3])
        message = f"{name}: no item recognised in any layout rlhf reads"
        super().__init__(
            f"{message}; first lines not understood: {shown}" if shown else f"{message} (the file is empty)"
        )

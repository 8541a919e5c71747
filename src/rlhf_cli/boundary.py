"""The one error boundary: a command's expected failures become one line and a documented exit code.

Both ways of running a command go through `guarded`: the Typer app (cli/) and the hot path
(hotpath.py), which answers the commonest command lines without importing Typer at all. So it
must not import Typer either.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import render
from .errors import ExitCode, RlhfError, Stop

if TYPE_CHECKING:
    from .errors import Problem
    from .snapshot import Snapshot

# Problems of catalogue files that a command left out to go on with the rest (see
# loader.open_snapshot); `guarded` reports them after the command's output and exits 3.
LEFT_OUT: list[Problem] = []
_SHOWN_PROBLEMS = 5


def open_snapshot(catalog: list[Path] | None, no_bundled: bool, tolerant: bool = True) -> Snapshot:
    """The catalogue in use. Tolerant (for commands that only read), broken files are left out,
    the rest is used, and the command then reports them and exits 3."""
    from .loader import catalog_paths
    from .loader import open_snapshot as open_paths

    snapshot = open_paths(catalog_paths(catalog, bundled=not no_bundled), tolerant=tolerant)
    if snapshot.cache_warning:
        render.note(f"rlhf: warning: {snapshot.cache_warning}")
    LEFT_OUT.extend(snapshot.left_out)
    return snapshot


def guarded(command: Callable[[], object]) -> ExitCode:
    """Run a command; print an expected failure as one line; return the exit code.

    Anything that is not an `RlhfError` is a bug and keeps its traceback.
    """
    LEFT_OUT.clear()
    code = ExitCode.OK
    try:
        command()
    except RlhfError as problem:
        render.error(str(problem))
        code = problem.exit_code
    except Stop as stop:
        code = stop.exit_code
    except BrokenPipeError:
        # The reader went away (`rlhf papers | head -1`): stop quietly, and keep Python's
        # final flush of stdout from complaining about the closed pipe.
        render.drop_stdout()
        return ExitCode.OK
    if LEFT_OUT:  # say why the results may be short; a broken catalogue outranks "no match"
        _report_left_out()
        return ExitCode.CATALOG
    return code


def _report_left_out() -> None:
    """One line per problem (a few at most), each saying its file was left out."""
    for problem in LEFT_OUT[:_SHOWN_PROBLEMS]:
        render.error(f"{problem} (file left out; the rest of the catalogue was used)")
    if len(LEFT_OUT) > _SHOWN_PROBLEMS:
        render.error(f"and {len(LEFT_OUT) - _SHOWN_PROBLEMS} more problems; run 'rlhf validate' to see them all")

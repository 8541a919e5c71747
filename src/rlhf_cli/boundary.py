"""The one error boundary: a command's expected failures become one line and a documented exit code.

Both ways of running a command go through `guarded`: the Typer app (cli/) and the hot path
(hotpath.py), which answers the commonest command lines without importing Typer at all. So it
must not import Typer either.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ExitCode, RlhfError, Stop
from .output import render

if TYPE_CHECKING:
    from .errors import Problem
    from .loading.view import CatalogueView

_SHOWN_PROBLEMS = 5


class Session:
    """One run of a command: the catalogues it opened, and the problems of the files they left out."""

    def __init__(self) -> None:
        self.left_out: list[Problem] = []

    def open(self, catalog: list[Path] | None, no_bundled: bool, tolerant: bool = True) -> CatalogueView:
        """The catalogue in use. Tolerant (for commands that only read), broken files are left out,
        the rest is used, and the command then reports them and exits 3."""
        from .loading.loader import catalog_paths, open_view

        view = open_view(catalog_paths(catalog, bundled=not no_bundled), tolerant=tolerant)
        if view.cache_warning:
            render.note(f"rlhf: warning: {view.cache_warning}")
        self.left_out.extend(view.problems)
        return view


def guarded(command: Callable[[Session], object]) -> ExitCode:
    """Run a command; print an expected failure as one line; return the exit code.

    Anything that is not an `RlhfError` is a bug and keeps its traceback. Files the command's
    catalogue left out are reported after its output (exit 3).
    """
    session = Session()
    code = ExitCode.OK
    try:
        command(session)
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
    if session.left_out:  # say why the results may be short; a broken catalogue outranks "no match"
        _report_left_out(session.left_out)
        return ExitCode.CATALOG
    return code


def _report_left_out(left_out: list[Problem]) -> None:
    """One line per problem (a few at most), each saying what was left out for it."""
    for problem in left_out[:_SHOWN_PROBLEMS]:
        render.error(f"{problem} ({problem.consequence()}; the rest of the catalogue was used)")
    if len(left_out) > _SHOWN_PROBLEMS:
        render.error(f"and {len(left_out) - _SHOWN_PROBLEMS} more problems; run 'rlhf validate' to see them all")

"""The `rlhf` command line: options in, records out. Only this package imports typer.

Commands compile their options and QUERY into one query (querylang.py), run it on the catalogue
and hand records to `render`. Expected failures (`RlhfError`) become one line on stderr and a
documented exit code in `_error_boundary`, which wraps every command. Commands live in
listings.py (search and the lists), entries.py (one entry: show, related, open, cite) and
tools.py (validate, stats, graph, export).
"""

import functools
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from .. import __version__, render
from ..errors import ExitCode, RlhfError
from ..render import Format

if TYPE_CHECKING:
    from ..errors import Problem

F = TypeVar("F", bound=Callable[..., Any])


# Problems of catalogue files that a command left out to go on with the rest (see
# loader.open_snapshot); the boundary reports them after the command's output and exits 3.
LEFT_OUT: "list[Problem]" = []
_SHOWN_PROBLEMS = 5


def _report_left_out() -> None:
    """One line per problem (a few at most), each saying its file was left out."""
    for problem in LEFT_OUT[:_SHOWN_PROBLEMS]:
        render.error(f"{problem} (file left out; the rest of the catalogue was used)")
    if len(LEFT_OUT) > _SHOWN_PROBLEMS:
        render.error(f"and {len(LEFT_OUT) - _SHOWN_PROBLEMS} more problems; run 'rlhf validate' to see them all")


def _error_boundary(command: F) -> F:
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        LEFT_OUT.clear()
        try:
            result = command(*args, **kwargs)
        except RlhfError as problem:
            render.error(str(problem))
            if LEFT_OUT:
                _report_left_out()
            raise typer.Exit(ExitCode.CATALOG if LEFT_OUT else problem.exit_code) from None
        except typer.Exit:
            if LEFT_OUT:  # say why the results may be short; a broken catalogue outranks "no match"
                _report_left_out()
                raise typer.Exit(ExitCode.CATALOG) from None
            raise
        except BrokenPipeError:
            # The reader went away (`rlhf papers | head -1`): stop quietly, and keep Python's
            # final flush of stdout from complaining about the closed pipe.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(ExitCode.OK) from None
        if LEFT_OUT:
            _report_left_out()
            raise typer.Exit(ExitCode.CATALOG)
        return result

    return run  # type: ignore[return-value]


class _App(typer.Typer):
    """A Typer app whose every command runs inside the error boundary."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        register = super().command(*args, **kwargs)
        return lambda command: register(_error_boundary(command))


app = _App(
    name="rlhf",
    help="The RLHF research map in your terminal: papers, code, datasets, environments and reading.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class KindChoice(StrEnum):
    PAPER = "paper"
    DATASET = "dataset"
    CODEBASE = "codebase"
    ENVIRONMENT = "environment"
    BLOG = "blog"
    BOOK = "book"
    TOPIC = "topic"


def _complete(kinds: tuple[str, ...] | None = None, what: str = "names") -> Callable[[str], list[str]]:
    """A completion callback offering catalogue values that start with what was typed."""

    def complete(incomplete: str) -> list[str]:
        from ..completion import candidates

        return candidates(what, kinds, incomplete)

    return complete


CatalogOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--catalog",
        "-c",
        help="Add a catalogue file or folder of .toml files (repeatable); $RLHF_CATALOG adds more.",
        show_default=False,
    ),
]
NoBundledOption = Annotated[
    bool,
    typer.Option("--no-bundled", help="Leave out the bundled catalogue: use only --catalog and $RLHF_CATALOG."),
]
FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format. Default: table on a terminal, tsv (tab-separated, no header) in a pipe.",
        show_default=False,
    ),
]
LimitOption = Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Show at most this many.")]
QueryArgument = Annotated[
    list[str] | None,
    typer.Argument(
        help="A query such as 'year:>=2022 code:yes ds:truthfulqa -kw:diffusion' (see the README).",
        show_default=False,
    ),
]
ExplainOption = Annotated[
    bool, typer.Option("--explain", help="Print the parsed query and why each result matched (to stderr).")
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rlhf {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """The RLHF research map in your terminal: papers, code, datasets, environments and reading."""


from . import entries, listings, lists, tools  # noqa: E402, F401  (registers the commands on `app`)

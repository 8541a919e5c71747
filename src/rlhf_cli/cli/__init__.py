"""The `rlhf` command line: options in, records out. Only this package imports typer.

Commands compile their options and QUERY into one query (querylang.py), run it on the catalogue
and hand records to `render`. Every command runs inside the one error boundary (boundary.py),
where expected failures (`RlhfError`) become one line on stderr and a documented exit code.
Commands live in listings.py (search and the lists), entries.py (one entry: show, related, open,
cite), tools.py (validate, stats, graph, export), lists.py (import, lint) and agents.py (mcp).
A plain search and completion requests usually never get here: hotpath.py answers them without Typer.
"""

import functools
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from .. import __version__
from ..boundary import LEFT_OUT, guarded, open_snapshot
from ..errors import ExitCode
from ..render import Format

if TYPE_CHECKING:
    from ..querylang import Node

__all__ = ["LEFT_OUT", "command", "open_snapshot", "user_query"]  # what the command modules share

F = TypeVar("F", bound=Callable[..., Any])


def _error_boundary(command: F) -> F:
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        code = guarded(lambda: command(*args, **kwargs))
        if code != ExitCode.OK:
            raise typer.Exit(code)

    return run  # type: ignore[return-value]  # functools.wraps keeps F's signature; mypy cannot see it


# Commands are recorded here by `command()` and put on a Typer app by `build_app`, which loads
# only the module of the command being run: Typer builds every registered command's parameters
# on each run, and importing and building all of them would cost more than the command itself.
_REGISTERED: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {}
COMMAND_MODULES = {
    **dict.fromkeys(["search", "papers", "codebases", "datasets", "envs", "blogs", "books", "topics"], "listings"),
    **dict.fromkeys(["show", "related", "cite", "open"], "entries"),
    **dict.fromkeys(["stats", "graph", "export", "validate"], "tools"),
    **dict.fromkeys(["import", "lint"], "lists"),
    "mcp": "agents",
}
_MODULE_ORDER = ("listings", "entries", "tools", "lists", "agents")  # the order of `rlhf --help`


def command(name: str | None = None, **settings: Any) -> Callable[[F], F]:
    """Record a function as the command `name` (default: the function's name)."""

    def record(function: F) -> F:
        _REGISTERED[name or function.__name__] = (function, settings)
        return function

    return record


def build_app(only: str | None = None) -> typer.Typer:
    """The `rlhf` app; given the name of a command, an app holding just that command."""
    import importlib

    single = only if only in COMMAND_MODULES else None
    for module in _MODULE_ORDER:
        if single is None or COMMAND_MODULES[single] == module:
            importlib.import_module(f"{__name__}.{module}")
    app = typer.Typer(
        name="rlhf",
        help="The RLHF research map in your terminal: papers, code, datasets, environments and reading.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(main)
    for name, (function, settings) in _REGISTERED.items():
        if single is None or name == single:
            app.command(name, **settings)(_error_boundary(function))
    return app


def __getattr__(name: str) -> Any:
    """`rlhf_cli.cli.app`: the full app, for tests and for tools that want the Typer object."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


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
        from ..completion import candidates, requesting_shell, shell_word

        shell = requesting_shell() or ""
        return [shell_word(value, shell) for value in candidates(what, kinds, incomplete)]

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


def main(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """The RLHF research map in your terminal: papers, code, datasets, environments and reading."""


def user_query(words: list[str] | None) -> "Node | None":
    """The QUERY argument of a command, parsed."""
    from ..querylang import parse

    return parse(" ".join(words)) if words else None

"""The `rlhf` command line: options in, records out. Only cli/ imports typer (not this module).

Commands compile their options and QUERY into one query (querylang.py), run it on the catalogue
and hand records to `render`. Every command runs inside the one error boundary (boundary.py),
where expected failures (`RlhfError`) become one line on stderr and a documented exit code.
Commands live in listings.py (search and the lists), entries.py (one entry: show, related, open,
cite), methods.py (methods, lineage, path), tools.py (validate, stats, graph, export), lists.py
(import, lint), agents.py (mcp) and settings.py (config); typer_app.py builds the Typer app from
them. The commands of listings.py, entries.py and methods.py take their options' names, help and
completion from options.py and import no Typer, so that hotpath.py can parse their command lines
and run them with the very same functions, without Typer; anything it is unsure of goes to the
Typer app.
"""

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from ..boundary import Session

if TYPE_CHECKING:
    from ..query.querylang import Node

__all__ = ["Session", "command", "user_query"]  # what the command modules share

F = TypeVar("F", bound=Callable[..., Any])


# Each command module's functions are marked by `command()` and put on a Typer app by `build_app`,
# which loads only the module of the command being run: Typer builds every command's parameters on
# each run, and importing and building all of them would cost more than the command itself.
COMMAND_MODULES = {
    **dict.fromkeys(["search", "papers", "codebases", "datasets", "envs", "blogs", "books", "topics"], "listings"),
    **dict.fromkeys(["show", "related", "cite", "open"], "entries"),
    **dict.fromkeys(["methods", "lineage", "path"], "methods"),
    **dict.fromkeys(["stats", "graph", "export", "validate", "cache"], "tools"),
    **dict.fromkeys(["import", "lint"], "lists"),
    "mcp": "agents",
    "config": "settings",
}
_MODULE_ORDER = ("listings", "entries", "methods", "tools", "lists", "agents", "settings")  # the order of `rlhf --help`
# The examples that end each command's --help; tests/test_conventions.py runs the ones that only read.
EXAMPLES: dict[str, list[str]] = {
    "search": ["rlhf search ppo", "rlhf search reward model --kind paper -n 5", "rlhf search 'year:>=2023 dpo' --json"],
    "papers": [
        "rlhf papers --year 2017..2018 --env atari",
        "rlhf papers --dataset truthfulqa --has-code",
        "rlhf papers --method preference-optimization --explain",
    ],
    "codebases": ["rlhf codebases", "rlhf codebases --keyword ppo --json", "rlhf codebases --method ppo"],
    "datasets": ["rlhf datasets --used-by InstructGPT", "rlhf datasets --sort uses -n 10"],
    "envs": ["rlhf envs", "rlhf envs atari --json"],
    "blogs": ["rlhf blogs --language zh", "rlhf blogs ppo"],
    "books": ["rlhf books", "rlhf books --json"],
    "topics": ["rlhf topics --category technique", "rlhf topics 强化学习"],
    "show": ["rlhf show instructgpt", "rlhf show TruthfulQA --json", "rlhf show dpo"],
    "methods": ["rlhf methods", "rlhf methods preference-optimization", "rlhf methods -f json"],
    "lineage": ["rlhf lineage dpo", "rlhf lineage grpo --json"],
    "path": ["rlhf path preference-optimization", "rlhf path grpo -n 5 -f bibtex > grpo.bib"],
    "related": ["rlhf related instructgpt", "rlhf related truthfulqa -n 5 --json"],
    "cite": [
        "rlhf cite instructgpt nlpo",
        "rlhf cite instructgpt -f csl-json",
        "rlhf papers --env atari -f ids | rlhf cite -",
    ],
    "open": ["rlhf open instructgpt", "rlhf open nlpo --code --print"],
    "stats": ["rlhf stats", "rlhf stats --by keyword -n 10", "rlhf stats --by method --json"],
    "graph": [
        "rlhf graph ds:truthfulqa > graph.mmd",
        "rlhf graph --methods -f dot",
        "rlhf graph --lineage dpo -f svg > dpo.svg",
    ],
    "export": [
        "rlhf export rlhf.db",
        "rlhf export awesome.md --format markdown --lang zh",
        "rlhf export -f html site/",
    ],
    "validate": ["rlhf validate", "rlhf validate my-catalog/", "rlhf validate --sources reference-lists/"],
    "cache": ["rlhf cache info", "rlhf cache clear"],
    "import": ["rlhf import awesome-list.md --dry-run", "rlhf import awesome-list.md --into my-catalog/"],
    "lint": ["rlhf lint", "rlhf lint awesome-list.md --json"],
    "mcp": ["rlhf mcp", "rlhf mcp --catalog my-catalog/"],
    "config": ["rlhf config path", "rlhf config show"],
}


# The attribute `command()` puts on a command's function: its name and Typer settings.
_MARK = "rlhf_command"


def command(name: str | None = None, **settings: Any) -> Callable[[F], F]:
    """Mark a function as the command `name` (default: the function's name)."""

    def mark(function: F) -> F:
        setattr(function, _MARK, (name or function.__name__, settings))
        return function

    return mark


def module_commands(module: str) -> dict[str, tuple[Callable[..., Any], dict[str, Any]]]:
    """The commands of a module of this package (`COMMAND_MODULES`' values), imported, in the order
    it defines them: each one's function and settings."""
    import importlib

    found = importlib.import_module(f"{__name__}.{module}")
    commands: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {}
    for value in vars(found).values():
        mark = getattr(value, _MARK, None)
        if mark is not None and getattr(value, "__module__", None) == found.__name__:  # not one it imports
            commands[mark[0]] = (value, mark[1])
    return commands


def registered(name: str) -> tuple[Callable[..., Any], dict[str, Any]]:
    """The function of the command `name` and its settings, its module imported (KeyError if none)."""
    return module_commands(COMMAND_MODULES[name])[name]


# What typer_app.py holds, for `from rlhf_cli.cli import app` (tests, tools that want the Typer
# object) and for command modules written before it existed (new code imports from typer_app).
_TYPER_NAMES = (
    *("app", "build_app", "ClickUsageError", "usage_line", "_complete"),
    *("CatalogOption", "NoBundledOption", "FormatOption", "LimitOption", "MinScoreOption"),
    *("QueryArgument", "ExplainOption", "JsonOption"),
)


def __getattr__(name: str) -> Any:
    """The Typer app's names, imported on first use (importing this package imports no Typer)."""
    if name in _TYPER_NAMES:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.typer_app"), name)
    raise AttributeError(name)


class KindChoice(StrEnum):
    PAPER = "paper"
    DATASET = "dataset"
    CODEBASE = "codebase"
    ENVIRONMENT = "environment"
    BLOG = "blog"
    BOOK = "book"
    TOPIC = "topic"
    METHOD = "method"


def user_query(words: list[str] | None) -> "Node | None":
    """The QUERY argument of a command, parsed."""
    from ..query.querylang import parse

    return parse(" ".join(words)) if words else None

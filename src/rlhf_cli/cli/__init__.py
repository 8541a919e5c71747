"""The `rlhf` command line: options in, records out. Only this package imports typer.

Commands compile their options and QUERY into one query (querylang.py), run it on the catalogue
and hand records to `render`. Every command runs inside the one error boundary (boundary.py),
where expected failures (`RlhfError`) become one line on stderr and a documented exit code.
Commands live in listings.py (search and the lists), entries.py (one entry: show, related, open,
cite), tools.py (validate, stats, graph, export), lists.py (import, lint), agents.py (mcp) and
settings.py (config).
A plain search and completion requests usually never get here: hotpath.py answers them without Typer.
"""

import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ..boundary import Session, guarded
from ..errors import ExitCode, UsageError
from ..render import Format
from ..version import __version__

if TYPE_CHECKING:
    from ..querylang import Node

__all__ = ["Session", "command", "user_query"]  # what the command modules share

F = TypeVar("F", bound=Callable[..., Any])


def _error_boundary(command: F) -> F:
    """Run a command in the error boundary. A first parameter named `session` gets the run's
    `Session` (which opens catalogues and keeps what they left out) from here, not from the user."""
    signature = inspect.signature(command)
    parameters = list(signature.parameters.values())
    takes_session = bool(parameters) and parameters[0].name == "session"

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        if takes_session:
            code = guarded(lambda session: command(session, *args, **kwargs))
        else:
            code = guarded(lambda _: command(*args, **kwargs))
        if code != ExitCode.OK:
            raise typer.Exit(code)

    if takes_session:  # Typer reads the parameters from here: the session is not an option
        run.__signature__ = signature.replace(parameters=parameters[1:])  # type: ignore[attr-defined]
    return run  # type: ignore[return-value]  # functools.wraps keeps F's signature; mypy cannot see it


JsonOption = Annotated[bool, typer.Option("--json", help="Short for --format json.")]


def _json_alias(command: F) -> F:
    """Give a command that takes FormatOption a `--json` flag meaning `--format json`.

    Added here, once, rather than to every command's signature; Typer reads the signature.
    """
    import inspect

    signature = inspect.signature(command)
    if signature.parameters.get("output") is None or signature.parameters["output"].annotation != FormatOption:
        return command

    @functools.wraps(command)
    def run(*args: Any, json_output: bool = False, **kwargs: Any) -> Any:
        if json_output:
            chosen = kwargs.get("output")
            if chosen not in (None, Format.JSON):
                raise UsageError(f"--json and --format {chosen.value} ask for different formats; give one")
            kwargs["output"] = Format.JSON
        return command(*args, **kwargs)

    flag = inspect.Parameter("json_output", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=JsonOption)
    parameters = list(signature.parameters.values())
    at = parameters.index(signature.parameters["output"]) + 1
    # Keyword-only parameters must come last: the rest become keyword-only too (Typer calls by name).
    tail = [parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY) for parameter in parameters[at:]]
    run.__signature__ = signature.replace(parameters=[*parameters[:at], flag, *tail])  # type: ignore[attr-defined]
    run.__annotations__ = {**command.__annotations__, "json_output": JsonOption}
    return run  # type: ignore[return-value]  # the signature above is what Typer sees


# Commands are recorded here by `command()` and put on a Typer app by `build_app`, which loads
# only the module of the command being run: Typer builds every registered command's parameters
# on each run, and importing and building all of them would cost more than the command itself.
_REGISTERED: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {}
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


def no_color() -> bool:
    """NO_COLOR (https://no-color.org) is set: no escape codes at all, help included."""
    import os

    return bool(os.environ.get("NO_COLOR"))


def _epilog(name: str, plain: bool) -> str | None:
    examples = EXAMPLES.get(name)
    if not examples:
        return None
    lines = "\n".join(f"  {example}" for example in examples)
    # Click rewraps a paragraph unless it starts with \b; Rich reads [ as markup.
    return f"\b\nExamples:\n{lines}" if plain else "Examples:\n" + lines.replace("[", "\\[")


def command(name: str | None = None, **settings: Any) -> Callable[[F], F]:
    """Record a function as the command `name` (default: the function's name)."""

    def record(function: F) -> F:
        _REGISTERED[name or function.__name__] = (function, settings)
        return function

    return record


# The shells Typer writes completion scripts for (its `Shells`, in a private module).
COMPLETION_SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
_COMPLETION_HELP = {
    "install_completion": "Install completion for the shell named (bash, zsh, fish, powershell), else the current one.",
    "show_completion": "Print the completion script of the shell named (bash, zsh, fish, powershell), else of the "
    "current one, to copy it or customise the installation.",
}


class _Group(typer.core.TyperGroup):
    """The `rlhf` group, whose `--show-completion` and `--install-completion` take a shell's name.

    Typer's take no value where shellingham is installed (they detect the shell), so `rlhf
    --show-completion zsh` printed the detected shell's script; its Click has no options with
    an optional value, so the name is picked out here, before parsing, and passed on."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for index, option in enumerate(args):
            following = args[index + 1] if index + 1 < len(args) else ""
            if not option.startswith("-"):
                break  # the command's own options are the command's
            name = option.removeprefix("--").replace("-", "_")
            if name not in _COMPLETION_HELP or not following or following.startswith("-"):
                continue
            if following not in COMPLETION_SHELLS:
                shells = ", ".join(COMPLETION_SHELLS)
                raise typer.BadParameter(f"unknown shell '{following}' (the shells: {shells})", param_hint=option)
            from typer.completion import install_callback, show_callback

            param = next(param for param in self.get_params(ctx) if param.name == name)
            (show_callback if name == "show_completion" else install_callback)(ctx, param, following)
        return super().parse_args(ctx, args)

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if isinstance(param, typer.core.TyperOption) and param.name in _COMPLETION_HELP:
                param.help = _COMPLETION_HELP[param.name]
        return params


def build_app(only: str | None = None) -> typer.Typer:
    """The `rlhf` app; given the name of a command, an app holding just that command."""
    import importlib

    single = only if only in COMMAND_MODULES else None
    for module in _MODULE_ORDER:
        if single is None or COMMAND_MODULES[single] == module:
            importlib.import_module(f"{__name__}.{module}")
    plain = no_color()
    app = typer.Typer(
        cls=_Group,
        name="rlhf",
        help="The RLHF research map in your terminal: papers, code, datasets, environments and reading.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        # Rich keeps bold and dim under NO_COLOR; Click's own help has no escape codes at all.
        rich_markup_mode=None if plain else "rich",
    )
    app.callback()(main)
    for name, (function, settings) in _REGISTERED.items():
        if single is None or name == single:
            options = {"epilog": _epilog(name, plain)} | settings
            app.command(name, **options)(_error_boundary(_json_alias(function)))
    return app


# Typer vendors Click and exports no name for its UsageError; BadParameter is one kind of it.
ClickUsageError: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def usage_line(error: Exception) -> str | None:
    """A usage error from Typer's parser as the tool's one line, with a did-you-mean where one
    helps; None for "no arguments" (the caller shows the help instead)."""
    import difflib
    import re

    kind = type(error).__name__
    if kind == "NoArgsIsHelpError":
        return None
    context = getattr(error, "ctx", None)
    command = getattr(context, "info_name", None) if context is not None else None
    where = f"{command}: " if command and command != "rlhf" else ""
    if kind == "NoSuchOption":
        wrong: str = getattr(error, "option_name", "")
        params = getattr(getattr(context, "command", None), "params", [])
        options = [name for param in params for name in (*param.opts, *param.secondary_opts) if name.startswith("-")]
        # Case and small slips both: --Year, --yeer, --has_code.
        folded = {name.casefold().replace("_", "-"): name for name in options}
        close = difflib.get_close_matches(wrong.casefold().replace("_", "-"), list(folded), n=1, cutoff=0.6)
        hint = "; did you mean " + " or ".join(f"'{folded[name]}'" for name in close) + "?" if close else ""
        if not close and any(getattr(param, "param_type_name", "") == "argument" for param in params):
            # `rlhf search -ppo` (a query word, or an exclusion, read as options): say how to pass it.
            hint = f"; a query word starting with '-' goes after '--' (rlhf {command} -- -word)"
        return f"{where}no such option '{wrong}'{hint} (see 'rlhf {command or ''} --help')".replace("  ", " ")
    message = " ".join(str(getattr(error, "format_message", lambda: str(error))()).split())
    message = message[:1].lower() + message[1:]
    message = message.replace(". Did you mean", "; did you mean").rstrip(".")
    choices = getattr(getattr(getattr(error, "param", None), "type", None), "choices", None)
    bad = re.search(r"'([^']*)' is not one of", message)
    if choices and bad:
        close = difflib.get_close_matches(bad.group(1).casefold(), [str(c) for c in choices], n=1, cutoff=0.5)
        message += f"; did you mean '{close[0]}'?" if close else ""
    help_hint = f"rlhf {command} --help" if where else "rlhf --help"
    return f"{where}{message} (see '{help_hint}')"


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
    METHOD = "method"


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
    typer.Option(
        "--no-bundled",
        help="Leave out the bundled catalogue (as RLHF_NO_BUNDLED=1 does): use only your own catalogue folder, "
        "$RLHF_CATALOG, the config file's catalogs and --catalog.",
    ),
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
MinScoreOption = Annotated[
    float | None,
    typer.Option(
        "--min-score",
        min=0,
        max=100,
        help="How well (0-100, before weighting by field) free text in the query must match to keep an entry. "
        "Default: 90 in listings, stricter than search (so 'reward hacking' does not keep 'reward shaping').",
        show_default=False,
    ),
]
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
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager", help="Never page long tables through $PAGER (they page only on a terminal, never in a pipe)."
        ),
    ] = False,
) -> None:
    """The RLHF research map in your terminal: papers, code, datasets, environments and reading."""
    if no_pager:
        import os

        from ..render import NO_PAGER_ENV

        os.environ[NO_PAGER_ENV] = "1"


def user_query(words: list[str] | None) -> "Node | None":
    """The QUERY argument of a command, parsed."""
    from ..querylang import parse

    return parse(" ".join(words)) if words else None

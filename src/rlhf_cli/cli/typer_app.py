"""The Typer app: the commands recorded by the command modules, with their parameters built from
options.py's specs (or their own `Annotated` Typer options), inside the one error boundary.

Only cli/ imports typer: this module, and the command modules that declare their own Typer
options (tools.py, lists.py, settings.py).
"""

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import options
from ..boundary import guarded
from ..errors import ExitCode, UsageError
from ..output.render import Format
from ..version import __version__
from . import _MODULE_ORDER, COMMAND_MODULES, EXAMPLES, F, module_commands


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


def typer_parameter(spec: options.Spec) -> Any:
    """The Typer option or argument a spec of options.py declares."""
    offer = spec.offer
    completes = _complete(offer[1], offer[0]) if offer is not None else None
    if isinstance(spec, options.Argument):
        return typer.Argument(help=spec.help, show_default=spec.show_default, autocompletion=completes)
    return typer.Option(
        *spec.names,
        help=spec.help,
        min=spec.minimum,
        max=spec.maximum,
        show_default=spec.show_default,
        autocompletion=completes,
    )


def _declared(name: str, command: F) -> F:
    """Give a command's parameters the Typer options options.py declares for them (if it has any)."""
    specs = options.COMMANDS.get(name)
    if specs is None:
        return command
    signature = inspect.signature(command)
    parameters = list(signature.parameters.values())
    named = {parameter.name for parameter in parameters} - {"session"}
    if named != set(specs):
        raise TypeError(f"{name}: the parameters {sorted(named ^ set(specs))} differ from options.COMMANDS")
    typed = [
        parameter
        if parameter.name == "session"
        else parameter.replace(annotation=Annotated[parameter.annotation, typer_parameter(specs[parameter.name])])
        for parameter in parameters
    ]

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        return command(*args, **kwargs)

    run.__signature__ = signature.replace(parameters=typed)  # type: ignore[attr-defined]  # what Typer reads
    return run  # type: ignore[return-value]  # the same call as `command`'s


JsonOption = Annotated[bool, typer.Option(options.JSON, help="Short for --format json.")]


def _json_alias(command: F) -> F:
    """Give a command whose `output` is a Format (FormatOption, options.FORMAT) a `--json` flag
    meaning `--format json`.

    Added here, once, rather than to every command's signature; Typer reads the signature.
    """
    import typing

    signature = inspect.signature(command)
    output = signature.parameters.get("output")
    if output is None or typing.get_args(output.annotation)[:1] != (Format | None,):
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
    single = only if only in COMMAND_MODULES else None
    modules = [module for module in _MODULE_ORDER if single is None or COMMAND_MODULES[single] == module]
    commands = {name: found for module in modules for name, found in module_commands(module).items()}
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
    for name, (function, settings) in commands.items():
        if single is None or name == single:
            given = {"epilog": _epilog(name, plain)} | settings
            app.command(name, **given)(_error_boundary(_json_alias(_declared(name, function))))
    return app


def __getattr__(name: str) -> Any:
    """`rlhf_cli.cli.typer_app.app`: the full app, for tests and for tools that want the Typer object."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


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
    help_hint = f"rlhf {command} --help" if where else "rlhf --help"
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
        return f"{where}no such option '{wrong}'{hint} (see '{help_hint}')"
    message = " ".join(str(getattr(error, "format_message", lambda: str(error))()).split())
    message = message[:1].lower() + message[1:]
    message = message.replace(". Did you mean", "; did you mean").rstrip(".")
    choices = getattr(getattr(getattr(error, "param", None), "type", None), "choices", None)
    bad = re.search(r"'([^']*)' is not one of", message)
    if choices and bad:
        close = difflib.get_close_matches(bad.group(1).casefold(), [str(c) for c in choices], n=1, cutoff=0.5)
        message += f"; did you mean '{close[0]}'?" if close else ""
    return f"{where}{message} (see '{help_hint}')"


def _complete(kinds: tuple[str, ...] | None = None, what: str = "names") -> Callable[[str], list[str]]:
    """A completion callback offering catalogue values that start with what was typed."""

    def complete(incomplete: str) -> list[str]:
        from ..query.completion import candidates, requesting_shell, shell_word

        shell = requesting_shell() or ""
        return [shell_word(value, shell) for value in candidates(what, kinds, incomplete)]

    return complete


# The shared options, for commands that declare their parameters themselves (tools.py, lists.py...).
CatalogOption = Annotated[list[Path] | None, typer_parameter(options.CATALOG)]
NoBundledOption = Annotated[bool, typer_parameter(options.NO_BUNDLED)]
FormatOption = Annotated[Format | None, typer_parameter(options.FORMAT)]
LimitOption = Annotated[int | None, typer_parameter(options.LIMIT)]
MinScoreOption = Annotated[float | None, typer_parameter(options.MIN_SCORE)]
QueryArgument = Annotated[list[str] | None, typer_parameter(options.QUERY)]
ExplainOption = Annotated[bool, typer_parameter(options.EXPLAIN)]


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

        from ..output.render import NO_PAGER_ENV

        os.environ[NO_PAGER_ENV] = "1"

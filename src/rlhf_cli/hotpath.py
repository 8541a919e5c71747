"""The hot path: the commonest command lines, answered without importing Typer.

Importing Typer alone takes about six times as long as starting Python, and two command lines
are run far more often than the rest: a plain `rlhf search WORDS` and a shell's completion
request on <TAB>. `run` answers those itself and returns None for anything else (help, query
syntax, a value it is unsure of, any error of usage), which the Typer app then handles. So this
module never reports a usage error: whatever it does not fully understand goes to Typer.

tests/test_hotpath.py runs each command line both ways and checks the output is the same, and
checks the option tables below against the Typer app.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from .options import COMMANDS, JSON, SEARCH_LIMIT, Offer, Option, argument, option_names

TYPE_CHECKING = False  # not typing's: a completion request need not import typing (mypy reads it as true)
if TYPE_CHECKING:
    from typing import Any

    from .loading.view import CatalogueView
    from .output.records import Record
    from .output.render import Column, Format


def run(argv: list[str]) -> int | None:
    """The exit code of `rlhf argv` if the hot path answered it, else None (the caller uses Typer)."""
    if os.environ.get("_RLHF_COMPLETE"):
        return _complete()
    if argv and argv[0] in COMMANDS:
        return _command(argv[0], argv[1:])
    return None


def plain_words(text: str) -> bool:
    """True if `text` holds nothing the query language reads: no field, quote, bracket,
    exclusion or operator (then it parses to one free-text term anyway)."""
    words = text.split()
    return not any(char in text for char in ':"()') and not any(w.startswith("-") or w in ("OR", "AND") for w in words)


def search_words(view: CatalogueView, words: str, kinds: list[str] | None, limit: int, output: Format | None) -> None:
    """Free words alone: rank with the search index and read only the hits shown from the store."""
    from .errors import ExitCode, Stop
    from .output import render
    from .output.records import hit_records

    if _by_identifier(view, words, kinds, limit, output):
        return
    hits = view.index().search(words, kinds)
    if not hits and output is not None:
        render.empty_listing(search_columns(), output)
    if not hits and view.problems:
        raise Stop(ExitCode.NO_MATCH)
    if not hits:
        render.error(f"nothing matches '{words}'")
        render.note(f"hint: {_no_match_hint(view, words, kinds)}")
        raise Stop(ExitCode.NO_MATCH)
    shown = hits[:limit]
    render.listing(hit_records(shown, view), search_columns(), output or render.default_format())
    if len(shown) < len(hits) and sys.stderr.isatty():
        render.note(f"showing {len(shown)} of {len(hits)}; use --limit to see more")


def search_limit(given: int | None) -> int:
    """`rlhf search`'s --limit: as given, else the config file's `limit`, else SEARCH_LIMIT."""
    if given is not None:
        return given
    from .config import load_config

    return load_config().limit or SEARCH_LIMIT


def _no_match_hint(view: CatalogueView, words: str, kinds: list[str] | None) -> str:
    """Near names if there are any, else what the catalogue covers (not "try fewer words")."""
    near = view.suggest(words, kinds, limit=3)  # type: ignore[arg-type]  # kinds come checked against KINDS
    if near:
        return "did you mean " + ", ".join(f"'{name}'" for name in near) + "?"
    counts = view.rows("SELECT kind, count(*) FROM entries GROUP BY kind ORDER BY count(*) DESC")
    covered = ", ".join(f"{count} {kind}s" for kind, count in counts)
    return f"the catalogue holds {covered}; try fewer or other words, or 'rlhf papers' to browse"


def looks_like_identifier(words: str) -> bool:
    """True if `words` is an arXiv id, DOI, OpenReview id, link or citekey rather than words."""
    from .catalogue.identifiers import query_keys

    return any(key.startswith(("arxiv:", "doi:", "openreview:", "url:", "cite:")) for key in query_keys(words))


def identifier_records(view: CatalogueView, words: str, kinds: list[str] | None, limit: int | None) -> list[Record]:
    """The search results of the entries an identifier names (`rlhf search 2203.02155`): none if
    `words` is not an identifier or names no entry of these kinds."""
    if not looks_like_identifier(words):
        return []
    from .output.records import entry_record

    found = [entry for entry in view.lookup(words) if kinds is None or entry.KIND in kinds]
    matched = {"field": "identifier", "text": words}
    return [{"score": 100.0, "matched": matched} | entry_record(entry, view) for entry in found[:limit]]


def _by_identifier(view: CatalogueView, words: str, kinds: list[str] | None, limit: int, output: Format | None) -> bool:
    """Show the entries an identifier names, if it is one and names any."""
    records = identifier_records(view, words, kinds, limit)
    if records:
        from .output import render

        render.listing(records, search_columns(), output or render.default_format())
    return bool(records)


def search_columns() -> list[Column]:
    """The columns of `rlhf search`'s results (the hot path's and the full query's alike)."""
    from .output.render import Column, field

    return [
        field("score", "Score"),
        field("kind", "Kind"),
        field("id", "ID"),
        field("title", "Title", wide=True),
        Column("Matched", lambda r: f"{r['matched']['field']}: {r['matched']['text']}"),
    ]


def _command(name: str, args: list[str]) -> int | None:
    """Run the command `name` on `args` with the function the Typer app runs, if every argument is
    one the hot path reads for sure; None for anything else (help, `--`, `--opt=value`, an unknown
    option, a missing value or one it might convert otherwise than Typer, a conflict...)."""
    values, flags = option_names(name)
    given: dict[str, list[str]] = {}  # each option's values, by parameter
    chosen: dict[str, object] = {}
    words: list[str] = []
    json_alias = False
    pending = iter(args)
    for arg in pending:
        if not arg.startswith("-"):
            words.append(arg)
        elif arg == JSON and flags.get(arg) == "output":
            json_alias = True
        elif arg in flags:
            chosen[flags[arg]] = True
        elif arg in values:
            value = next(pending, None)
            if not value or value.startswith("-"):
                return None  # missing, or one Click would take as the value where an option was meant
            given.setdefault(values[arg][0], []).append(value)
        else:
            return None
    from .cli import registered

    function = registered(name)[0]
    hints = function.__annotations__
    specs = COMMANDS[name]
    for parameter, texts in given.items():
        spec = specs[parameter]
        converted = _convert(hints.get(parameter), texts, spec if isinstance(spec, Option) else None)
        if converted is None:
            return None
        chosen[parameter] = converted
    positional = argument(name)
    if positional is not None:
        parameter, spec = positional
        if (not words and parameter not in _defaulted(function)) or (not spec.many and len(words) > 1):
            return None  # Typer says what is missing or too many
        if words:
            chosen[parameter] = words if spec.many else words[0]
    elif words:
        return None
    if json_alias:
        if chosen.get("output", "json") != "json":  # a Format is a str
            return None  # a conflict: Typer reports it
        chosen["output"] = _convert(hints.get("output"), ["json"], None)
    from .boundary import guarded

    return guarded(lambda session: function(session, **chosen))


def _defaulted(function: Any) -> set[str]:
    """The names of a function's parameters that have a default."""
    code = function.__code__
    names = code.co_varnames[: code.co_argcount]
    return set(names[len(names) - len(function.__defaults__ or ()) :])


def _convert(annotation: object, texts: list[str], spec: Option | None) -> object | None:
    """`texts` (an option's values, as given) as the function's parameter of type `annotation`
    takes them, as Typer would convert them; None where the hot path is not sure it would."""
    import types
    import typing
    from enum import Enum

    if isinstance(annotation, types.UnionType):
        members = [member for member in typing.get_args(annotation) if member is not type(None)]
        if len(members) != 1:
            return None
        annotation = members[0]
    many = typing.get_origin(annotation) is list
    if many:
        annotation = typing.get_args(annotation)[0]
    converted: list[object] = []
    for text in texts:
        value: object
        if annotation is str:
            value = text
        elif annotation is Path:
            value = Path(text)
        elif annotation is int and text.isascii() and text.isdigit():
            value = int(text)
        elif annotation is float and re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,6})?", text):
            value = float(text)
        elif isinstance(annotation, type) and issubclass(annotation, Enum):
            value = next((member for member in annotation if member.value == text), None)
            if value is None:
                return None
        else:
            return None
        if isinstance(value, int | float) and spec is not None and not _within(value, spec):
            return None
        converted.append(value)
    return converted if many else converted[-1]  # Click keeps the last of an option given twice


def _within(value: float, spec: Option) -> bool:
    return (spec.minimum is None or value >= spec.minimum) and (spec.maximum is None or value <= spec.maximum)


def _complete() -> int | None:
    """A completion request from the script of `rlhf --install-completion`, answered as Typer would."""
    from .query.completion import requesting_shell

    shell = requesting_shell()
    if shell is None:
        return None
    if shell == "bash":
        words = _split(os.environ.get("COMP_WORDS", ""))
        if words is None or not os.environ.get("COMP_CWORD", "").isdigit():
            return None
        cword = int(os.environ["COMP_CWORD"])
        args, incomplete = words[1:cword], (words[cword] if cword < len(words) else "")
    else:
        line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
        words = _split(line)
        if words is None:
            return None
        args, incomplete = words[1:], ""
        if args and not line.endswith(" "):
            args, incomplete = args[:-1], args[-1]
    offer = _what_completes(args, incomplete)
    if offer is None:
        return None
    from .query.completion import candidates, shell_word

    what, kinds = offer
    # Typer keeps only the candidates that start with what was typed, case and all: so do we.
    values = [shell_word(value, shell) for value in candidates(what, kinds, incomplete) if value.startswith(incomplete)]
    if shell == "fish":
        action = os.environ.get("_TYPER_COMPLETE_FISH_ACTION", "")
        if action == "is-args":
            return 0 if values else 1
        sys.stdout.write("\n".join(values) + "\n" if action == "get-args" and values else "\n")
    elif shell == "zsh":
        if values:
            listed = "\n".join(f'"{_zsh_escape(value)}"' for value in values)
            sys.stdout.write(f"_arguments '*: :(({listed}))'\n")
        else:
            sys.stdout.write("_files\n")
    else:
        sys.stdout.write("\n".join(values) + "\n")
    return 0


def _split(line: str) -> list[str] | None:
    """Words of a command line, split as the shell scripts' quoting rules would; None if it has quoting."""
    if any(char in line for char in "\"'\\"):
        return None
    return [word for word in re.split(r"[ \t\r\n]+", line) if word]


def _what_completes(args: list[str], incomplete: str) -> Offer | None:
    """What completes `incomplete` after `args`, if the hot path can tell for sure."""
    if not args or args[0] not in COMMANDS or incomplete.startswith("-"):
        return None
    values, flags = option_names(args[0])
    positional = 0
    pending = iter(args[1:])
    for arg in pending:
        if arg in values:
            if next(pending, None) is None:  # the last word: `incomplete` is this option's value
                return values[arg][1].offer
        elif arg.startswith("-") and arg not in flags:
            return None  # `--`, --help, an unknown option, --opt=value...
        elif not arg.startswith("-"):
            positional += 1
    given = argument(args[0])
    if given is None or given[1].offer is None or (not given[1].many and positional > 0):
        return None
    return given[1].offer


def _zsh_escape(value: str) -> str:
    # Typer's own escaping, so both paths print the same; completion.py offers no value it could mangle.
    return value.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")

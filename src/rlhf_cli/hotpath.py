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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .boundary import Session
    from .render import Column, Format
    from .view import CatalogueView

SEARCH_LIMIT = 20  # `rlhf search`'s default --limit
# `rlhf search`'s options that the hot path reads (its --explain goes to Typer).
SEARCH_OPTIONS = ("--limit", "-n", "--format", "-f", "--kind", "--catalog", "-c")
SEARCH_FLAGS = ("--no-bundled", "--json")
KINDS = ("paper", "dataset", "codebase", "environment", "blog", "book", "topic", "method")
FORMATS = ("table", "json", "jsonl", "csv", "tsv", "markdown", "ids", "bibtex", "csl-json", "ris")

# What completes a value: completion.candidates' `what` and `kinds`.
Offer = tuple[str, tuple[str, ...] | None]

# Options of the commands whose values complete, as needed to walk a command line: each option
# that takes a value, mapped to what completes it (None: nothing), and the flags. `POSITIONAL`
# says what completes a command's argument, and whether it takes one value (1) or many (-1).
_CATALOGUE_OPTIONS: dict[str, Offer | None] = {"--catalog": None, "-c": None}
_YEAR: Offer = ("years", None)
_KEYWORDS = ("keywords", None)
_DATASETS = ("names", ("dataset",))
_ENVS = ("names", ("environment",))
_USERS = ("names", ("paper", "codebase"))
_LISTING_OPTIONS = _CATALOGUE_OPTIONS | {"--limit": None, "-n": None, "--format": None, "-f": None, "--min-score": None}
_METHODS: Offer = ("names", ("method",))
VALUE_OPTIONS: dict[str, dict[str, Offer | None]] = {
    "papers": _LISTING_OPTIONS
    | {"--year": _YEAR, "-y": _YEAR, "--keyword": _KEYWORDS, "-k": _KEYWORDS}
    | {"--dataset": _DATASETS, "-d": _DATASETS, "--env": _ENVS, "-e": _ENVS}
    | {"--uses": ("names", ("dataset", "environment")), "-u": ("names", ("dataset", "environment"))}
    | {"--author": None, "-a": None, "--venue": None, "--sort": None, "-s": None}
    | {"--method": _METHODS, "-m": _METHODS},
    "codebases": _LISTING_OPTIONS
    | {"--keyword": _KEYWORDS, "-k": _KEYWORDS, "--dataset": _DATASETS, "-d": _DATASETS, "--env": _ENVS, "-e": _ENVS}
    | {"--method": _METHODS, "-m": _METHODS},
    "datasets": _LISTING_OPTIONS | {"--used-by": _USERS, "--sort": None, "-s": None},
    "show": _CATALOGUE_OPTIONS | {"--format": None, "-f": None},
    "related": _CATALOGUE_OPTIONS | {"--format": None, "-f": None, "--limit": None, "-n": None},
    "open": dict(_CATALOGUE_OPTIONS),
    "cite": _CATALOGUE_OPTIONS | {"--format": None, "-f": None},
    "methods": _CATALOGUE_OPTIONS | {"--format": None, "-f": None},
    "lineage": _CATALOGUE_OPTIONS | {"--format": None, "-f": None},
    "path": _CATALOGUE_OPTIONS | {"--format": None, "-f": None, "--limit": None, "-n": None},
}
FLAGS: dict[str, set[str]] = {
    "papers": {"--has-code", "--explain", "--no-bundled", "--json"},
    "codebases": {"--explain", "--no-bundled", "--json"},
    "datasets": {"--explain", "--no-bundled", "--json"},
    "show": {"--no-bundled", "--json"},
    "related": {"--no-bundled", "--json"},
    "open": {"--code", "--print", "--no-bundled"},
    "cite": {"--ascii", "--no-bundled"},
    "methods": {"--no-bundled", "--json"},
    "lineage": {"--no-bundled", "--json"},
    "path": {"--no-bundled", "--json"},
}
_NAMES = ("names", None)
_CITABLE = ("names", ("paper", "codebase", "blog", "book"))  # cli.entries.CITABLE_KINDS
POSITIONAL: dict[str, tuple[Offer | None, int]] = {
    "papers": (None, -1),
    "codebases": (None, -1),
    "datasets": (None, -1),
    "show": (_NAMES, 1),
    "related": (_NAMES, 1),
    "open": (_NAMES, 1),
    "cite": (_CITABLE, -1),
    "methods": (_METHODS, 1),
    "lineage": (_METHODS, 1),
    "path": (_METHODS, 1),
}


def run(argv: list[str]) -> int | None:
    """The exit code of `rlhf argv` if the hot path answered it, else None (the caller uses Typer)."""
    if os.environ.get("_RLHF_COMPLETE"):
        return _complete()
    if argv[:1] == ["search"]:
        return _search(argv[1:])
    return None


def plain_words(text: str) -> bool:
    """True if `text` holds nothing the query language reads: no field, quote, bracket,
    exclusion or operator (then it parses to one free-text term anyway)."""
    words = text.split()
    return not any(char in text for char in ':"()') and not any(w.startswith("-") or w in ("OR", "AND") for w in words)


def search_words(view: CatalogueView, words: str, kinds: list[str] | None, limit: int, output: Format | None) -> None:
    """Free words alone: rank with the search index and read only the hits shown from the store."""
    from . import render
    from .errors import ExitCode, Stop
    from .records import hit_record

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
    view.entries_at([hit.position for hit in shown])  # read in one query, not one each
    records = [hit_record(hit, view.record(hit.position)) for hit in shown]
    render.listing(records, search_columns(), output or render.default_format())
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
    from .identifiers import query_keys

    return any(key.startswith(("arxiv:", "doi:", "openreview:", "url:", "cite:")) for key in query_keys(words))


def _by_identifier(view: CatalogueView, words: str, kinds: list[str] | None, limit: int, output: Format | None) -> bool:
    """Show the entries an identifier names (`rlhf search 2203.02155`), if it is one and names any."""
    if not looks_like_identifier(words):
        return False
    from . import render
    from .records import entry_record

    found = [entry for entry in view.lookup(words) if kinds is None or entry.KIND in kinds]
    if not found:
        return False
    matched = {"field": "identifier", "text": words}
    records = [{"score": 100.0, "matched": matched} | entry_record(entry, view) for entry in found[:limit]]
    render.listing(records, search_columns(), output or render.default_format())
    return True


def search_columns() -> list[Column]:
    """The columns of `rlhf search`'s results (the hot path's and the full query's alike)."""
    from .render import Column, field

    return [
        field("score", "Score"),
        field("kind", "Kind"),
        field("id", "ID"),
        field("title", "Title", wide=True),
        Column("Matched", lambda r: f"{r['matched']['field']}: {r['matched']['text']}"),
    ]


def _search(args: list[str]) -> int | None:
    """`rlhf search` with free words and the simple options; None for anything else."""
    words: list[str] = []
    kinds: list[str] = []
    catalog: list[Path] = []
    limit: int | None = None
    output, no_bundled, json_alias = None, False, False
    pending = iter(args)
    for arg in pending:
        if not arg.startswith("-"):
            words.append(arg)
        elif arg == "--json":
            json_alias = True
        elif arg in SEARCH_FLAGS:
            no_bundled = True
        elif arg in SEARCH_OPTIONS:
            value = next(pending, None)
            if value is None:
                return None
            if arg in ("--limit", "-n"):
                if not (value.isascii() and value.isdigit() and int(value) >= 1):
                    return None
                limit = int(value)
            elif arg in ("--format", "-f"):
                if value not in FORMATS:
                    return None
                output = value
            elif arg == "--kind":
                if value not in KINDS:
                    return None
                kinds.append(value)
            else:
                catalog.append(Path(value))
        else:  # --help, --explain, `--`, a query's exclusion, an option spelt another way...
            return None
    text = " ".join(words)
    if not text.strip() or not (plain_words(text) or looks_like_identifier(text.strip())):
        return None
    if json_alias:
        if output not in (None, "json"):
            return None  # a conflict: Typer reports it
        output = "json"
    from .boundary import guarded
    from .render import Format

    fmt = Format(output) if output else None
    said = " ".join(text.split())

    def answer(session: Session) -> None:
        view = session.open(catalog or None, no_bundled)
        search_words(view, said, kinds or None, search_limit(limit), fmt)

    return guarded(answer)


def _complete() -> int | None:
    """A completion request from the script of `rlhf --install-completion`, answered as Typer would."""
    from .completion import requesting_shell

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
    from .completion import candidates, shell_word

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
    if not args or args[0] not in VALUE_OPTIONS or incomplete.startswith("-"):
        return None
    command, options = args[0], VALUE_OPTIONS[args[0]]
    positional = 0
    pending = iter(args[1:])
    for arg in pending:
        if arg in options:
            if next(pending, None) is None:  # the last word: `incomplete` is this option's value
                return options[arg]
        elif arg.startswith("-") and arg not in FLAGS[command]:
            return None  # `--`, --help, an unknown option, --opt=value...
        elif not arg.startswith("-"):
            positional += 1
    offer, count = POSITIONAL[command]
    if offer is None or (count == 1 and positional > 0):
        return None
    return offer


def _zsh_escape(value: str) -> str:
    # Typer's own escaping, so both paths print the same; completion.py offers no value it could mangle.
    return value.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")

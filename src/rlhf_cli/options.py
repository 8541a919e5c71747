"""The options of the commands that hotpath.py can answer, declared once, as plain data.

Two readers, one declaration (as httpie's cli/options.py serves argparse and its docs): the
Typer app (cli/typer_app.py) builds each command's parameters from these specs and the types
in the command function's signature, and the hot path (hotpath.py) reads the same specs to parse
a command line and walk one for completion, without importing Typer. So this module imports
nothing but the standard library, and holds no state.

COMMANDS maps a command to its parameters by the name of the function's parameter. A parameter
of a command function that has no spec here is an error when the app is built.
"""

from __future__ import annotations

SEARCH_LIMIT = 20  # `rlhf search`'s default --limit

# What completes a value: completion.candidates' `what` and `kinds`.
Offer = tuple[str, tuple[str, ...] | None]


class Option:
    """An option: its names (long first), its help, whether it is a flag, and what completes its value."""

    __slots__ = ("flag", "help", "maximum", "minimum", "names", "offer", "show_default")

    def __init__(
        self,
        *names: str,
        help: str,  # the word Typer and Click use
        flag: bool = False,
        offer: Offer | None = None,
        minimum: float | None = None,
        maximum: float | None = None,
        show_default: bool = True,
    ) -> None:
        self.names = names
        self.help = help
        self.flag = flag
        self.offer = offer
        self.minimum = minimum
        self.maximum = maximum
        self.show_default = show_default


class Argument:
    """A command's argument: its help, whether it takes many values, and what completes them."""

    __slots__ = ("help", "many", "offer", "show_default")

    def __init__(
        self,
        help: str,  # as Option's
        many: bool = False,
        offer: Offer | None = None,
        show_default: bool = True,
    ) -> None:
        self.help = help
        self.many = many
        self.offer = offer
        self.show_default = show_default


Spec = Option | Argument

_YEARS: Offer = ("years", None)
_KEYWORDS: Offer = ("keywords", None)
_NAMES: Offer = ("names", None)
_METHODS: Offer = ("names", ("method",))
_CITABLE_KINDS = ("paper", "codebase", "blog", "book")  # cite.citable's kinds: completion offers only their ids

CATALOG = Option(
    "--catalog",
    "-c",
    help="Add a catalogue file or folder of .toml files (repeatable); $RLHF_CATALOG adds more.",
    show_default=False,
)
NO_BUNDLED = Option(
    "--no-bundled",
    help="Leave out the bundled catalogue (as RLHF_NO_BUNDLED=1 does): use only your own catalogue folder, "
    "$RLHF_CATALOG, the config file's catalogs and --catalog.",
    flag=True,
)
# A command with FORMAT as its `output` also takes --json, short for --format json (cli.typer_app).
FORMAT = Option(
    "--format",
    "-f",
    help="Output format. Default: table on a terminal, tsv (tab-separated, no header) in a pipe.",
    show_default=False,
)
JSON = "--json"
LIMIT = Option("--limit", "-n", help="Show at most this many.", minimum=1)
MIN_SCORE = Option(
    "--min-score",
    help="How well (0-100, before weighting by field) free text in the query must match to keep an entry. "
    "Default: 90 in listings, stricter than search (so 'reward hacking' does not keep 'reward shaping').",
    minimum=0,
    maximum=100,
    show_default=False,
)
QUERY = Argument(
    "A query such as 'year:>=2022 code:yes ds:truthfulqa -kw:diffusion' (see the README).",
    many=True,
    show_default=False,
)
EXPLAIN = Option("--explain", help="Print the parsed query and why each result matched (to stderr).", flag=True)
NAME = Argument(
    "An id, title, name or alias (any case, spaces and hyphens aside), an arXiv id or URL in any "
    "spelling, a DOI, an OpenReview id, a link the entry carries, or a citekey `rlhf cite` printed.",
    offer=_NAMES,
)
# What every listing ends with, in the order of its --help.
_LISTING = {
    "min_score": MIN_SCORE,
    "limit": LIMIT,
    "output": FORMAT,
    "explain": EXPLAIN,
    "catalog": CATALOG,
    "no_bundled": NO_BUNDLED,
}
_SOURCES = {"catalog": CATALOG, "no_bundled": NO_BUNDLED}
METHOD_NAME = Argument("A method's id, name or alias (or a paper that introduces one: 'ppo').", offer=_METHODS)


def _keyword(what: str) -> Option:
    return Option("--keyword", "-k", help=f"Only {what} containing this text.", offer=_KEYWORDS)


def _dataset(what: str) -> Option:
    return Option("--dataset", "-d", help=what, offer=("names", ("dataset",)))


def _env(what: str) -> Option:
    return Option("--env", "-e", help=what, offer=("names", ("environment",)))


COMMANDS: dict[str, dict[str, Spec]] = {
    "search": {
        "query": Argument("Words to look for (typos and word order are forgiven), or a full query.", many=True),
        "kind": Option(
            "--kind", help="Only entries of this kind (repeatable). (-k means --keyword, as in every listing.)"
        ),
        "limit": Option(
            "--limit",
            "-n",
            help=f"Show at most this many results. Default: {SEARCH_LIMIT}, or `limit` in the config file.",
            minimum=1,
            show_default=False,
        ),
        "output": FORMAT,
        "explain": EXPLAIN,
        **_SOURCES,
    },
    "papers": {
        "query": QUERY,
        "year": Option(
            "--year",
            "-y",
            help="A year (2022), a range (2020..2022, 2021.., ..2019) or a bound (>=2022, <2019).",
            offer=_YEARS,
        ),
        "keyword": _keyword("papers with a keyword"),
        "dataset": _dataset("Only papers using this dataset (id, name or alias)."),
        "env": _env("Only papers using this environment (id, name or alias)."),
        "uses": Option(
            "--uses",
            "-u",
            help="Only papers using this dataset or environment.",
            offer=("names", ("dataset", "environment")),
        ),
        "author": Option("--author", "-a", help="Only papers with an author whose name contains this text."),
        "venue": Option(
            "--venue", help="Only papers whose venue (as a list states it, e.g. ICLR 2024) contains this text."
        ),
        "has_code": Option("--has-code", help="Only papers with a link to code.", flag=True),
        "method": Option(
            "--method",
            "-m",
            help="Only papers linked to this method or any method below it (append '!' for the method alone: dpo!).",
            offer=_METHODS,
        ),
        "sort": Option("--sort", "-s", help="Order: year (newest first), title or id."),
        **_LISTING,
    },
    "codebases": {
        "query": QUERY,
        "keyword": _keyword("codebases with a keyword or task"),
        "dataset": _dataset("Only codebases using this dataset."),
        "env": _env("Only codebases using this environment."),
        "method": Option(
            "--method",
            "-m",
            help="Only codebases linked to this method or any method below it, or implementing a paper that is "
            "(append '!' for the method alone: dpo!).",
            offer=_METHODS,
        ),
        **_LISTING,
    },
    "datasets": {
        "query": QUERY,
        "used_by": Option(
            "--used-by",
            help="Only datasets used by this paper or codebase (id, alias, title or arXiv id). "
            "(-u means --uses, as in papers.)",
            offer=("names", ("paper", "codebase")),
        ),
        "sort": Option("--sort", "-s", help="Order: name, or uses (most used first)."),
        **_LISTING,
    },
    "envs": {"query": QUERY, **_LISTING},
    "blogs": {"query": QUERY, "language": Option("--language", "-l", help="Only posts in this language."), **_LISTING},
    "books": {"query": QUERY, **_LISTING},
    "topics": {
        "query": QUERY,
        "category": Option("--category", help="Only techniques, or only application areas."),
        **_LISTING,
    },
    "show": {"name": NAME, "output": FORMAT, **_SOURCES},
    "related": {"name": NAME, "limit": LIMIT, "output": FORMAT, **_SOURCES},
    "open": {
        "name": NAME,
        "code": Option("--code", help="Open the entry's code instead of its page.", flag=True),
        "print_only": Option("--print", help="Print the URL instead of opening a browser.", flag=True),
        **_SOURCES,
    },
    "methods": {
        "name": Argument(
            "Show only this method and what is below it (id, name or alias).", offer=_METHODS, show_default=False
        ),
        "output": FORMAT,
        **_SOURCES,
    },
    "lineage": {"name": METHOD_NAME, "output": FORMAT, **_SOURCES},
    "path": {"name": METHOD_NAME, "limit": LIMIT, "output": FORMAT, **_SOURCES},
    "cite": {
        "names": Argument(
            "Ids, titles or aliases to cite; '-' reads ids from stdin, one a line.",
            many=True,
            offer=("names", _CITABLE_KINDS),
            show_default=False,
        ),
        "style": Option("--format", "-f", help="Citation format."),
        "ascii_only": Option(
            "--ascii", help="Escape accents as LaTeX commands, for classic BibTeX (bibtex only).", flag=True
        ),
        **_SOURCES,
    },
}


def option_names(command: str) -> tuple[dict[str, tuple[str, Option]], dict[str, str]]:
    """A command's options by each of their names (to the parameter and its spec), and its
    flags by name (to the parameter); --json (a flag) stands for `output` where it is FORMAT."""
    values: dict[str, tuple[str, Option]] = {}
    flags: dict[str, str] = {}
    for parameter, spec in COMMANDS[command].items():
        if isinstance(spec, Option):
            for name in spec.names:
                if spec.flag:
                    flags[name] = parameter
                else:
                    values[name] = (parameter, spec)
    if COMMANDS[command].get("output") is FORMAT:
        flags[JSON] = "output"
    return values, flags


def argument(command: str) -> tuple[str, Argument] | None:
    """A command's argument (its parameter and spec), if it has one."""
    return next(((p, s) for p, s in COMMANDS[command].items() if isinstance(s, Argument)), None)

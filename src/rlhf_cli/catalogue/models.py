"""The catalogue's entry types: one plain class per kind of entry, on one base shape.

Every entry has the same read-only view of the facets the commands ask about (`url`, `year`,
`authors`, `keywords`, `datasets`, `code`, ...): a kind without such a field answers empty (None,
False or an empty list), so code that reads a facet need not ask which kind it has. What differs by
kind as a whole is said by class attributes (`KIND`, `TABLE`, `USES_LINKS`, `USED_BY_OTHERS`)
and by a few properties a kind overrides (`display_name`, `names`, `has_code`).

The classes are plain classes (plain.py: `__slots__` and a field table, from fields declared once,
as annotations with defaults) rather than dataclasses: the `dataclasses` module pulls in
`inspect`, and making these eleven dataclasses cost over ten milliseconds, paid by every run of a
tool that starts dozens of times a day. Entries compare and
hash by identity: ids are unique in a catalogue. The small value classes (Source, Category,
CodeLink) compare by their fields, as the dataclasses they were did.

These classes are the single definition of what a catalogue file may say: only the annotated
fields are keys of a TOML table (the base's facets are properties, never fields). They are not
pydantic models, so that a warm start (catalogue already validated and cached) never imports
pydantic, which alone costs several times the interpreter's start-up. `validation.py` derives
strict pydantic v2 models (``extra="forbid"``, frozen) from the field tables, so every field is
still type-checked by pydantic whenever a catalogue file is read afresh, and a class passed to
pydantic itself (`TypeAdapter(list[Paper])`, bench/naive_load.py) validates through them.
"""

from __future__ import annotations

import functools
import re
import sys

from ..plain import Plain, many

TYPE_CHECKING = False  # not typing's: the warm path need not import typing (mypy reads it as true)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, ClassVar, Literal, TypeVar

    M = TypeVar("M", bound="Model")
    E = TypeVar("E")

    Kind = Literal["paper", "dataset", "codebase", "environment", "blog", "book", "topic", "method"]
    Check = type | Callable[[Any], bool]
else:
    Kind = str


class Model(Plain):
    """A class of catalogue data: its fields are the keys of a TOML table."""

    @classmethod
    def field_types(cls) -> dict[str, Any]:
        """Each field's type, evaluated (for pydantic: validation.py)."""
        import typing

        names = {"Literal": typing.Literal}
        # Our own annotations (this module's source), not input.
        return {key: eval(text, globals(), names) for key, text in cls.ANNOTATIONS.items()}

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Let pydantic validate a table into this class (`TypeAdapter(list[Paper])`): through the
        strict model validation.py derives, then building the object from the checked table."""
        from pydantic_core import core_schema

        def build(model: Any) -> Any:
            return _built(cls, model.model_dump())

        return core_schema.no_info_after_validator_function(build, handler(strict_model(cls)))


class Source(Model):
    """Where an entry's facts come from: a reference list and the line of the item in it."""

    name: str
    line: int | None = None


class Category(Model):
    """Where a reference list files an entry: the list, and its heading path ("A > B")."""

    source: str
    path: str


class CodeLink(Model):
    """A link to code for a paper; `official` is false for third-party implementations."""

    url: str
    official: bool = True


class EntryBase(Model, eq=False):
    """What every entry answers, whatever its kind: its id, names and sources, and each facet a
    command may ask about, empty where the kind has no such field (a kind's field of the same
    name, a slot, takes the property's place)."""

    KIND: ClassVar[Kind]
    TABLE: ClassVar[str]  # the TOML table name of the kind ([[paper]], ...)
    # The kind lists datasets and environments it uses (papers, codebases) ...
    USES_LINKS: ClassVar[bool] = False
    # ... or is what others use (datasets, environments).
    USED_BY_OTHERS: ClassVar[bool] = False

    @property
    def display_name(self) -> str:
        raise NotImplementedError

    @property
    def names(self) -> list[str]:
        """The names the entry answers to, its id first."""
        raise NotImplementedError

    @property
    def has_code(self) -> bool:
        """True if the entry is code, or links to some."""
        return bool(self.code)

    # The facets, empty unless the kind has the field.
    @property
    def url(self) -> str | None:
        return None

    @property
    def year(self) -> int | None:
        return None

    @property
    def short_name(self) -> str | None:
        return None

    @property
    def arxiv(self) -> str | None:
        return None

    @property
    def venue(self) -> str | None:
        return None

    @property
    def authors(self) -> list[str]:
        return []

    @property
    def authors_org(self) -> str | None:
        return None

    @property
    def authors_et_al(self) -> bool:
        return False

    @property
    def publisher(self) -> str | None:
        return None

    @property
    def aliases(self) -> list[str]:
        return []

    @property
    def other_urls(self) -> list[str]:
        return []

    @property
    def keywords(self) -> list[str]:
        return []

    @property
    def tasks(self) -> list[str]:
        return []

    @property
    def code(self) -> list[CodeLink]:
        return []

    @property
    def datasets(self) -> list[str]:
        return []

    @property
    def envs(self) -> list[str]:
        return []

    @property
    def papers(self) -> list[str]:
        """Ids of the papers the entry implements (a codebase's)."""
        return []

    @property
    def categories(self) -> list[Category]:
        return []

    @property
    def headings(self) -> list[Category]:
        """List headings whose papers use or study the entry (a method's)."""
        return []

    @property
    def summaries(self) -> list[str]:
        """The entry's summaries (a dataset's; a topic's or method's in English and Chinese)."""
        return []


class Paper(EntryBase):
    KIND = "paper"
    TABLE = "paper"
    USES_LINKS = True

    id: str
    title: str
    year: int
    sources: list[Source]
    # None only where the sources give no trustworthy link (see `notes`).
    url: str | None = None
    short_name: str | None = None
    aliases: list[str] = many()
    authors: list[str] = many()
    # The reference lists often cut author lists: with "et al." or by naming the lab alone.
    authors_et_al: bool = False
    authors_org: str | None = None
    arxiv: str | None = None
    keywords: list[str] = many()
    code: list[CodeLink] = many()
    datasets: list[str] = many()
    envs: list[str] = many()
    # Where the paper appeared, as a list states it: "ICLR 2024", "NeurIPS 2023 Workshop".
    venue: str | None = None
    categories: list[Category] = many()
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.title

    @property
    def names(self) -> list[str]:
        return [self.id, self.title, *([self.short_name] if self.short_name else []), *self.aliases]


class Dataset(EntryBase):
    KIND = "dataset"
    TABLE = "dataset"
    USED_BY_OTHERS = True

    id: str
    name: str
    sources: list[Source]
    url: str | None = None
    other_urls: list[str] = many()
    aliases: list[str] = many()
    # "collection" for items that gather many datasets (the Flan Collection, SKG, ...).
    form: Literal["dataset", "collection"] = "dataset"
    authors: list[str] = many()
    authors_et_al: bool = False
    authors_org: str | None = None
    keywords: list[str] = many()
    tasks: list[str] = many()
    summary: str | None = None
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def names(self) -> list[str]:
        return [self.id, self.name, *self.aliases]

    @property
    def summaries(self) -> list[str]:
        return [self.summary] if self.summary else []


class Codebase(EntryBase):
    KIND = "codebase"
    TABLE = "codebase"
    USES_LINKS = True

    id: str
    name: str
    url: str
    sources: list[Source]
    aliases: list[str] = many()
    authors: list[str] = many()
    authors_et_al: bool = False
    authors_org: str | None = None
    keywords: list[str] = many()
    tasks: list[str] = many()
    datasets: list[str] = many()
    envs: list[str] = many()
    # Papers this code implements, where the reference list makes that clear.
    papers: list[str] = many()
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def names(self) -> list[str]:
        return [self.id, self.name, *self.aliases]

    @property
    def has_code(self) -> bool:
        return True


class Environment(EntryBase):
    KIND = "environment"
    TABLE = "environment"
    USED_BY_OTHERS = True

    id: str
    name: str
    sources: list[Source]
    url: str | None = None
    aliases: list[str] = many()
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def names(self) -> list[str]:
        return [self.id, self.name, *self.aliases]


class Blog(EntryBase):
    KIND = "blog"
    TABLE = "blog"

    id: str
    title: str
    url: str
    # The outlet the list names in brackets: "OpenAI", "Hugging Face", "知乎", ...
    publisher: str
    language: str
    sources: list[Source]
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.title

    @property
    def names(self) -> list[str]:
        return [self.id, self.title]


class Book(EntryBase):
    KIND = "book"
    TABLE = "book"

    id: str
    title: str
    url: str
    sources: list[Source]
    authors: list[str] = many()
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.title

    @property
    def names(self) -> list[str]:
        return [self.id, self.title]


class Topic(EntryBase):
    KIND = "topic"
    TABLE = "topic"

    id: str
    name_en: str
    name_zh: str
    category: Literal["technique", "application"]
    summary_en: str
    summary_zh: str
    sources: list[Source]
    aliases: list[str] = many()
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.name_en

    @property
    def names(self) -> list[str]:
        return [self.id, self.name_en, self.name_zh, *self.aliases]

    @property
    def summaries(self) -> list[str]:
        return [self.summary_en, self.summary_zh]


class Method(EntryBase):
    """A node of the method tree (catalog/methods.toml, docs/schema.md): papers link to it at
    load time (methods.py), through `introduced_by`, `headings` and `keywords`."""

    KIND = "method"
    TABLE = "method"

    id: str
    name_en: str
    name_zh: str
    # Method ids; empty only for a facet root. A node reaches exactly one root.
    parents: list[str]
    summary_en: str
    summary_zh: str
    sources: list[Source]
    aliases: list[str] = many()
    # The paper that defines the method (a paper id).
    introduced_by: str | None = None
    # List headings (a paper's `categories` entry) whose papers use or study the method.
    headings: list[Category] = many()
    # Paper keyword texts (any case) that name the method.
    keywords: list[str] = many()
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.name_en

    @property
    def names(self) -> list[str]:
        return [self.id, self.name_en, self.name_zh, *self.aliases]

    @property
    def summaries(self) -> list[str]:
        return [self.summary_en, self.summary_zh]


Entry = Paper | Dataset | Codebase | Environment | Blog | Book | Topic | Method

ENTRY_TYPES: tuple[type[Entry], ...] = (Paper, Dataset, Codebase, Environment, Blog, Book, Topic, Method)
KINDS: tuple[Kind, ...] = tuple(t.KIND for t in ENTRY_TYPES)
TYPE_BY_TABLE: dict[str, type[Entry]] = {t.TABLE: t for t in ENTRY_TYPES}
_NESTED: dict[str, type[Model]] = {"sources": Source, "code": CodeLink, "categories": Category, "headings": Category}


def only(entry_type: type[E], entries: Iterable[object]) -> list[E]:
    """The entries of one kind among these, typed as such (what a link of that kind reaches;
    None, for an id a tolerant load left dangling, is left out too)."""
    return [entry for entry in entries if isinstance(entry, entry_type)]


def entry_from_table(entry_type: type[Entry], table: dict[str, object]) -> Entry:
    """Build an entry from one already-validated TOML table (nested tables become objects)."""
    return _built(entry_type, table)


class _NoItems(list):  # type: ignore[type-arg]
    """The one empty list every entry's empty list fields share (a catalogue's entries have
    hundreds of thousands): read-only, as the entries are."""

    __slots__ = ()

    def _refuse(self, *_: object) -> None:
        raise TypeError("an entry's lists are read-only")

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse  # type: ignore[assignment]
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse  # type: ignore[assignment]

    def __copy__(self) -> list[Any]:  # a copy is the caller's own, to change
        return []

    def __deepcopy__(self, memo: object) -> list[Any]:
        return []

    def __reduce__(self) -> tuple[type[list[Any]], tuple[()]]:
        return list, ()


NO_ITEMS: list[Any] = _NoItems()


def _built(data_type: type[M], table: dict[str, object]) -> M:
    """The object of a validated table. The texts of its lists (authors, keywords, the ids it
    links to) and of its nested tables but code links (list names, headings) recur across
    entries, so each is interned; an empty list is NO_ITEMS. Together they save a 100,000-entry
    catalogue about a fifth of its memory."""
    values = dict(table)
    for key, items in table.items():
        if type(items) is not list:
            continue
        nested = _NESTED.get(key)
        if not items:
            values[key] = NO_ITEMS
        elif nested is None:  # a list of texts (the table passed validation); of its exact size
            values[key] = list(tuple(map(sys.intern, items)))
        elif nested is CodeLink:  # each link's own
            values[key] = [CodeLink(**item) for item in items]
        else:
            values[key] = [nested(**{k: _interned(v) for k, v in item.items()}) for item in items]
    for key in data_type.LISTS:
        values.setdefault(key, NO_ITEMS)
    return data_type(**values)


def _interned(value: object) -> object:
    return sys.intern(value) if type(value) is str else value


@functools.cache
def strict_model(data_type: type[Model]) -> Any:
    """The strict pydantic model (``extra="forbid"``, frozen) of a class here, derived once: the
    fields of its table, none of its properties. Imports pydantic (validation.py's cold path)."""
    from pydantic import ConfigDict, Field, create_model

    fields: dict[str, Any] = {}
    for name, field_type in data_type.field_types().items():
        annotation = _strict_annotation(field_type)
        if name in data_type.REQUIRED:
            fields[name] = (annotation, ...)
        elif name in data_type.LISTS:
            fields[name] = (annotation, Field(default_factory=list))
        else:
            fields[name] = (annotation, data_type.DEFAULTS[name])
    strict = ConfigDict(strict=True, extra="forbid", frozen=True)
    return create_model(data_type.__name__, __config__=strict, **fields)


def _strict_annotation(annotation: Any) -> Any:
    import operator
    import types
    import typing

    if isinstance(annotation, type) and issubclass(annotation, Model):
        return strict_model(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal or origin is None:
        return annotation
    args = tuple(_strict_annotation(arg) for arg in typing.get_args(annotation))
    if origin in (types.UnionType, typing.Union):
        return functools.reduce(operator.or_, args)
    return origin[args if len(args) > 1 else args[0]]


def well_typed(entry_type: type[Any], table: dict[str, Any]) -> bool:
    """True if each value of a table has its field's type and each key is a field.

    For tables read back from the cache, which pydantic checked when they were written: a
    cache that was damaged or forged with digests to match must still not hand a number
    where text is expected to code that would fail on it far from here.
    """
    checks = _field_checks(entry_type.__name__)
    for key, value in table.items():
        check = checks.get(key)
        if check is None:
            return False
        # Most fields are plain text: compare the type here rather than call a function.
        if check.__class__ is type:
            if value.__class__ is not check:
                return False
        elif not check(value):  # not a type, so one of the functions below
            return False
    return True


@functools.cache
def _field_checks(class_name: str) -> dict[str, Check]:
    # The annotations are strings here (`from __future__ import annotations`), written in the
    # few forms this module uses; an unknown one fails loudly in the tests.
    data_type = {t.__name__: t for t in (*ENTRY_TYPES, Source, CodeLink, Category)}[class_name]
    return {key: _type_check(text) for key, text in data_type.ANNOTATIONS.items()}


def _type_check(annotation: str) -> Check:
    """The type a value must have exactly (a bool is not an int here, as in pydantic's strict
    mode), or a function that says whether it has the annotation's type."""
    simple: dict[str, type] = {"str": str, "int": int, "bool": bool}
    if annotation in simple:
        return simple[annotation]
    if annotation.endswith(" | None"):
        inner = _as_function(_type_check(annotation.removesuffix(" | None")))
        return lambda value: value is None or inner(value)
    if annotation == "list[str]":
        return lambda value: value.__class__ is list and all(item.__class__ is str for item in value)
    if annotation.startswith("list["):
        item = _as_function(_type_check(annotation[len("list[") : -1]))
        return lambda value: value.__class__ is list and all(item(each) for each in value)
    if annotation.startswith("Literal["):
        allowed = frozenset(re.findall(r"""["']([^"']*)["']""", annotation))
        return lambda value: value.__class__ is str and value in allowed
    nested = {"Source": Source, "CodeLink": CodeLink, "Category": Category}[annotation]
    return lambda value: value.__class__ is dict and well_typed(nested, value)


def _as_function(check: Check) -> Callable[[Any], bool]:
    if isinstance(check, type):
        wanted = check
        return lambda value: value.__class__ is wanted
    return check

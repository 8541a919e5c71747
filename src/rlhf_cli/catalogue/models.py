"""The catalogue's entry types: one frozen dataclass per kind of entry.

Entries compare and hash by identity (`eq=False`): ids are unique in a catalogue, and list
fields would make a field-wise hash impossible. The classes are not `frozen`: nothing changes an
entry after loading, and a frozen dataclass costs over a millisecond more to define, paid by
every run of a tool that starts dozens of times a day (the same holds in querylang.py,
search.py and the other modules on the start-up path).

These classes are the single definition of what a catalogue file may say. They are plain
dataclasses rather than pydantic models so that a warm start (catalogue already validated and
cached) never imports pydantic, which alone costs several times the interpreter's start-up.
`validation.py` derives strict pydantic v2 models (``extra="forbid"``, frozen) from them, so
every field is still type-checked by pydantic whenever a catalogue file is read afresh.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

Kind = Literal["paper", "dataset", "codebase", "environment", "blog", "book", "topic", "method"]


@dataclass(slots=True)
class Source:
    """Where an entry's facts come from: a reference list and the line of the item in it."""

    name: str
    line: int | None = None


@dataclass(slots=True)
class Category:
    """Where a reference list files an entry: the list, and its heading path ("A > B")."""

    source: str
    path: str


@dataclass(slots=True)
class CodeLink:
    """A link to code for a paper; `official` is false for third-party implementations."""

    url: str
    official: bool = True


@dataclass(slots=True, eq=False)
class Paper:
    KIND: ClassVar[Kind] = "paper"
    TABLE: ClassVar[str] = "paper"

    id: str
    title: str
    year: int
    sources: list[Source]
    # None only where the sources give no trustworthy link (see `notes`).
    url: str | None = None
    short_name: str | None = None
    aliases: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    # The reference lists often cut author lists: with "et al." or by naming the lab alone.
    authors_et_al: bool = False
    authors_org: str | None = None
    arxiv: str | None = None
    keywords: list[str] = field(default_factory=list)
    code: list[CodeLink] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    envs: list[str] = field(default_factory=list)
    # Where the paper appeared, as a list states it: "ICLR 2024", "NeurIPS 2023 Workshop".
    venue: str | None = None
    categories: list[Category] = field(default_factory=list)
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.title

    @property
    def names(self) -> list[str]:
        return [self.id, self.title, *([self.short_name] if self.short_name else []), *self.aliases]


@dataclass(slots=True, eq=False)
class Dataset:
    KIND: ClassVar[Kind] = "dataset"
    TABLE: ClassVar[str] = "dataset"

    id: str
    name: str
    sources: list[Source]
    url: str | None = None
    other_urls: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    # "collection" for items that gather many datasets (the Flan Collection, SKG, ...).
    form: Literal["dataset", "collection"] = "dataset"
    authors: list[str] = field(default_factory=list)
    authors_et_al: bool = False
    authors_org: str | None = None
    keywords: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    summary: str | None = None
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def names(self) -> list[str]:
        return [self.id, self.name, *self.aliases]


@dataclass(slots=True, eq=False)
class Codebase:
    KIND: ClassVar[Kind] = "codebase"
    TABLE: ClassVar[str] = "codebase"

    id: str
    name: str
    url: str
    sources: list[Source]
    aliases: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    authors_et_al: bool = False
    authors_org: str | None = None
    keywords: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    envs: list[str] = field(default_factory=list)
    # Papers this code implements, where the reference list makes that clear.
    papers: list[str] = field(default_factory=list)
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def names(self) -> list[str]:
        return [self.id, self.name, *self.aliases]


@dataclass(slots=True, eq=False)
class Environment:
    KIND: ClassVar[Kind] = "environment"
    TABLE: ClassVar[str] = "environment"

    id: str
    name: str
    sources: list[Source]
    url: str | None = None
    aliases: list[str] = field(default_factory=list)
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def names(self) -> list[str]:
        return [self.id, self.name, *self.aliases]


@dataclass(slots=True, eq=False)
class Blog:
    KIND: ClassVar[Kind] = "blog"
    TABLE: ClassVar[str] = "blog"

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


@dataclass(slots=True, eq=False)
class Book:
    KIND: ClassVar[Kind] = "book"
    TABLE: ClassVar[str] = "book"

    id: str
    title: str
    url: str
    sources: list[Source]
    authors: list[str] = field(default_factory=list)
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.title

    @property
    def names(self) -> list[str]:
        return [self.id, self.title]


@dataclass(slots=True, eq=False)
class Topic:
    KIND: ClassVar[Kind] = "topic"
    TABLE: ClassVar[str] = "topic"

    id: str
    name_en: str
    name_zh: str
    category: Literal["technique", "application"]
    summary_en: str
    summary_zh: str
    sources: list[Source]
    aliases: list[str] = field(default_factory=list)
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.name_en

    @property
    def names(self) -> list[str]:
        return [self.id, self.name_en, self.name_zh, *self.aliases]


@dataclass(slots=True, eq=False)
class Method:
    """A node of the method tree (catalog/methods.toml, docs/schema.md): papers link to it at
    load time (methods.py), through `introduced_by`, `headings` and `keywords`."""

    KIND: ClassVar[Kind] = "method"
    TABLE: ClassVar[str] = "method"

    id: str
    name_en: str
    name_zh: str
    # Method ids; empty only for a facet root. A node reaches exactly one root.
    parents: list[str]
    summary_en: str
    summary_zh: str
    sources: list[Source]
    aliases: list[str] = field(default_factory=list)
    # The paper that defines the method (a paper id).
    introduced_by: str | None = None
    # List headings (a paper's `categories` entry) whose papers use or study the method.
    headings: list[Category] = field(default_factory=list)
    # Paper keyword texts (any case) that name the method.
    keywords: list[str] = field(default_factory=list)
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.name_en

    @property
    def names(self) -> list[str]:
        return [self.id, self.name_en, self.name_zh, *self.aliases]


Entry = Paper | Dataset | Codebase | Environment | Blog | Book | Topic | Method

ENTRY_TYPES: tuple[type[Entry], ...] = (Paper, Dataset, Codebase, Environment, Blog, Book, Topic, Method)
KINDS: tuple[Kind, ...] = tuple(t.KIND for t in ENTRY_TYPES)
TYPE_BY_TABLE: dict[str, type[Entry]] = {t.TABLE: t for t in ENTRY_TYPES}


def entry_from_table(entry_type: type[Entry], table: dict[str, object]) -> Entry:
    """Build an entry from one already-validated TOML table (nested tables become objects)."""
    values = dict(table)
    if "sources" in values:
        # The table passed validation, so these are lists of dicts; the types here cannot say so.
        values["sources"] = [Source(**source) for source in values["sources"]]  # type: ignore[attr-defined]
    if "code" in values:
        values["code"] = [CodeLink(**link) for link in values["code"]]  # type: ignore[attr-defined]
    if "categories" in values:
        values["categories"] = [Category(**category) for category in values["categories"]]  # type: ignore[attr-defined]
    if "headings" in values:
        values["headings"] = [Category(**heading) for heading in values["headings"]]  # type: ignore[attr-defined]
    return entry_type(**values)  # type: ignore[arg-type]  # validated: each value has its field's type


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


Check = type | Callable[[Any], bool]


@functools.cache
def _field_checks(class_name: str) -> dict[str, Check]:
    # The annotations are strings here (`from __future__ import annotations`), written in the
    # few forms this module uses; an unknown one fails loudly in the tests.
    data_type = {t.__name__: t for t in (*ENTRY_TYPES, Source, CodeLink, Category)}[class_name]
    return {item.name: _type_check(str(item.type)) for item in dataclasses.fields(data_type)}


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

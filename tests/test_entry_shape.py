"""The entry models' one base shape (models.py) and the plain classes they are made of (plain.py)."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from rlhf_cli.catalogue.models import ENTRY_TYPES, Blog, Codebase, Dataset, Entry, Paper, Source
from rlhf_cli.plain import Plain, many

# Every facet the base gives every entry, and what a kind without such a field answers.
FACETS: dict[str, object] = {
    "url": None,
    "year": None,
    "short_name": None,
    "arxiv": None,
    "venue": None,
    "authors": [],
    "authors_org": None,
    "authors_et_al": False,
    "publisher": None,
    "aliases": [],
    "other_urls": [],
    "keywords": [],
    "tasks": [],
    "code": [],
    "datasets": [],
    "envs": [],
    "papers": [],
    "categories": [],
    "headings": [],
}


def _stand_in(annotation: Any) -> Any:
    """A value of a required field's type, unlike any default."""
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)[-1]
    if typing.get_origin(annotation) is list:
        return []
    return {str: "x", int: 2001}[annotation]


def _required(entry_type: type[Entry]) -> dict[str, Any]:
    types = entry_type.field_types()
    return {name: _stand_in(types[name]) for name in entry_type.REQUIRED}


def _entry(entry_type: type[Entry], **values: Any) -> Entry:
    return entry_type(**(_required(entry_type) | values))


@pytest.mark.parametrize("entry_type", ENTRY_TYPES, ids=lambda t: t.KIND)
def test_every_kind_answers_every_facet_empty_where_it_has_no_such_field(entry_type: type[Entry]) -> None:
    required = _required(entry_type)
    entry = entry_type(**required)
    for facet, empty in FACETS.items():
        value = getattr(entry, facet)
        if facet in entry_type.FIELDS:
            expected = required.get(facet, entry_type.DEFAULTS.get(facet, []))
            assert value == expected, (entry_type.KIND, facet)
        else:
            assert value == empty, (entry_type.KIND, facet)
            with pytest.raises(AttributeError):  # read-only: no slot behind it
                setattr(entry, facet, value)
    assert entry.names[0] == entry.id and entry.display_name in entry.names
    assert entry.has_code is (entry_type is Codebase)
    assert entry.USES_LINKS is (entry_type.KIND in ("paper", "codebase"))
    assert entry.USED_BY_OTHERS is (entry_type.KIND in ("dataset", "environment"))


def test_a_facet_answers_the_kind_s_own_field() -> None:
    paper = _entry(Paper, year=2017, authors=["A. B."], code=[], venue="ICLR 2018")
    dataset = _entry(Dataset, summary="What it holds.", tasks=["qa"])
    blog = _entry(Blog, publisher="OpenAI")
    assert (paper.year, paper.authors, paper.venue, paper.has_code) == (2017, ["A. B."], "ICLR 2018", False)
    assert (dataset.tasks, dataset.summaries, dataset.year) == (["qa"], ["What it holds."], None)
    assert (blog.publisher, blog.authors_org) == ("OpenAI", None)


@pytest.mark.parametrize(
    ("kind", "table", "key"), [("dataset", "year = 2020", "year"), ("blog", 'authors = ["A"]', "authors")]
)
def test_a_facet_of_the_base_is_still_an_unknown_key_in_a_file(  # type: ignore[no-untyped-def]
    run, write_catalog, kind: str, table: str, key: str
) -> None:
    required = {
        "dataset": 'name = "D"',
        "blog": 'title = "B"\nurl = "https://example.org/b"\npublisher = "P"\nlanguage = "en"',
    }[kind]
    text = f'[[{kind}]]\nid = "e"\n{required}\nsources = [{{ name = "test" }}]\n{table}\n'
    folder = write_catalog("entries.toml", text)
    result = run("validate", str(folder))
    assert result.exit_code == 3
    assert f"entry 'e': {key}: unknown key" in result.output


def test_pydantic_validates_a_table_into_an_entry_through_the_strict_model() -> None:
    # bench/naive_load.py's way: TypeAdapter(list[entry_type]).
    adapter = TypeAdapter(list[Paper])
    table = {"id": "p", "title": "T", "year": 2017, "sources": [{"name": "list", "line": 3}]}
    (paper,) = adapter.validate_python([table | {"code": [{"url": "https://github.com/o/r"}]}])
    assert isinstance(paper, Paper) and paper.sources == [Source(name="list", line=3)]
    assert paper.code[0].official is True and paper.aliases == []
    wrong: list[dict[str, object]] = [{"names": []}, {"year": "2017"}, {"has_code": True}]
    for bad in wrong:
        with pytest.raises(ValidationError):
            adapter.validate_python([table | bad])


class _Point(Plain):
    x: int
    y: int = 0
    tags: list[str] = many()


class _Frozen(Plain, frozen=True):
    name: str
    line: int | None = None


class _Identity(Plain, eq=False):
    name: str


def test_plain_classes_build_compare_and_refuse_as_dataclasses_do() -> None:
    assert _Point.FIELDS == ("x", "y", "tags") and _Point.REQUIRED == ("x",) and _Point.LISTS == ("tags",)
    first, second = _Point(1), _Point(x=1, y=0)
    assert first == second and first.tags is not second.tags  # a fresh list each
    assert repr(first) == "_Point(x=1, y=0, tags=[])"
    unlike: object = _Frozen("1")
    assert _Point(1, 2, ["a"]) != first and _Point(1) != unlike
    point: Any = _Point  # the wrong calls below, which mypy rejects too (dataclass_transform)
    for args, keywords in (((), {}), ((1,), {"x": 2}), ((1,), {"z": 3}), ((1, 2, [], 4), {})):
        with pytest.raises(TypeError):
            point(*args, **keywords)
    with pytest.raises(TypeError):
        hash(first)  # mutable and compared by value: unhashable, as a dataclass is
    with pytest.raises(AttributeError):
        first.z = 1  # type: ignore[attr-defined]  # slots: no other attribute
    frozen = _Frozen("a", 1)
    assert hash(frozen) == hash(_Frozen(name="a", line=1)) and len({frozen, _Frozen("a", 1)}) == 1
    with pytest.raises(AttributeError):
        frozen.line = 2  # type: ignore[misc]  # frozen
    one, other = _Identity("a"), _Identity("a")
    assert one != other and one == one and len({one, other}) == 2


class _Many(Plain):
    x: int
    tags: list[str] = many()


class _ManyFrozen(Plain, frozen=True):
    name: str
    line: int | None = None


def test_plain_classes_answer_the_same_once_their_own_init_is_compiled() -> None:
    from rlhf_cli.plain import COMPILE_AFTER

    built = [_Many(n) for n in range(COMPILE_AFTER + 5)]  # the generic __init__, then the compiled one
    assert "__init__" in _Many.__dict__ and _Many.__init__ is not Plain.__init__
    assert [item.x for item in built] == list(range(COMPILE_AFTER + 5))
    assert len({id(item.tags) for item in built}) == len(built)  # a fresh list each, both ways
    assert _Many(1, ["a"]) == _Many(x=1, tags=["a"]) != _Many(2)
    point: Any = _Many
    for args, keywords in (((), {}), ((1,), {"x": 2}), ((1,), {"z": 3}), ((1, [], 4), {})):
        with pytest.raises(TypeError):
            point(*args, **keywords)
    frozen = [_ManyFrozen(str(n), n) for n in range(COMPILE_AFTER + 5)]
    assert frozen[-1] == _ManyFrozen(name=str(COMPILE_AFTER + 4), line=COMPILE_AFTER + 4)
    with pytest.raises(AttributeError):
        frozen[-1].line = 0  # type: ignore[misc]  # frozen


def test_entries_share_their_empty_lists_and_recurring_names() -> None:
    """Built from tables (models.entry_from_table), entries share one read-only empty list and
    each recurring text of their lists: a big catalogue holds each once."""
    import copy

    from rlhf_cli.catalogue.models import NO_ITEMS, entry_from_table

    def paper(number: int) -> Entry:
        table = {
            "id": f"p{number}",
            "title": "T",
            "year": 2022,
            "sources": [{"name": "".join(["list", "-a"]), "line": number}],
            "authors": ["".join(["Ada ", "Lovelace"])],  # a new string object each time
            "keywords": [],
        }
        return entry_from_table(Paper, table)

    first, second = paper(1), paper(2)
    assert first.keywords is NO_ITEMS and first.aliases is NO_ITEMS and first.keywords == []
    assert first.authors[0] is second.authors[0] and first.sources[0].name is second.sources[0].name
    with pytest.raises(TypeError):
        first.keywords.append("x")
    assert second.keywords == []
    mine = copy.deepcopy(first.keywords)
    mine.append("x")  # a copy is an ordinary list
    assert type(mine) is list and first.keywords == []

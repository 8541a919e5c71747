"""SearchIndex.patched: an index patched at the entries that changed is the one SearchIndex.build
makes of the changed catalogue, part for part (the store's patch writes its blobs,
loading/patch.py, and tests/test_patch.py compares them with a fresh build's)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rlhf_cli.catalogue.catalog import Catalogue
from rlhf_cli.catalogue.models import TYPE_BY_TABLE, Entry, entry_from_table
from rlhf_cli.query.search import SearchIndex, search_texts

# Few words, so that entries share texts and a text's first holder often changes.
WORDS = ["ppo", "reward", "model", "dpo", "human", "feedback", "RL", "ppo!", "--"]
SOURCE = [{"name": "test", "line": 1}]

texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(" ".join)
text_lists = st.lists(texts, max_size=3)


@st.composite
def tables(draw: st.DrawFn, kind: str, number: int, kinds: list[str]) -> dict[str, Any]:
    """An entry's table of `kind`, at position `number` of a catalogue of `kinds`."""
    ids = [f"{each}-{position}" for position, each in enumerate(kinds)]
    datasets = [entry_id for entry_id, each in zip(ids, kinds, strict=True) if each == "dataset"]
    papers = [entry_id for entry_id, each in zip(ids, kinds, strict=True) if each == "paper"]
    table: dict[str, Any] = {"id": ids[number], "sources": SOURCE, "keywords": draw(text_lists)}
    if kind == "paper":
        table |= {"title": draw(texts), "year": 2023, "authors": draw(text_lists)}
        table["datasets"] = draw(st.lists(st.sampled_from(datasets), unique=True)) if datasets else []
        if draw(st.booleans()):
            table["short_name"] = draw(texts)
    elif kind == "dataset":
        table |= {"name": draw(texts), "tasks": draw(text_lists)}
        if draw(st.booleans()):
            table["summary"] = draw(texts)
    else:
        table |= {"name": draw(texts), "url": f"https://github.com/example/{number}"}
        table["papers"] = draw(st.lists(st.sampled_from(papers), unique=True)) if papers else []
    return table


@st.composite
def edits(draw: st.DrawFn) -> tuple[list[Entry], list[Entry], set[int]]:
    """A catalogue's entries, the same entries after edits of some, and positions to patch at
    beyond those whose search data changed."""
    kinds = draw(st.lists(st.sampled_from(["paper", "paper", "dataset", "codebase"]), min_size=1, max_size=12))
    before = [draw(tables(kind, number, kinds)) for number, kind in enumerate(kinds)]
    changed = draw(st.sets(st.integers(0, len(kinds) - 1), min_size=1))
    after = [draw(tables(kinds[n], n, kinds)) if n in changed else table for n, table in enumerate(before)]
    extra = draw(st.sets(st.integers(0, len(kinds) - 1), max_size=2))
    return _entries(before, kinds), _entries(after, kinds), extra


def _entries(found: list[dict[str, Any]], kinds: list[str]) -> list[Entry]:
    return [entry_from_table(TYPE_BY_TABLE[kind], table) for kind, table in zip(kinds, found, strict=True)]


def search_data(catalogue: Catalogue, entry: Entry) -> tuple[Any, ...]:
    """What an entry's part of the index is made of."""
    return (
        list(search_texts(catalogue, entry)),
        entry.KIND,
        entry.display_name,
        len(entry.code) + len(entry.datasets) + len(entry.envs) + len(entry.papers),
        catalogue.users_count(entry),
        len(catalogue.implementations_of(entry)),
    )


@settings(max_examples=400, deadline=None)
@given(edits())
def test_an_index_patched_where_entries_changed_is_the_one_built_afresh(
    case: tuple[list[Entry], list[Entry], set[int]],
) -> None:
    before, after, extra = case
    old, new = Catalogue(before), Catalogue(after)
    touched = {
        n for n, (a, b) in enumerate(zip(before, after, strict=True)) if search_data(old, a) != search_data(new, b)
    }
    assert SearchIndex.build(old).patched(new, touched | extra) == SearchIndex.build(new)


def test_a_text_whose_first_holder_changed_moves_to_its_next_holders_place() -> None:
    """Entry 0 held "reward" first; edited, it no longer has it, and entry 2 holds it first,
    after its own title: the order a build gives (texts by first occurrence), read from entry 2."""
    kinds = ["paper", "paper", "paper"]
    found = [
        {"id": "paper-0", "title": "ppo", "year": 2023, "keywords": ["reward"]},
        {"id": "paper-1", "title": "dpo", "year": 2023},
        {"id": "paper-2", "title": "human", "year": 2023, "keywords": ["reward", "feedback"]},
    ]
    before = _entries([{**table, "sources": SOURCE} for table in found], kinds)
    found[0]["keywords"] = ["model"]
    after = _entries([{**table, "sources": SOURCE} for table in found], kinds)
    patched = SearchIndex.build(Catalogue(before)).patched(Catalogue(after), {0})
    assert patched.texts == ["paper 0", "ppo", "model", "paper 1", "dpo", "paper 2", "human", "reward", "feedback"]
    assert patched == SearchIndex.build(Catalogue(after))

"""Turn entries into plain records (JSON-ready dicts): the data every output format renders."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ..catalogue.models import NO_ITEMS, Codebase, Dataset, Entry, Environment, Method, Paper
from ..query.search import Hit, display_text, field_texts

if TYPE_CHECKING:
    from ..loading.view import CatalogueView

Record = dict[str, Any]


class Links(Protocol):
    """What a record needs to know about an entry's neighbours (a Catalogue, or a store's view)."""

    def datasets_of(self, entry: Entry) -> list[Dataset]: ...

    def envs_of(self, entry: Entry) -> list[Environment]: ...

    def users_count(self, entry: Entry) -> int: ...


class Neighbours(Links, Protocol):
    """Every link of an entry, both ways (a Catalogue, or a store's view)."""

    def users_of(self, entry: Entry) -> list[Paper | Codebase]: ...

    def implementations_of(self, paper: Paper) -> list[Codebase]: ...

    def papers_of(self, codebase: Codebase) -> list[Paper]: ...

    def code_targets(self, paper: Paper) -> list[Entry]: ...

    def used_through_code(self, paper: Paper) -> list[Dataset | Environment]: ...

    def papers_linking_code_to(self, entry: Entry) -> list[Paper]: ...


# The keys of each kind's record after id, kind, title and url, in the documented order (docs,
# README); notes and sources close every record. A key is the entry's field of that name unless
# `_DERIVED` makes its value.
_RECORD_KEYS: dict[str, tuple[str, ...]] = {
    "paper": (
        "year",
        "short_name",
        "aliases",
        "authors",
        "authors_et_al",
        "authors_org",
        "arxiv",
        "keywords",
        "datasets",
        "envs",
        "code",
        "venue",
        "categories",
        "dataset_ids",
        "env_ids",
    ),
    "dataset": (
        "other_urls",
        "aliases",
        "form",
        "authors",
        "authors_et_al",
        "authors_org",
        "keywords",
        "tasks",
        "summary",
        "used_by",
    ),
    "codebase": (
        "aliases",
        "authors",
        "authors_et_al",
        "authors_org",
        "keywords",
        "tasks",
        "datasets",
        "envs",
        "papers",
        "dataset_ids",
        "env_ids",
    ),
    "environment": ("aliases", "used_by"),
    "blog": ("publisher", "language"),
    "book": ("authors",),
    "topic": ("name_zh", "category", "aliases", "summary_en", "summary_zh"),
    "method": ("name_zh", "aliases", "parents", "summary_en", "summary_zh", "introduced_by", "headings", "keywords"),
}
_DERIVED: dict[str, Callable[[Entry, Links], object]] = {
    "datasets": lambda entry, links: [d.display_name for d in links.datasets_of(entry)],
    "envs": lambda entry, links: [e.display_name for e in links.envs_of(entry)],
    "dataset_ids": lambda entry, _: entry.datasets,
    "env_ids": lambda entry, _: entry.envs,
    "code": lambda entry, _: [{"url": link.url, "official": link.official} for link in entry.code],
    "categories": lambda entry, _: [{"source": c.source, "path": c.path} for c in entry.categories],
    "headings": lambda entry, _: [{"source": h.source, "path": h.path} for h in entry.headings],
    "used_by": lambda entry, links: links.users_count(entry),
}


def entry_record(entry: Entry, catalogue: Links) -> Record:
    """The documented JSON object of an entry: id, kind, title, url, then fields of its kind."""
    record: Record = {"id": entry.id, "kind": entry.KIND, "title": entry.display_name, "url": entry.url}
    for key in _RECORD_KEYS[entry.KIND]:
        derive = _DERIVED.get(key)
        # A field by its name from the table above (every kind's records are in the tests).
        value = getattr(entry, key) if derive is None else derive(entry, catalogue)
        record[key] = [] if value is NO_ITEMS else value  # that one is shared, and read-only
    record["notes"] = entry.notes
    record["sources"] = [{"name": source.name, "line": source.line} for source in entry.sources]
    return record


def hit_record(hit: Hit, record: Record) -> Record:
    """A search result: the entry's record, its score (0-100) and what it matched."""
    matched = {"field": hit.field, "text": display_text(field_texts(record, hit.field), hit.text)}
    return {"score": hit.score, "matched": matched} | record


def hit_records(hits: list[Hit], view: CatalogueView) -> list[Record]:
    """The records of these search hits, their entries read from the store in one query."""
    entries = view.entries_at([hit.position for hit in hits])
    return [hit_record(hit, entry_record(entry, view)) for hit, entry in zip(hits, entries, strict=True)]


def method_links_record(entry: Entry, view: CatalogueView) -> dict[str, list[Record]]:
    """What `show` adds about methods: for a method, its introducing paper, parents, children,
    everything below it and the papers and codebases linked to it or below it (each with the
    node and the link); for a paper or codebase, the methods it links to."""
    from ..catalogue.methods import tree

    def brief(linked: Entry) -> Record:
        return {"id": linked.id, "kind": linked.KIND, "title": linked.display_name}

    if entry.USES_LINKS:  # papers and codebases link to methods
        found = view.method_links_of(entry)
        if not found:
            return {}
        # Only the methods linked to: `show` of a paper need not build the whole tree's entries.
        by_id = {m.id: m for m in view.lookup_ids(list(dict.fromkeys(link.method_id for link in found)))}
        return {
            "methods": [
                brief(by_id[link.method_id]) | {"relation": link.relation, "via": link.via, "origin": link.origin}
                for link in found
            ]
        }
    if not isinstance(entry, Method):
        return {}
    methods = tree(view)
    below = methods.descendants(entry.id)
    introducing = (
        [linked for linked in view.lookup(entry.introduced_by or "", ["paper"])] if entry.introduced_by else []
    )
    rows = view.method_link_rows(below)
    linked_entries = view.entries_at(list(dict.fromkeys(row[0] for row in rows)))
    by_position = {view.position(linked): linked for linked in linked_entries}
    papers: dict[str, Record] = {}
    for position, method_id, relation, via, origin in rows:
        linked = by_position[position]
        record = papers.setdefault(linked.id, brief(linked) | {"year": linked.year, "links": []})
        record["links"].append({"method": method_id, "relation": relation, "via": via, "origin": origin})
    return {
        "introduced_by": [brief(paper) for paper in introducing],
        "parents": [brief(methods.methods[p]) for p in entry.parents if p in methods.methods],
        "children": [brief(methods.methods[c]) for c in methods.children.get(entry.id, [])],
        "descendants": [brief(methods.methods[d]) for d in below[1:]],
        "papers": [record for record in papers.values() if record["kind"] == "paper"],
        "codebases": [record for record in papers.values() if record["kind"] == "codebase"],
    }


def links_record(entry: Entry, catalogue: Neighbours) -> dict[str, list[Record]]:
    """Every entry linked to this one, outbound and inbound, grouped by relation."""

    def brief(linked: Entry) -> Record:
        return {"id": linked.id, "kind": linked.KIND, "title": linked.display_name}

    links: dict[str, list[Entry]] = {}
    if entry.USES_LINKS:
        links["datasets"] = list(catalogue.datasets_of(entry))
        links["environments"] = list(catalogue.envs_of(entry))
    if isinstance(entry, Paper):
        implementations = catalogue.implementations_of(entry)
        links["implemented_by"] = list(implementations)
        through_code = catalogue.used_through_code(entry)
        links["uses_through_code"] = list(through_code)  # datasets/environments whose repository is its code
        links["code_entries"] = [
            t for t in catalogue.code_targets(entry) if t not in implementations and t not in through_code
        ]
    if isinstance(entry, Codebase):
        links["implements"] = list(catalogue.papers_of(entry))
    if entry.USED_BY_OTHERS:
        users = catalogue.users_of(entry)
        links["used_by_papers"] = [u for u in users if u.KIND == "paper"]
        links["used_by_codebases"] = [u for u in users if u.KIND == "codebase"]
    if isinstance(entry, Dataset | Codebase):  # whose own repository a paper's code link may be
        implemented = set(entry.papers)
        links["code_of_papers"] = [p for p in catalogue.papers_linking_code_to(entry) if p.id not in implemented]
    return {relation: [brief(linked) for linked in linked_entries] for relation, linked_entries in links.items()}

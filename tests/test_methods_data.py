"""The method taxonomy's data (catalog/methods.toml), read as raw TOML: fields, tree shape, sources,
links into papers.toml, and names. Independent of the code that loads the tree; every check is a
function that returns problems, and each is shown to fail once on a deliberately broken copy."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rlhf_cli.catalogue.identifiers import name_key

from .conftest import reference_dir

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "catalog"
# The tree is staged under pending/ until the loader knows the `method` kind (it rejects unknown tables in
# catalog/); once moved to catalog/methods.toml, that file is the one checked.
METHODS_FILE = next(
    (path for path in (CATALOG / "methods.toml", ROOT / "pending" / "catalog" / "methods.toml") if path.is_file()),
    CATALOG / "methods.toml",
)

Method = dict[str, Any]
Catalog = dict[str, list[dict[str, Any]]]  # kind table ("paper", "topic", ...) -> its entries

REQUIRED_TEXT = ("id", "name_en", "name_zh", "summary_en", "summary_zh")
OPTIONAL_TEXT = ("introduced_by", "notes")
TEXT_LISTS = ("aliases", "keywords")
KNOWN_FIELDS = {*REQUIRED_TEXT, *OPTIONAL_TEXT, *TEXT_LISTS, "parents", "headings", "sources"}
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def load_methods() -> list[Method]:
    with METHODS_FILE.open("rb") as handle:
        return list(tomllib.load(handle)["method"])


def load_catalog() -> Catalog:
    """Every other catalogue file's tables, by kind."""
    tables: Catalog = {}
    for path in sorted(CATALOG.glob("*.toml")):
        if path.name != "methods.toml":
            with path.open("rb") as handle:
                for kind, entries in tomllib.load(handle).items():
                    tables.setdefault(kind, []).extend(entries)
    return tables


def papers_by_id(catalog: Catalog) -> dict[str, dict[str, Any]]:
    return {paper["id"]: paper for paper in catalog["paper"]}


# ---------------------------------------------------------------- fields and types


def field_problems(methods: list[Method]) -> list[str]:
    problems = []
    for number, method in enumerate(methods, 1):
        label = f"method #{number} ({method.get('id', '?')})"
        for key in sorted(set(method) - KNOWN_FIELDS):
            problems.append(f"{label}: unknown field {key!r}")
        for key in REQUIRED_TEXT:
            value = method.get(key)
            if not isinstance(value, str) or not value.strip() or "\n" in value:
                problems.append(f"{label}: {key} must be a non-empty one-line string")
        for key in OPTIONAL_TEXT:
            if key in method and (not isinstance(method[key], str) or not method[key].strip()):
                problems.append(f"{label}: {key} must be a non-empty string")
        if isinstance(method.get("id"), str) and not ID.fullmatch(method["id"]):
            problems.append(f"{label}: id must be lowercase letters, digits and single hyphens")
        for key in (*TEXT_LISTS, "parents"):
            value = method.get(key, [])
            if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
                problems.append(f"{label}: {key} must be a list of non-empty strings")
        if "parents" not in method:
            problems.append(f"{label}: parents is required ([] for a facet root)")
        headings = method.get("headings", [])
        if not isinstance(headings, list) or not all(
            isinstance(h, dict) and set(h) == {"source", "path"} and all(isinstance(v, str) for v in h.values())
            for h in headings
        ):
            problems.append(f"{label}: headings must be tables with a string source and path")
        sources = method.get("sources")
        if not isinstance(sources, list) or not sources:
            problems.append(f"{label}: sources must be a non-empty list")
        elif not all(
            isinstance(s, dict)
            and set(s) == {"name", "line"}
            and isinstance(s["name"], str)
            and isinstance(s["line"], int)
            and s["line"] > 0
            for s in sources
        ):
            problems.append(f"{label}: each source is {{ name = <list>, line = <positive int> }}")
    return problems


# ---------------------------------------------------------------- tree shape


def id_problems(methods: list[Method], catalog: Catalog) -> list[str]:
    """Ids are unique among the methods and across every other kind."""
    owner = {entry["id"]: kind for kind, entries in catalog.items() for entry in entries}
    problems = []
    for method in methods:
        if method["id"] in owner:
            problems.append(f"{method['id']}: id already used by a {owner[method['id']]}")
        owner[method["id"]] = "method"
    return problems


def parent_problems(methods: list[Method]) -> list[str]:
    ids = {method["id"] for method in methods}
    return [
        f"{method['id']}: parent {parent!r} is not a method"
        for method in methods
        for parent in method["parents"]
        if parent not in ids or parent == method["id"]
    ]


def cycle_problems(methods: list[Method]) -> list[str]:
    parents = {method["id"]: method["parents"] for method in methods}
    problems = []
    for start in parents:
        seen, todo = set(), list(parents[start])
        while todo:
            node = todo.pop()
            if node == start:
                problems.append(f"{start}: is its own ancestor")
                break
            if node not in seen:
                seen.add(node)
                todo.extend(parents.get(node, []))
    return problems


def roots_of(method_id: str, parents: dict[str, list[str]]) -> set[str]:
    """The facet roots (nodes without parents) that a node reaches by following parents."""
    seen, todo, roots = set(), [method_id], set()
    while todo:
        node = todo.pop()
        if node in seen or node not in parents:
            continue
        seen.add(node)
        if not parents[node]:
            roots.add(node)
        todo.extend(parents[node])
    return roots


def facet_problems(methods: list[Method]) -> list[str]:
    """A root is its own facet; every node reaches exactly one root, so all its parents share a facet."""
    parents = {method["id"]: method["parents"] for method in methods}
    problems = []
    for method in methods:
        roots = roots_of(method["id"], parents)
        if len(roots) != 1:
            problems.append(f"{method['id']}: reaches {len(roots)} facet roots {sorted(roots)}, not exactly one")
    return problems


# ---------------------------------------------------------------- sources


def list_lines(name: str) -> list[str] | None:
    """A reference list's lines by its source name (a Markdown list, or the TsinghuaC3I .bib)."""
    for suffix in (".md", ".bib"):
        path = reference_dir() / f"{name}{suffix}"
        if path.is_file():
            return path.read_text(encoding="utf-8").splitlines()
    return None


def names_of(method: Method) -> list[str]:
    """The folded texts a cited line may contain to name the node: the id, the names, the aliases; a
    plural name also answers to its singular ("LLM Agents" is named by "... LLM Agent Training")."""
    keys = [name_key(text) for text in (method["id"], method["name_en"], method["name_zh"], *method.get("aliases", []))]
    return [key for key in keys if key] + [key[:-1] for key in keys if len(key) > 3 and key.endswith("s")]


def paper_marks(paper: dict[str, Any]) -> list[str]:
    """What identifies a paper on a list line: its arXiv id, or, lacking one, its folded title."""
    return [paper["arxiv"]] if paper.get("arxiv") else [name_key(paper["title"])]


def source_problems(methods: list[Method], catalog: Catalog) -> list[str]:
    """Every cited line exists in the named list and names the node: its id, a name or an alias
    appears on it (a heading naming the node included), or it is a row of the introducing paper."""
    papers = papers_by_id(catalog)
    problems = []
    for method in methods:
        paper = papers.get(method.get("introduced_by", ""))
        for source in method["sources"]:
            lines = list_lines(source["name"])
            where = f"{method['id']}: {source['name']} line {source['line']}"
            if lines is None:
                problems.append(f"{where}: no such reference list")
                continue
            if source["line"] > len(lines):
                problems.append(f"{where}: the list has only {len(lines)} lines")
                continue
            raw = lines[source["line"] - 1]
            folded = name_key(raw)
            if any(key in folded for key in names_of(method)):
                continue
            if paper is not None and any(mark in raw or mark in folded for mark in paper_marks(paper)):
                continue
            problems.append(f"{where}: the line does not name the node: {raw.strip()[:100]!r}")
    return problems


# ---------------------------------------------------------------- links into papers.toml


def introduced_by_problems(methods: list[Method], catalog: Catalog) -> list[str]:
    """`introduced_by` is a paper id, and that paper's arXiv id (or title) is on a cited line."""
    papers = papers_by_id(catalog)
    problems = []
    for method in methods:
        if "introduced_by" not in method:
            continue
        paper = papers.get(method["introduced_by"])
        if paper is None:
            problems.append(f"{method['id']}: introduced_by {method['introduced_by']!r} is not a paper id")
            continue
        cited = [list_lines(s["name"]) or [] for s in method["sources"]]
        texts = [
            lines[s["line"] - 1] for s, lines in zip(method["sources"], cited, strict=True) if s["line"] <= len(lines)
        ]
        if not any(mark in text or mark in name_key(text) for text in texts for mark in paper_marks(paper)):
            problems.append(f"{method['id']}: no cited line carries {paper_marks(paper)[0]!r} of {paper['id']}")
    return problems


def heading_problems(methods: list[Method], catalog: Catalog) -> list[str]:
    carried = {(c["source"], c["path"]) for paper in catalog["paper"] for c in paper.get("categories", [])}
    return [
        f"{method['id']}: no paper carries the heading {heading['source']} / {heading['path']!r}"
        for method in methods
        for heading in method.get("headings", [])
        if (heading["source"], heading["path"]) not in carried
    ]


def keyword_problems(methods: list[Method], catalog: Catalog) -> list[str]:
    carried = {keyword.casefold() for paper in catalog["paper"] for keyword in paper.get("keywords", [])}
    return [
        f"{method['id']}: no paper carries the keyword {keyword!r}"
        for method in methods
        for keyword in method.get("keywords", [])
        if keyword.casefold() not in carried
    ]


# ---------------------------------------------------------------- names


def other_names(catalog: Catalog) -> dict[str, str]:
    """Folded name -> the entry it names, for every id, title, name, short name and alias of every
    other kind."""
    owner: dict[str, str] = {}
    for kind, entries in catalog.items():
        for entry in entries:
            texts = [entry["id"], *(entry.get(f, "") for f in ("title", "name", "short_name", "name_en", "name_zh"))]
            for text in [*texts, *entry.get("aliases", [])]:
                if text:
                    owner.setdefault(name_key(text), f"{kind} {entry['id']}")
    return owner


def alias_problems(methods: list[Method], catalog: Catalog) -> list[str]:
    """An alias (and a method's English or Chinese name) names one entry only: no other entry's id,
    title, name, short name or alias, and no other method's id, name or alias, folds to it."""
    owner = other_names(catalog)
    problems = []
    for method in methods:
        for text in {method["id"], method["name_en"], method["name_zh"]}:
            owner.setdefault(name_key(text), f"method {method['id']}")
    for method in methods:
        for text in [method["name_en"], method["name_zh"], *method.get("aliases", [])]:
            other = owner.setdefault(name_key(text), f"method {method['id']}")
            if other != f"method {method['id']}":
                problems.append(f"{method['id']}: {text!r} also names {other}")
        aliases = [name_key(alias) for alias in method.get("aliases", [])]
        own = {name_key(method["id"]), name_key(method["name_en"]), name_key(method["name_zh"])}
        if len(set(aliases)) != len(aliases) or own & set(aliases):
            problems.append(f"{method['id']}: an alias repeats another of its names")
    return problems


# ---------------------------------------------------------------- the real file


@pytest.fixture(scope="module")
def methods() -> list[Method]:
    return load_methods()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def needs_reference_lists() -> None:
    if not reference_dir().is_dir():
        pytest.skip(f"reference lists not found at {reference_dir()}; source lines cannot be checked")


def test_fields_and_types(methods: list[Method]) -> None:
    assert field_problems(methods) == []


def test_size_and_facets(methods: list[Method]) -> None:
    roots = sorted(method["id"] for method in methods if not method["parents"])
    assert 40 <= len(methods) <= 80
    assert roots == [
        "application",
        "feedback-source",
        "policy-optimization",
        "preference-optimization",
        "reward-modeling",
        "sampling-strategy",
    ]


def test_ids_unique_across_the_catalogue(methods: list[Method], catalog: Catalog) -> None:
    assert id_problems(methods, catalog) == []


def test_every_parent_exists(methods: list[Method]) -> None:
    assert parent_problems(methods) == []


def test_no_cycles(methods: list[Method]) -> None:
    assert cycle_problems(methods) == []


def test_exactly_one_root_per_facet(methods: list[Method]) -> None:
    assert facet_problems(methods) == []


def test_every_source_line_exists_and_names_the_node(methods: list[Method], catalog: Catalog) -> None:
    needs_reference_lists()
    assert source_problems(methods, catalog) == []


def test_introducing_papers_exist_and_are_cited(methods: list[Method], catalog: Catalog) -> None:
    needs_reference_lists()
    assert introduced_by_problems(methods, catalog) == []


def test_headings_are_carried_by_papers(methods: list[Method], catalog: Catalog) -> None:
    assert heading_problems(methods, catalog) == []


def test_keywords_are_carried_by_papers(methods: list[Method], catalog: Catalog) -> None:
    assert keyword_problems(methods, catalog) == []


def test_aliases_and_names_are_unique(methods: list[Method], catalog: Catalog) -> None:
    assert alias_problems(methods, catalog) == []


def test_the_issue_examples_sit_where_the_issue_puts_them(methods: list[Method]) -> None:
    parents = {method["id"]: method["parents"] for method in methods}

    def ancestors(node: str) -> set[str]:
        found, todo = set(), list(parents[node])
        while todo:
            parent = todo.pop()
            if parent not in found:
                found.add(parent)
                todo.extend(parents[parent])
        return found

    for variant in ("ipo", "kto-objective", "simple-preference-optimization", "orpo-objective"):
        assert "dpo" in parents[variant], variant
    assert "preference-optimization" in parents["dpo"]
    for algorithm in ("proximal-policy-optimization", "grpo", "rloo", "reinforce-plus-plus-algorithm"):
        assert "policy-gradient" in ancestors(algorithm) or "critic-free" in ancestors(algorithm), algorithm
    for variant in ("dapo-algorithm", "dr-grpo-algorithm"):
        assert "grpo" in parents[variant], variant
    for node in ("outcome-reward-model", "process-reward-model", "generative-rewards"):
        assert "reward-modeling" in parents[node], node
    assert {"human-feedback", "ai-feedback", "rlvr"} <= {m["id"] for m in methods if "feedback-source" in m["parents"]}
    assert "ai-feedback" in parents["constitutional-ai-training"]
    assert {
        "large-language-models",
        "diffusion-text-to-image",
        "robotics-and-control",
        "video-games",
        "recommendation",
    } <= {m["id"] for m in methods if "application" in m["parents"]}


# ---------------------------------------------------------------- each check can fail


def by_id(methods: list[Method], method_id: str) -> Method:
    return next(method for method in methods if method["id"] == method_id)


def _drop_summary(ms: list[Method]) -> None:
    del by_id(ms, "dpo")["summary_zh"]


def _reuse_paper_id(ms: list[Method]) -> None:
    by_id(ms, "proximal-policy-optimization")["id"] = "ppo"  # the PPO paper's id


def _missing_parent(ms: list[Method]) -> None:
    by_id(ms, "ipo")["parents"] = ["no-such-method"]


def _cycle(ms: list[Method]) -> None:
    by_id(ms, "preference-optimization")["parents"] = ["ipo"]  # ipo > dpo > preference-optimization


def _two_facets(ms: list[Method]) -> None:
    by_id(ms, "grpo")["parents"] = ["critic-free", "dpo"]  # policy and preference optimisation


def _line_past_the_end(ms: list[Method]) -> None:
    by_id(ms, "grpo")["sources"] = [{"name": "tsinghuac3i-awesome-rl-for-lrms-2026", "line": 10**6}]


def _line_not_naming_the_node(ms: list[Method]) -> None:
    by_id(ms, "grpo")["sources"] = [{"name": "tsinghuac3i-awesome-rl-for-lrms-2026", "line": 296}]  # the PPO row


def _not_a_paper(ms: list[Method]) -> None:
    by_id(ms, "dpo")["introduced_by"] = "no-such-paper"


def _paper_not_on_a_cited_line(ms: list[Method]) -> None:
    by_id(ms, "dpo")["sources"] = [{"name": "xielab-awesome-alignment-of-diffusion-models-2025", "line": 178}]


def _uncarried_heading(ms: list[Method]) -> None:
    by_id(ms, "critic-free")["headings"] = [
        {"source": "tsinghuac3i-awesome-rl-for-lrms-2026", "path": "Policy Optimization"}  # only sub-headings are
    ]


def _uncarried_keyword(ms: list[Method]) -> None:
    by_id(ms, "grpo")["keywords"] = ["GRPO objective"]


def _paper_short_name_as_alias(ms: list[Method]) -> None:
    by_id(ms, "dpo")["aliases"] = ["DPO"]  # the DPO paper's short name


def _alias_shared_by_two_methods(ms: list[Method]) -> None:
    by_id(ms, "kto-objective")["aliases"] = ["Exp replay"]  # experience-replay's alias


Check = Callable[[list[Method], Catalog], list[str]]
# case -> (the break, the check that must catch it, a node one of its problems names, whether it reads the lists)
BREAKS: dict[str, tuple[Callable[[list[Method]], None], Check, str, bool]] = {
    "a required field is missing": (_drop_summary, lambda ms, _: field_problems(ms), "(dpo)", False),
    "an id is a paper's id": (_reuse_paper_id, id_problems, "ppo:", False),
    "a parent does not exist": (_missing_parent, lambda ms, _: parent_problems(ms), "ipo:", False),
    "the parents form a cycle": (_cycle, lambda ms, _: cycle_problems(ms), "preference-optimization:", False),
    "a node reaches two facet roots": (_two_facets, lambda ms, _: facet_problems(ms), "grpo:", False),
    "a source line is past the end": (_line_past_the_end, source_problems, "grpo:", True),
    "a source line names something else": (_line_not_naming_the_node, source_problems, "grpo:", True),
    "introduced_by is not a paper": (_not_a_paper, introduced_by_problems, "dpo:", True),
    "the introducing paper is on no cited line": (_paper_not_on_a_cited_line, introduced_by_problems, "dpo:", True),
    "no paper carries a heading": (_uncarried_heading, heading_problems, "critic-free:", False),
    "no paper carries a keyword": (_uncarried_keyword, keyword_problems, "grpo:", False),
    "an alias is a paper's short name": (_paper_short_name_as_alias, alias_problems, "dpo:", False),
    "two methods share an alias": (_alias_shared_by_two_methods, alias_problems, "kto-objective:", False),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_check_fails_on_a_broken_copy(case: str, methods: list[Method], catalog: Catalog) -> None:
    breaks, check, node, reads_lists = BREAKS[case]
    if reads_lists:
        needs_reference_lists()
    broken = copy.deepcopy(methods)
    breaks(broken)
    assert check(methods, catalog) == []
    problems = check(broken, catalog)
    assert any(node in problem for problem in problems), problems

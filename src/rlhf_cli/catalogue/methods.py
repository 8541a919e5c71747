"""The method tree (catalog/methods.toml): its shape, and the links it gives papers.

Nothing about methods is written in papers.toml. A paper links to a method in one of three
ways, each recorded with where it comes from (`MethodLink.origin`):

- `introduces`: the method's `introduced_by` names the paper (the method's own sources say so);
- `uses`, by heading: one of the paper's `categories` is one of the method's `headings`, or
  under it (the path equals it, or starts with it and " > ");
- `uses`, by keyword: one of the paper's keywords is one of the method's `keywords` (any case).

A codebase links to a method by keyword, as a paper does. Paper-to-paper `variant_of` links follow
from the tree: if method B has parent A and both have an introducing paper, B's paper is a
variant of A's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..plain import Plain
from .models import Entry, Method, Paper, only

if TYPE_CHECKING:
    from ..loading.view import CatalogueView

# How a link was made, in the order `--explain` and `show` prefer them.
VIA = ("introduced_by", "heading", "keyword")
RELATION_OF_VIA = {"introduced_by": "introduces", "heading": "uses", "keyword": "uses"}


class MethodLink(Plain, frozen=True):
    """An entry's link to a method: `relation` (introduces, uses), how it was made (`via`, one of
    VIA) and from what (`origin`: the heading path, the keyword, or the method's source)."""

    entry_id: str
    method_id: str
    relation: str
    via: str
    origin: str

    def describe(self) -> str:
        """The link in words, as `--explain` prints it."""
        if self.via == "introduced_by":
            return f"introduces {self.method_id} (its introduced_by; {self.origin})"
        if self.via == "heading":
            return f"uses {self.method_id} (listed under heading {self.origin})"
        return f"uses {self.method_id} (keyword '{self.origin}')"


class Tree:
    """The methods of a catalogue as a tree (a forest of facets): parents, children, roots."""

    def __init__(self, methods: Iterable[Method]) -> None:
        self.methods: dict[str, Method] = {method.id: method for method in methods}
        self.children: dict[str, list[str]] = {method_id: [] for method_id in self.methods}
        for method in self.methods.values():
            for parent in method.parents:
                if parent in self.children and method.id not in self.children[parent]:
                    self.children[parent].append(method.id)

    @property
    def roots(self) -> list[str]:
        return [method.id for method in self.methods.values() if not method.parents]

    def descendants(self, method_id: str) -> list[str]:
        """The method and everything below it, depth first in catalogue order (each once)."""
        seen: dict[str, None] = {}
        stack = [method_id]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen[current] = None
            stack.extend(reversed(self.children.get(current, [])))
        return list(seen)

    def ancestors(self, method_id: str) -> list[str]:
        """Every method above this one (nearest first, each once; cycles are validation's to report)."""
        found: dict[str, None] = {}
        stack = list(self.methods[method_id].parents) if method_id in self.methods else []
        while stack:
            current = stack.pop(0)
            if current in found or current == method_id or current not in self.methods:
                continue
            found[current] = None
            stack.extend(self.methods[current].parents)
        return list(found)

    def depth_first(self, root: str | None = None) -> Iterator[tuple[int, str]]:
        """(depth, method id) of the tree (or of `root`'s subtree), parents before children."""
        starts = [root] if root is not None else self.roots

        def walk(method_id: str, depth: int, path: tuple[str, ...]) -> Iterator[tuple[int, str]]:
            yield depth, method_id
            for child in self.children.get(method_id, []):
                if child not in path:
                    yield from walk(child, depth + 1, (*path, child))

        for start in starts:
            yield from walk(start, 0, (start,))

    def lineage(self, method_id: str) -> list[tuple[int, str]]:
        """The family of a method: the root of its facet down to it, then everything below it,
        as (depth, method id). With several parents, the first parent's line is followed."""
        line = [method_id]
        while True:
            parents = self.methods[line[0]].parents
            if not parents or parents[0] in line or parents[0] not in self.methods:
                break
            line.insert(0, parents[0])
        above = [(depth, node) for depth, node in enumerate(line[:-1])]
        below = [(len(line) - 1 + depth, node) for depth, node in self.depth_first(method_id)]
        return [*above, *below]


def links(entries: Iterable[Entry]) -> list[MethodLink]:
    """Every entry's links to methods (see the module's docstring), in catalogue order of the
    entries, then of the methods; an entry links to a method once per way."""
    entries = list(entries)
    methods = only(Method, entries)
    if not methods:
        return []
    by_keyword: dict[str, list[Method]] = {}
    for method in methods:
        for keyword in method.keywords:
            by_keyword.setdefault(keyword.casefold(), []).append(method)
    by_heading: dict[tuple[str, str], list[Method]] = {}
    for method in methods:
        for heading in method.headings:
            by_heading.setdefault((heading.source, heading.path), []).append(method)
    introducing: dict[str, list[Method]] = {}
    for method in methods:
        if method.introduced_by:
            introducing.setdefault(method.introduced_by, []).append(method)
    found: list[MethodLink] = []
    for entry in entries:
        if not entry.USES_LINKS:  # only papers and codebases link to methods
            continue
        made: list[tuple[Method, str, str]] = []  # (method, via, origin)
        # A paper's (`introduced_by` names papers; only papers have categories).
        made += [(method, "introduced_by", ", ".join(_source_text(method))) for method in introducing.get(entry.id, [])]
        for category in entry.categories:
            # The heading itself and each heading above it ("A", "A > B", "A > B > C").
            parts = category.path.split(" > ")
            for depth in range(1, len(parts) + 1):
                path = " > ".join(parts[:depth])
                made += [
                    (method, "heading", f"{category.source}: {path}")
                    for method in by_heading.get((category.source, path), [])
                ]
        for keyword in entry.keywords:
            made += [(method, "keyword", keyword) for method in by_keyword.get(keyword.casefold(), [])]
        seen: set[tuple[str, str]] = set()
        for method, via, origin in made:
            if (method.id, via) not in seen:
                seen.add((method.id, via))
                found.append(MethodLink(entry.id, method.id, RELATION_OF_VIA[via], via, origin))
    return found


def _source_text(method: Method) -> Iterator[str]:
    for source in method.sources:
        yield source.name if source.line is None else f"{source.name} line {source.line}"


def variants(tree: Tree) -> list[tuple[str, str, str, str]]:
    """(variant paper, parent paper, method, parent method): for each method with an introducing
    paper whose parent has one too."""
    found = []
    for method in tree.methods.values():
        if not method.introduced_by:
            continue
        for parent in method.parents:
            above = tree.methods.get(parent)
            if above is not None and above.introduced_by and above.introduced_by != method.introduced_by:
                found.append((method.introduced_by, above.introduced_by, method.id, parent))
    return found


def shape_problems(tree: Tree) -> Iterator[tuple[str, str, str]]:
    """(method id, field, message) for each break of the tree's shape rules: a parent that is no
    method, a cycle, a node that reaches no root or more than one."""
    for method in tree.methods.values():
        for index, parent in enumerate(method.parents):
            if parent not in tree.methods:
                yield method.id, f"parents[{index}]", f"no method with id '{parent}'"
            elif method.parents.index(parent) != index:
                yield method.id, f"parents[{index}]", f"'{parent}' is listed twice"
            elif parent == method.id:
                yield method.id, f"parents[{index}]", "a method cannot be its own parent"
    cyclic = _in_cycles(tree)
    for method_id in cyclic:
        yield method_id, "parents", "the parents lead back to this method (a cycle)"
    for method in tree.methods.values():
        if method.id in cyclic or not method.parents:
            continue
        roots = sorted(_roots_of(tree, method.id))
        if len(roots) > 1:
            yield method.id, "parents", f"the parents lead to more than one facet root ({', '.join(roots)})"
        elif not roots:
            yield method.id, "parents", "the parents lead to no facet root"


def _roots_of(tree: Tree, method_id: str) -> set[str]:
    return {node for node in tree.ancestors(method_id) if not tree.methods[node].parents}


def _in_cycles(tree: Tree) -> list[str]:
    """The methods that are their own ancestors, in catalogue order."""
    cyclic = []
    for method_id in tree.methods:
        stack = list(tree.methods[method_id].parents)
        seen: set[str] = set()
        while stack:
            current = stack.pop()
            if current == method_id:
                cyclic.append(method_id)
                break
            if current in seen or current not in tree.methods:
                continue
            seen.add(current)
            stack.extend(tree.methods[current].parents)
    return cyclic


def tree(view: CatalogueView) -> Tree:
    """The catalogue's method tree."""
    return Tree(view.methods())


def counts(view: CatalogueView, methods: Tree) -> dict[str, tuple[int, int]]:
    """For each method: papers linked to it alone, and papers linked to it or any method below it."""
    rows = view.rows(
        "SELECT DISTINCT m.id, l.source FROM method_links l JOIN entries m ON m.position = l.method"
        " JOIN entries e ON e.position = l.source WHERE e.kind = 'paper'"
    )
    own: dict[str, set[int]] = {}
    for method_id, position in rows:
        own.setdefault(method_id, set()).add(position)
    found = {}
    for method_id in methods.methods:
        below: set[int] = set()
        for node in methods.descendants(method_id):
            below |= own.get(node, set())
        found[method_id] = (len(own.get(method_id, ())), len(below))
    return found


# How `rlhf path` recognises a survey or a benchmark among a subtree's papers: one of these words
# in its title, a keyword, or a list heading it is filed under (whole words, any case).
SURVEY_WORDS = ("survey", "surveys", "review", "overview", "tutorial", "benchmark", "benchmarks", "evaluation")
_SURVEY_PATTERN = re.compile(r"\b(" + "|".join(SURVEY_WORDS) + r")\b", re.IGNORECASE)
PATH_ORDER = (
    "1. the papers that introduce a method of the subtree, oldest first (parents before children);"
    " 2. surveys and benchmarks linked to the subtree (a title, keyword or list heading with one of: "
    + ", ".join(SURVEY_WORDS)
    + "), oldest first; 3. the other papers linked to the subtree, newest first"
)


class Step(Plain, frozen=True):
    """One paper of a reading path: its step (1, 2, 3), the paper and why it is there."""

    step: int
    paper: Paper
    reason: str


def reading_path(view: CatalogueView, method: Method, newest: int | None = 10) -> list[Step]:
    """A reading order for the subtree of `method` (see PATH_ORDER); step 3 keeps the `newest`."""
    methods = tree(view)
    below = methods.descendants(method.id)
    place = {node: number for number, (_, node) in enumerate(methods.depth_first(method.id))}
    introducing = {m.introduced_by: m.id for m in (methods.methods[node] for node in below) if m.introduced_by}
    rows = view.method_link_rows(below)
    first_link: dict[int, tuple[int, str, str, str, str]] = {}
    for row in rows:
        first_link.setdefault(row[0], row)
    linked = only(Paper, view.entries_at(list(first_link)))
    # An introducing paper is linked by its `introduces` link (methods.links).
    founders = sorted(
        (paper for paper in linked if paper.id in introducing),
        key=lambda paper: (paper.year, place[introducing[paper.id]]),
    )
    steps = [Step(1, paper, f"introduces {introducing[paper.id]}") for paper in founders]
    rest = [paper for paper in linked if paper.id not in introducing]
    surveys = [(paper, why) for paper in rest if (why := _survey_reason(paper)) is not None]
    surveys.sort(key=lambda pair: (pair[0].year, pair[0].title.casefold()))
    steps += [Step(2, paper, why) for paper, why in surveys]
    taken = {paper.id for paper, _ in surveys}
    newer = sorted(
        (paper for paper in rest if paper.id not in taken), key=lambda paper: (-paper.year, paper.title.casefold())
    )
    for paper in newer[:newest] if newest is not None else newer:
        _, method_id, relation, via, origin = first_link[view.position(paper)]
        steps.append(Step(3, paper, MethodLink(paper.id, method_id, relation, via, origin).describe()))
    return steps


def _survey_reason(paper: Paper) -> str | None:
    """Why a paper reads as a survey or benchmark (SURVEY_WORDS), or None."""
    places = (
        ("title", [paper.title]),
        ("keyword", paper.keywords),
        ("heading", [category.path for category in paper.categories]),
    )
    for where, texts in places:
        for text in texts:
            if _SURVEY_PATTERN.search(text):
                return f"a survey or benchmark ({where} '{text}')"
    return None

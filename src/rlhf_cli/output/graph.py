"""The paper-dataset-codebase graph of a selection, as Mermaid or Graphviz DOT."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..catalogue.methods import Tree, variants
from ..catalogue.models import Codebase, Entry, Method, Paper
from ..errors import UsageError
from ..plain import Plain
from .escapes import visible

if TYPE_CHECKING:
    from .records import Neighbours


class GraphvizError(UsageError):
    """An image format was asked for and Graphviz cannot draw it."""


class Edge(Plain, frozen=True):
    source: Entry
    target: Entry
    label: str  # "uses", "implements"; "includes" (method tree), "variant_of" (lineage)


def edges(catalogue: Neighbours, selection: list[Entry]) -> tuple[list[Entry], list[Edge]]:
    """The selected entries, their neighbours, and the links between them."""
    nodes: dict[str, Entry] = {entry.id: entry for entry in selection}
    found: list[Edge] = []
    for entry in selection:
        used: list[Entry] = [*catalogue.datasets_of(entry), *catalogue.envs_of(entry)]  # a paper's or codebase's
        found += [Edge(entry, linked, "uses") for linked in used]
        if isinstance(entry, Codebase):
            found += [Edge(entry, paper, "implements") for paper in catalogue.papers_of(entry)]
        if isinstance(entry, Paper):
            found += [Edge(codebase, entry, "implements") for codebase in catalogue.implementations_of(entry)]
        if entry.USED_BY_OTHERS:
            found += [Edge(user, entry, "uses") for user in catalogue.users_of(entry)]
    unique = list({(e.source.id, e.target.id, e.label): e for e in found}.values())
    for edge in unique:
        nodes.setdefault(edge.source.id, edge.source)
        nodes.setdefault(edge.target.id, edge.target)
    return list(nodes.values()), unique


_MERMAID_SHAPES = {
    "method": '("{}")',
    "paper": '["{}"]',
    "dataset": '[("{}")]',
    "codebase": '{{{{"{}"}}}}',
    "environment": '(["{}"])',
}


def mermaid(nodes: list[Entry] | list[Method], links: list[Edge]) -> str:
    names = _node_names(nodes)
    lines = ["graph LR"]
    for node in nodes:
        shape = _MERMAID_SHAPES.get(node.KIND, '["{}"]')
        lines.append(f"  {names[node.id]}{shape.format(_mermaid_label(_label(node)))}")
    for edge in links:
        lines.append(f"  {names[edge.source.id]} -->|{edge.label}| {names[edge.target.id]}")
    return "\n".join(lines) + "\n"


def dot(nodes: list[Entry] | list[Method], links: list[Edge]) -> str:
    shapes = {"method": "oval", "paper": "box", "dataset": "cylinder", "codebase": "hexagon", "environment": "ellipse"}
    lines = ["digraph rlhf {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node in nodes:
        shape = shapes.get(node.KIND, "box")
        lines.append(f"  {_dot_string(node.id)} [label={_dot_string(_label(node))}, shape={shape}];")
    for edge in links:
        lines.append(
            f"  {_dot_string(edge.source.id)} -> {_dot_string(edge.target.id)} [label={_dot_string(edge.label)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _label(entry: Entry) -> str:
    title = entry.display_name
    label = entry.short_name or (title if len(title) <= 48 else title[:45] + "...")
    return f"{label} ({entry.year})" if entry.year else label


def _node_names(nodes: list[Entry] | list[Method]) -> dict[str, str]:
    """Mermaid node names: letters, digits and underscores only, unique."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for node in nodes:
        base = "n_" + re.sub(r"[^A-Za-z0-9_]", "_", node.id)
        name, count = base, 1
        while name in used:
            count += 1
            name = f"{base}_{count}"
        used.add(name)
        names[node.id] = name
    return names


_MERMAID_ENTITIES = {"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;", "`": "#96;"}


def _mermaid_label(text: str) -> str:
    """Mermaid labels in quotes take entity codes for the characters that would end them, or
    make them HTML (`<`) or Markdown (a leading backtick); controls are shown as escapes."""
    return "".join(_MERMAID_ENTITIES.get(char, char) for char in " ".join(visible(text).split()))


def _dot_string(text: str) -> str:
    """A DOT double-quoted string on one line; controls are shown as escapes, whose backslash is
    doubled like any other (so `\\N`, `\\l` stay literal)."""
    escaped = " ".join(visible(text).split()).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def method_tree(methods: Tree, root: str | None = None) -> tuple[list[Method], list[Edge]]:
    """The method tree (or `root`'s subtree) as nodes and parent -> child `includes` edges."""
    order = list(dict.fromkeys(node for _, node in methods.depth_first(root)))
    nodes = [methods.methods[node] for node in order]
    found = [
        Edge(methods.methods[parent], methods.methods[child], "includes")
        for parent in order
        for child in methods.children.get(parent, [])
        if child in order
    ]
    return nodes, found


def lineage(methods: Tree, method_id: str, papers: dict[str, Paper]) -> tuple[list[Entry], list[Edge]]:
    """The introducing papers of a method's family (methods.Tree.lineage), each linked to the
    paper it is a variant of (`variant_of`: the introducing paper of the node's parent)."""
    family = [node for _, node in methods.lineage(method_id)]
    nodes: dict[str, Entry] = {}
    found: list[Edge] = []
    for node in family:
        paper = papers.get(methods.methods[node].introduced_by or "")
        if paper is not None:
            nodes.setdefault(paper.id, paper)
    for variant, parent, child_method, _ in variants(methods):
        if child_method in family and variant in nodes and parent in nodes:
            found.append(Edge(nodes[variant], nodes[parent], "variant_of"))
    return list(nodes.values()), found


def picture(dot_text: str, image: str) -> bytes:
    """The DOT text drawn by Graphviz's `dot` as `image` (svg or png); GraphvizError if `dot` is
    not installed or fails."""
    import shutil
    import subprocess

    program = shutil.which("dot")
    if program is None:
        raise GraphvizError(f"--format {image} needs Graphviz's `dot` program, which is not installed")
    try:
        done = subprocess.run([program, f"-T{image}"], input=dot_text.encode(), capture_output=True, check=False)
    except OSError as error:
        raise GraphvizError(f"could not run {program}: {error.strerror or error}") from None
    if done.returncode != 0:
        reason = " ".join(done.stderr.decode(errors="replace").split())[:200]
        raise GraphvizError(f"Graphviz's dot failed: {reason or f'exit {done.returncode}'}")
    return done.stdout

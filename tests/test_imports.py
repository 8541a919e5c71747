"""The package's modules import one another in one direction only: no import cycles."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "rlhf_cli"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path) -> set[str]:
    """The package's modules that `path` imports when run (at the top or inside functions),
    leaving out imports made only for type checkers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                # `from . import render` imports a module; `from .models import Paper` a name of one.
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _exists(candidate) else target)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found.update(name for name in names if name.startswith("rlhf_cli"))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name != _module_name(path)}


def _exists(module: str) -> bool:
    relative = Path(*module.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative / "__init__.py").is_file()


def test_no_import_cycles() -> None:
    graph = {_module_name(path): _runtime_imports(path) for path in PACKAGE.rglob("*.py")}
    assert "rlhf_cli.loading.store" in graph and graph["rlhf_cli.loading.loader"] >= {"rlhf_cli.loading.store"}
    cycles: list[list[str]] = []
    done: set[str] = set()

    def walk(module: str, trail: list[str]) -> None:
        if module in trail:
            cycles.append([*trail[trail.index(module) :], module])
            return
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            if imported.startswith("rlhf_cli.cli") and module.startswith("rlhf_cli.cli"):
                continue  # the command modules share their package's helpers, and it loads them by name
            walk(imported, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        walk(module, [])
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles[:5])


# The floors, lowest first: a module imports from its own floor and the floors below it only.
FLOORS = ("catalogue", "loading", "query", "output", "awesome", "cli")
# Where a lower floor reaches up, and why. The store holds the search index, so the loading
# floor builds it (schema), patches it (patch) and reads it (view); nothing else may reach up.
REACHING_UP = {
    ("rlhf_cli.loading.schema", "rlhf_cli.query.search"),
    ("rlhf_cli.loading.patch", "rlhf_cli.query.search"),
    ("rlhf_cli.loading.view", "rlhf_cli.query.search"),
}


def _floor(module: str) -> int | None:
    parts = module.split(".")
    return FLOORS.index(parts[1]) if len(parts) > 2 and parts[1] in FLOORS else None


def test_floors_import_downwards_only() -> None:
    graph = {_module_name(path): _runtime_imports(path) for path in PACKAGE.rglob("*.py")}
    assert {_floor(module) for module in graph} >= set(range(len(FLOORS)))
    upwards = set()
    for module, imported in graph.items():
        here = _floor(module)
        for target in imported:
            there = _floor(target)
            if here is not None and there is not None and there > here:
                upwards.add((module, target))
    assert upwards == REACHING_UP

"""Commands about the method tree: methods, lineage, path.

Their options' names, help and completion are options.py's, and this module imports no Typer,
so that hotpath.py runs these commands as it runs the listings (see cli/__init__.py).
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ExitCode, Stop
from ..output import render
from ..output.render import Format, field
from . import Session, command

if TYPE_CHECKING:
    from ..catalogue.methods import Tree
    from ..loading.view import CatalogueView


def _method_records(view: "CatalogueView", methods: "Tree", root: str | None) -> list[dict[str, Any]]:
    from ..catalogue.methods import counts

    papers = counts(view, methods)
    records = []
    for depth, method_id in methods.depth_first(root):
        method = methods.methods[method_id]
        own, below = papers[method_id]
        records.append(
            {
                "id": method.id,
                "kind": "method",
                "depth": depth,
                "title": method.name_en,
                "name_zh": method.name_zh,
                "parents": method.parents,
                "introduced_by": method.introduced_by,
                "papers": below,
                "own_papers": own,
            }
        )
    return records


@command()
def methods(
    session: Session,
    name: str | None = None,
    output: Format | None = None,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """Print the method tree with how many papers each node reaches (it and all below it)."""
    from ..catalogue.methods import tree

    view = session.open(catalog, no_bundled)
    methods_tree = tree(view)
    if not methods_tree.methods:
        render.error("the catalogue has no methods (catalog/methods.toml)")
        raise Stop(ExitCode.NO_MATCH)
    root = view.resolve_method(name).id if name is not None else None
    records = _method_records(view, methods_tree, root)
    fmt = output or render.default_format()
    if fmt is Format.TABLE:
        render.tree(records)
        return
    columns = [
        field("id", "ID"),
        field("depth", "Depth"),
        field("title", "Name"),
        field("name_zh", "中文"),
        field("papers", "Papers"),
    ]
    render.listing(records, columns, fmt)


@command()
def lineage(
    session: Session,
    name: str,
    output: Format | None = None,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """Print a method's family from its facet's root down, each node with its introducing paper and year."""
    from ..catalogue.methods import tree

    view = session.open(catalog, no_bundled)
    method = view.resolve_method(name)
    methods_tree = tree(view)
    papers = {
        p.id: p for p in view.lookup_ids([m.introduced_by for m in methods_tree.methods.values() if m.introduced_by])
    }
    records: list[dict[str, Any]] = []
    for depth, method_id in methods_tree.lineage(method.id):
        node = methods_tree.methods[method_id]
        paper = papers.get(node.introduced_by or "")
        parent = methods_tree.methods.get(node.parents[0]) if node.parents else None
        parent_paper = papers.get(parent.introduced_by or "") if parent is not None else None
        records.append(
            {
                "id": node.id,
                "kind": "method",
                "depth": depth,
                "title": node.name_en,
                "paper": paper.id if paper else None,
                "paper_title": paper.display_name if paper else None,
                "year": paper.year if paper else None,
                # The introducing paper of the parent: the paper this one's is a variant of.
                "variant_of": parent_paper.id if paper and parent_paper else None,
                "this": node.id == method.id,
            }
        )
    fmt = output or render.default_format()
    if fmt is Format.TABLE:
        for record in records:
            year = f" ({record['year']})" if record["year"] else ""
            title = f": {record['paper_title']}{year}" if record["paper"] else ""
            mark = "  <-" if record["this"] else ""
            render.write(f"{'  ' * int(record['depth'])}{record['id']}{title}{mark}\n")
        render.note(
            "family from the facet's root down (first parents), then everything below; a paper is a "
            "variant of its parent node's introducing paper"
        )
        return
    columns = [
        field("depth", "Depth"),
        field("id", "ID"),
        field("paper", "Paper"),
        field("year", "Year"),
        field("variant_of", "Variant of"),
    ]
    render.listing(records, columns, fmt)


@command()
def path(
    session: Session,
    name: str,
    limit: int | None = None,
    output: Format | None = None,
    catalog: list[Path] | None = None,
    no_bundled: bool = False,
) -> None:
    """Print a reading order for a method's subtree: its founding papers, surveys and benchmarks, newest work."""
    from ..catalogue.methods import PATH_ORDER, reading_path
    from ..output.records import entry_record

    view = session.open(catalog, no_bundled)
    method = view.resolve_method(name)
    steps = reading_path(view, method, 10 if limit is None else limit)
    if not steps:
        render.error(f"no paper is linked to {method.id} or below it")
        raise Stop(ExitCode.NO_MATCH)
    fmt = output or render.default_format()
    if fmt is Format.IDS or fmt in (Format.BIBTEX, Format.CSL_JSON, Format.RIS):
        render.listing([entry_record(step.paper, view) for step in steps], [], fmt)
    else:
        records = [
            {
                "step": step.step,
                "id": step.paper.id,
                "year": step.paper.year,
                "title": step.paper.title,
                "why": step.reason,
                "url": step.paper.url,
            }
            for step in steps
        ]
        columns = [
            field("step", "Step"),
            field("year", "Year"),
            field("id", "ID"),
            field("title", "Title", wide=True),
            field("why", "Why", wide=True),
        ]
        render.listing(records, columns, fmt)
    render.note(f"reading order for {method.id}, derived from the method tree and the years: {PATH_ORDER}")

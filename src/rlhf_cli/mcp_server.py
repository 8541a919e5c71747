"""The catalogue as an MCP server (`rlhf mcp`), for coding and research agents.

Tools answer with the same records as the JSON output and the Python API (api.py), so every
result carries the entry's id, URL and sources (the list and line it was taken from): an agent
can cite from them without inventing anything. Entries are also resources, `rlhf://KIND/ID`.
Needs the MCP SDK: `pip install 'rlhf-cli[mcp]'`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError

from .api import Catalogue, CitationFormat, PaperSort
from .catalogue.models import KINDS
from .errors import NotFoundError, RlhfError

F = TypeVar("F", bound=Callable[..., Any])
INSTRUCTIONS = (
    "A curated, offline map of RLHF research: papers, codebases, datasets, environments, blogs, books "
    "and topics, each taken from a published awesome list (see an entry's `sources`). Use `search` "
    "first, `show` for one entry and what links to it, `related` to explore, `cite` for BibTeX or "
    "CSL-JSON. Quote ids and URLs from the results; do not invent entries the catalogue lacks."
)


def _expected_errors(function: F) -> F:
    """Turn the library's expected failures into tool errors that carry their message.

    Handlers are coroutines so that the SDK runs them on its event loop's thread: a sync one
    would go to a worker thread, and the catalogue's SQLite connection belongs to this one.
    """

    @functools.wraps(function)
    async def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return await function(*args, **kwargs)
        except RlhfError as error:
            raise ToolError(str(error)) from None

    return run  # type: ignore[return-value]  # functools.wraps keeps F's signature


def build_server(catalogue: Catalogue) -> MCPServer:
    """An MCP server answering from `catalogue`."""
    from .version import __version__

    server: MCPServer = MCPServer("rlhf", version=__version__, instructions=INSTRUCTIONS)

    @server.tool()
    @_expected_errors
    async def search(query: str, limit: int = 10, kinds: list[str] | None = None) -> list[dict[str, Any]]:
        """Search every entry by title, name, alias, keyword, author, dataset or topic, best first.

        `query` is free words (typos forgiven) or the query language, e.g.
        'year:>=2022 code:yes ds:truthfulqa -kw:diffusion'. `kinds` limits the kinds: paper,
        dataset, codebase, environment, blog, book, topic.
        """
        return catalogue.search(query, limit=limit, kinds=_kinds(kinds)).to_dicts()

    @server.tool()
    @_expected_errors
    async def papers(
        query: str | None = None,
        year: str | None = None,
        keyword: str | None = None,
        dataset: str | None = None,
        env: str | None = None,
        uses: str | None = None,
        author: str | None = None,
        has_code: bool = False,
        sort: PaperSort = "year",
        limit: int = 20,
    ) -> list[dict[str, Any]]:
        """List papers (newest first) with filters: year ('2022', '2020..2022', '>=2023'),
        keyword or author (part of one), dataset or env (id, name or alias), has_code."""
        found = catalogue.papers(
            query,
            year=year,
            keyword=keyword,
            dataset=dataset,
            env=env,
            uses=uses,
            author=author,
            has_code=has_code,
            sort=sort,
            limit=limit,
        )
        return found.to_dicts()

    @server.tool()
    @_expected_errors
    async def show(name: str) -> dict[str, Any]:
        """One entry in full (by id, title, name or alias), with every entry linked to it both ways."""
        record: dict[str, Any] = dict(catalogue.get(name))
        record["links"] = catalogue.links(record["id"])
        return record

    @server.tool()
    @_expected_errors
    async def related(name: str, limit: int = 10) -> list[dict[str, Any]]:
        """Entries related to one entry (shared datasets, code, authors, keywords), strongest first,
        each with the reasons."""
        return catalogue.related(name, limit=limit).to_dicts()

    @server.tool()
    @_expected_errors
    async def cite(names: list[str], format: CitationFormat = "bibtex") -> str:
        """Citations of papers, codebases, blogs and books: bibtex, csl-json or ris."""
        return catalogue.cite(names, format)

    @server.tool()
    @_expected_errors
    async def methods(category: Literal["technique", "application"] | None = None) -> list[dict[str, Any]]:
        """The field's core techniques and application areas (the catalogue's topics), English and Chinese."""
        found = catalogue.entries("topic").to_dicts()
        return [topic for topic in found if category is None or topic.get("category") == category]

    @server.resource("rlhf://index", mime_type="application/json")
    async def index() -> list[dict[str, Any]]:
        """Every entry's id, kind, title and resource URI."""
        return [
            {"id": r["id"], "kind": r["kind"], "title": r["title"], "uri": f"rlhf://{r['kind']}/{r['id']}"}
            for r in catalogue.entries()
        ]

    @server.resource("rlhf://{kind}/{id}", mime_type="application/json")
    async def entry(kind: str, id: str) -> dict[str, Any]:  # the URI template's name
        """One entry (rlhf://paper/instructgpt, rlhf://dataset/truthfulqa...), with its links."""
        if kind not in KINDS:
            raise ResourceNotFoundError(f"no kind '{kind}'; the kinds are {', '.join(KINDS)}")
        try:
            record: dict[str, Any] = dict(catalogue.get(id))
        except NotFoundError as error:
            raise ResourceNotFoundError(str(error)) from None
        if record["kind"] != kind or record["id"] != id:
            raise ResourceNotFoundError(f"no {kind} with id '{id}'")
        record["links"] = catalogue.links(id)
        return record

    return server


def _kinds(kinds: list[str] | None) -> list[Any] | None:
    return list(kinds) if kinds else None

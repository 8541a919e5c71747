"""`rlhf mcp`: the catalogue as an MCP server for agents (see mcp_server.py)."""

from ..boundary import Session
from ..errors import UsageError
from ..output import render
from . import command
from .typer_app import CatalogOption, NoBundledOption


@command()
def mcp(session: Session, catalog: CatalogOption = None, no_bundled: NoBundledOption = False) -> None:
    """Serve the catalogue to agents over stdio (Model Context Protocol): search, papers, show, related, cite.

    Needs the MCP SDK (the extra 'mcp' of rlhf-cli). An MCP client runs it as the command
    `rlhf` with the argument `mcp`; see the README for a client's configuration.
    """
    try:
        from ..mcp_server import build_server
    except ModuleNotFoundError as error:
        if error.name is None or not error.name.startswith("mcp"):
            raise
        raise UsageError("mcp: the MCP SDK is not installed; pip install 'rlhf-cli[mcp]'") from None
    from ..api import Catalogue

    view = session.open(catalog, no_bundled)
    catalogue = Catalogue(view)
    for problem in view.problems:  # said now, not when the client hangs up: stderr is the client's log
        render.error(f"{problem} (file left out; serving the rest)")
    build_server(catalogue).run("stdio")

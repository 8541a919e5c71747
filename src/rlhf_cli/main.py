"""The `rlhf` entry point."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the CLI; answer `rlhf --version` without importing the CLI framework at all."""
    if sys.argv[1:] in (["--version"], ["-V"]):
        from . import __version__

        sys.stdout.write(f"rlhf {__version__}\n")
        return
    try:
        from .hotpath import run

        # A plain search or a completion request is answered without Typer (see hotpath.py).
        code = run(sys.argv[1:])
        if code is not None:
            sys.exit(code)
        from .cli import build_app

        # Only the command being run is built (see cli.build_app); anything else gets the full app.
        build_app(sys.argv[1] if len(sys.argv) > 1 else None)(prog_name="rlhf")
    except KeyboardInterrupt:
        sys.exit(130)

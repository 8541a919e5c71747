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
        from .cli import app

        app(prog_name="rlhf")
    except KeyboardInterrupt:
        sys.exit(130)

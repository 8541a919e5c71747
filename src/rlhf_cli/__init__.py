"""rlhf: the RLHF research map in your terminal, and in Python (`from rlhf_cli import open_catalogue`)."""

from __future__ import annotations

from .version import __version__

# Not typing.TYPE_CHECKING: importing typing would be a fifth of `rlhf --version`'s time (mypy
# reads any name TYPE_CHECKING as true).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .api import (
        Catalogue,
        CitationFormat,
        CodeLink,
        Match,
        NotFoundError,
        Record,
        Results,
        RlhfError,
        Source,
        open_catalogue,
    )

__all__ = [
    "Catalogue",
    "CitationFormat",
    "CodeLink",
    "Match",
    "NotFoundError",
    "Record",
    "Results",
    "RlhfError",
    "Source",
    "__version__",
    "open_catalogue",
]


def __getattr__(name: str) -> Any:
    """The API's names, imported on first use: `rlhf --version` and the CLI's start-up stay light."""
    if name in __all__ and name != "__version__":
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'rlhf_cli' has no attribute '{name}'")

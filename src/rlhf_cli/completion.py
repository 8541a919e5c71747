"""Values for shell completion: ids and names, keywords, years.

Completion runs on every <TAB>, so it reads the catalogue's store like any warm command and
never fails loudly: a broken catalogue simply offers nothing.
"""

from __future__ import annotations

from .errors import RlhfError


def candidates(what: str, kinds: tuple[str, ...] | None, incomplete: str) -> list[str]:
    """Completions for `incomplete` (case-insensitive prefix), sorted, at most 200."""
    from .loader import catalog_paths, open_snapshot

    try:
        catalogue = open_snapshot(catalog_paths()).catalogue
    except (RlhfError, OSError):
        return []
    if what == "years":
        values = sorted({str(paper.year) for paper in catalogue.papers}, reverse=True)
    elif what == "keywords":
        values = sorted(
            {word for entry in catalogue.entries for word in getattr(entry, "keywords", [])}, key=str.casefold
        )
    else:
        values = [entry.id for entry in catalogue.entries if kinds is None or entry.KIND in kinds]
    prefix = incomplete.casefold()
    return [value for value in values if value.casefold().startswith(prefix)][:200]

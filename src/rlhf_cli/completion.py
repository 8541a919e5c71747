"""Values for shell completion: ids and names, keywords, years.

Completion runs on every <TAB>, so it reads only what it offers from the catalogue's store, and
never fails loudly: a broken catalogue simply offers nothing.
"""

from __future__ import annotations

from .errors import RlhfError

LIMIT = 200


def candidates(what: str, kinds: tuple[str, ...] | None, incomplete: str) -> list[str]:
    """Completions for `incomplete` (case-insensitive prefix), sorted, at most 200."""
    from .loader import catalog_paths, open_view

    try:
        view = open_view(catalog_paths())
    except (RlhfError, OSError):
        return []
    prefix = incomplete.casefold()
    if what == "years":
        values = [
            str(row[0])
            for row in view.rows("SELECT DISTINCT year FROM entries WHERE kind = 'paper' ORDER BY year DESC")
        ]
    elif what == "keywords":
        rows = view.rows("SELECT DISTINCT text FROM terms WHERE field = 'keyword' ORDER BY folded, text")
        values = [row[0] for row in rows]
    else:
        # Ids are lower case (validation.ID_PATTERN): a prefix of one is a plain comparison.
        wanted = list(kinds) if kinds is not None else []
        of_kinds = f"kind IN ({','.join('?' * len(wanted))}) AND " if kinds is not None else ""
        rows = view.rows(
            f"SELECT id FROM entries WHERE {of_kinds}substr(id, 1, ?) = ? ORDER BY position LIMIT {LIMIT}",
            [*wanted, len(prefix), prefix],
        )
        return [row[0] for row in rows]
    return [value for value in values if value.casefold().startswith(prefix)][:LIMIT]

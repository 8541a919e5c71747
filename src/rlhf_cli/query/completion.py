"""Values for shell completion: ids and names, keywords, years.

Completion runs on every <TAB>, so it reads only what it offers from the catalogue's store, and
never fails loudly: a broken catalogue simply offers nothing.

What a completion prints is read by shell code: zsh `eval`s it (twice: the completion script
evals the output, then `_arguments` evals the `((...))` list), bash splits it into COMPREPLY
and inserts the words as they are, fish splits it on new lines. Escaping for three grammars at
two depths is how the zsh hole of issue 15 came about, so values are not escaped but chosen:
only a value made of letters and digits (of any script), single spaces and `- _ . , + /` is
ever offered, and such a value means the same in every shell. Anything else (a keyword with a
quote, a backslash, `$`, a bracket, a control character...) is simply not offered; it can still
be typed. Bash alone needs its spaces escaped, since it inserts a word as it is.
"""

from __future__ import annotations

import os

from ..errors import RlhfError

LIMIT = 200
_SAFE_PUNCTUATION = frozenset("-_.,+/")


def completable(value: str) -> bool:
    """True if `value` can be offered to every shell as one word that means itself."""
    if not value or value != value.strip() or "  " in value or value.startswith("-"):
        return False
    return all((char.isalnum() and char.isprintable()) or char == " " or char in _SAFE_PUNCTUATION for char in value)


def shell_word(value: str, shell: str) -> str:
    """A completable value as the shell's completion script wants it printed."""
    return value.replace(" ", "\\ ") if shell == "bash" else value


def requesting_shell() -> str | None:
    """The shell asking for completions now (from the variable its script sets), if any."""
    return {"complete_bash": "bash", "complete_zsh": "zsh", "complete_fish": "fish"}.get(
        os.environ.get("_RLHF_COMPLETE", "")
    )


def candidates(what: str, kinds: tuple[str, ...] | None, incomplete: str) -> list[str]:
    """Completions for `incomplete` (case-insensitive prefix), sorted, at most 200, each completable."""
    from ..loading.loader import catalog_paths, open_view

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
        return [_typed_case(row[0], incomplete) for row in rows if completable(row[0])]
    found = [value for value in values if completable(value) and value.casefold().startswith(prefix)][:LIMIT]
    return [_typed_case(value, incomplete) for value in found]


def _typed_case(value: str, incomplete: str) -> str:
    """`value` with its first characters as typed, if they differ only in case.

    Shells (and Typer) keep only candidates that start with the typed text, case and all; names
    are looked up ignoring case, so `Truth` completes to `Truthfulqa`, which finds truthfulqa.
    """
    head = value[: len(incomplete)]
    same = head != incomplete and head.casefold() == incomplete.casefold()
    return incomplete + value[len(incomplete) :] if same else value

"""Citekeys: first author's surname + year + the title's first word that is not a stop word.

Its own module because the catalogue's lookup keys include the citekey `rlhf cite` prints
(catalog.lookup_keys), and the catalogue floor must not import the output floor (cite.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

_STOP_WORDS = frozenset("a an the of on in for to and with from by is are via towards toward".split())  # noqa: SIM905


def citekey_base(entry_id: str, title: str, authors: list[str], organisation: str | None, year: int | None) -> str:
    """An entry's citekey before any a/b/... that tells it from another cited with it."""
    who = _surname(authors[0]) if authors else organisation or entry_id
    first_word = next((w for w in _words(title) if w not in _STOP_WORDS), "")
    return f"{_ascii_word(who)}{year or ''}{first_word}" or entry_id.replace("-", "")


def _surname(name: str) -> str:
    name = name.strip()
    if "," in name:  # "Last, First"
        return name.split(",", 1)[0]
    return name.split()[-1] if name.split() else name


def _words(text: str) -> Iterator[str]:
    for word in re.split(r"[^\w]+", text.casefold()):
        ascii_word = _ascii_word(word)
        if ascii_word:
            yield ascii_word


def _ascii_word(text: str) -> str:
    if text.isascii():  # nothing to decompose: the common case, once per entry in a store's build
        return "".join(filter(str.isalnum, text.lower()))
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isascii() and char.isalnum())

"""Text made harmless for a terminal: control, bidirectional and zero-width characters as escapes.

A module of its own (like jsontext.py) so that render.py, cite.py and graph.py, which all show
catalogue text, need not import each other.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def visible(text: str) -> str:
    """Show control, bidirectional and zero-width characters as escapes so they act on nothing."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)

"""JSON text safe to print: the one encoder of every JSON output (listings, records, CSL-JSON).

A module of its own so that render.py and cite.py, which both write JSON, need not import each other.
"""

from __future__ import annotations

import re
import sys
from typing import Any

# Valid in JSON strings as they are, but DEL and C1 controls can act on a terminal, and NEL and
# the Unicode line and paragraph separators split lines for line-oriented tools (JSONL readers).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")


def json_text(value: Any, indent: int | None = None) -> str:
    """JSON with non-ASCII text kept readable, but every character that could act escaped."""
    import json

    # Where stdout cannot encode every character, JSON's own escapes keep the strings exact.
    text = json.dumps(value, ensure_ascii=not unicode_stdout(), indent=indent)
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def unicode_stdout() -> bool:
    """True if stdout takes every character (UTF-8, the usual case)."""
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "").replace("_", "")
    return encoding in ("utf8", "utf16", "utf32")

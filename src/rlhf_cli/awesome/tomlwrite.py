"""Write catalogue tables as TOML (the subset the catalogue uses), in the bundled files' style."""

from __future__ import annotations

import json
from typing import Any

_WIDTH = 100


def toml_string(text: str) -> str:
    # A JSON string is a TOML basic string, except that TOML also wants DEL escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items() if item is not None) + " }"
    if isinstance(value, list):
        items = [toml_value(item) for item in value]
        one_line = "[" + ", ".join(items) + "]"
        if len(one_line) <= _WIDTH:
            return one_line
        return "[\n" + "".join(f"  {item},\n" for item in items) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def tables_to_toml(table_name: str, tables: list[dict[str, Any]], header: str = "") -> str:
    """`[[table_name]]` tables, keys in the order given, empty values left out."""
    chunks = [header.rstrip() + "\n"] if header else []
    for table in tables:
        lines = [f"[[{table_name}]]"]
        for key, value in table.items():
            if value is None or value == [] or (value is False and key.endswith("et_al")):
                continue
            lines.append(f"{key} = {toml_value(value)}")
        chunks.append("\n".join(lines) + "\n")
    return "\n".join(chunks)

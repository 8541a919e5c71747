"""The catalogue as a static site: one folder that works from file:// and any static host.

The page (index.html, site.js, site.css) holds no catalogue text at all: every entry reaches it
as JSON (index.json, and data.js, the same JSON as a script, because browsers refuse to fetch a
file:// URL), and site.js puts text on the page only through `textContent` and attributes, never
as markup. So a title such as `<script>...` shows as those characters and runs nothing.
"""

from __future__ import annotations

import functools
import re
import stat
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import replace_file
from ..errors import UsageError

if TYPE_CHECKING:
    from ..api import Catalogue

GENERATOR = "rlhf-cli html export"
# What an export writes; the folder may hold these (from an earlier export) and nothing else
# unless --force.
ASSETS = ("index.html", "site.js", "site.css")
FILES = (*ASSETS, "data.js", "index.json")
_MARKER = f'<meta name="generator" content="{GENERATOR}">'.encode()
# In a script or JSON, these could end a <script> element or a line for some readers.
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029\x7f-\x9f]")


def writable_folder(destination: Path, force: bool) -> Path:
    """The folder to write the site to; UsageError if it must not be written into.

    A folder that does not exist is made (its parent must exist). An existing one must be empty
    or hold an earlier export (its index.html says so), unless `force`.
    """
    target = destination.resolve()
    try:
        info = target.stat()
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise UsageError(f"the folder {target.parent} does not exist") from None
        return target
    except OSError as error:
        raise UsageError(f"cannot use {destination}: {error.strerror or error}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{destination} is not a folder; an HTML export is a folder of files")
    try:
        children = {child.name for child in target.iterdir()}
    except OSError as error:
        raise UsageError(f"cannot list {destination}: {error.strerror or error}") from None
    if not children or force or _earlier_export(target):
        for name in FILES:
            path = target / name
            if path.is_symlink() or (path.exists() and not path.is_file()):
                raise UsageError(f"{path} is not a regular file; refusing to replace it")
        return target
    raise UsageError(
        f"{destination} is not empty and does not hold an earlier HTML export; "
        "give a new or empty folder (or use --force to write into it)"
    )


def _earlier_export(folder: Path) -> bool:
    try:
        with (folder / "index.html").open("rb") as stream:
            return _MARKER in stream.read(4096)
    except OSError:
        return False


def site_data(catalogue: Catalogue) -> dict[str, Any]:
    """Everything the page shows: every entry's record and links, and the graph's edges."""
    from ..version import __version__

    entries = catalogue.entries()
    _, edges = catalogue.graph()
    return {
        "generator": GENERATOR,
        "version": __version__,
        "entries": entries.to_dicts(),
        "links": {record["id"]: catalogue.links(record["id"]) for record in entries},
        "edges": [list(edge) for edge in edges],
    }


def script_json(value: Any) -> str:
    """JSON that is inert inside a <script> element or a .js file as well as in a .json file."""
    import json

    text = json.dumps(value, ensure_ascii=False, indent=None, separators=(",", ":"))
    return _SCRIPT_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def export(catalogue: Catalogue, folder: Path) -> int:
    """Write the site into `folder` (see `writable_folder`); the number of entries written."""
    data = site_data(catalogue)
    text = script_json(data)
    folder.mkdir(exist_ok=True)
    files: dict[str, str] = {name: _asset(name) for name in ASSETS}
    files["index.json"] = text + "\n"
    files["data.js"] = f"window.RLHF_DATA = {text};\n"
    for name, content in files.items():
        replace_file(folder / name, functools.partial(_write, content))
    return len(data["entries"])


def _write(content: str, path: Path) -> None:
    path.write_text(content, encoding="utf-8")


def _asset(name: str) -> str:
    return resources.files("rlhf_cli.output").joinpath("site", name).read_text(encoding="utf-8")

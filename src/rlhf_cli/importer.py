"""Import an awesome list into catalogue TOML: plan what to add, merge and skip, then write it.

Items are matched to entries already in the catalogue by arXiv id, link and near-identical title,
so importing never duplicates. Entries in the target folder are merged (new facts and the new
source are added); entries elsewhere (the bundled catalogue) are left alone and the item is
skipped. Nothing is written unless the whole resulting catalogue validates, and each file is
written under a temporary name and renamed into place.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .awesome import ARXIV_URL, Item, Link, near_identical, parse
from .catalog import Catalogue
from .errors import CatalogError, Problem, WriteError
from .tomlwrite import tables_to_toml

FILES = {
    "paper": "papers.toml",
    "dataset": "datasets.toml",
    "codebase": "codebases.toml",
    "environment": "environments.toml",
    "blog": "blogs.toml",
    "book": "books.toml",
}
LOCK_FILE = ".rlhf-import.lock"
_VENUE_YEARS = (
    re.compile(r"aclanthology\.org/(\d{4})\."),
    re.compile(r"/(?:CVPR|ICCV|ECCV|WACV)(\d{4})/", re.I),
    re.compile(r"proceedings\.neurips\.cc/paper(?:_files)?/paper/(\d{4})/"),
)


@dataclass(slots=True)
class Action:
    action: str  # added, merged, skipped
    kind: str
    id: str
    title: str
    line: int
    reason: str


@dataclass(slots=True)
class Plan:
    actions: list[Action]
    tables: dict[str, list[dict[str, Any]]]  # kind -> tables of the target folder after the import
    changed: set[str] = field(default_factory=set)  # kinds whose file must be written


def plan_import(
    text: str,
    source: str,
    catalogue: Catalogue,
    target: dict[str, list[dict[str, Any]]],
    progress: Callable[[Iterable[Item]], Iterable[Item]] = lambda items: items,
) -> Plan:
    """What importing the list `text` into the target folder's `target` tables would do."""
    planner = _Planner(source, catalogue, target)
    for item in progress(parse(text).items):
        planner.take(item)
    return Plan(planner.actions, planner.tables, planner.changed)


@contextmanager
def locked(folder: Path, wait: float = 30.0) -> Iterator[None]:
    """Hold the target folder's import lock: two imports at once would each write what they read,
    and one's entries would be lost. A second import waits for the first (up to `wait` seconds)."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK_FILE).open("a") as lock:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WriteError(f"import: another import is writing to {folder}; try again later") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_target(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The tables already in the target folder, by kind (files that do not exist count as empty)."""
    import tomli

    tables: dict[str, list[dict[str, Any]]] = {kind: [] for kind in FILES}
    problems = []
    for kind, name in FILES.items():
        path = folder / name
        if not path.exists():
            continue
        if not path.is_file():  # a FIFO would hang the read, and a device must not be replaced
            problems.append(Problem(str(path), "not a regular file; an import rewrites this file"))
            continue
        try:
            data = tomli.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomli.TOMLDecodeError) as error:
            problems.append(Problem(str(path), f"cannot read: {error}"))
            continue
        tables[kind] = list(data.get(kind, []))
    if problems:
        raise CatalogError(problems)
    return tables


def write_plan(plan: Plan, folder: Path, in_use: list[Path]) -> None:
    """Validate the catalogue as it will be, then write the changed files atomically."""
    from .loader import check

    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=folder))
    try:
        for kind in plan.changed:
            written, existing = staging / FILES[kind], folder / FILES[kind]
            written.write_text(_new_text(kind, plan.tables[kind], existing), encoding="utf-8")
            if existing.is_file():
                shutil.copymode(existing, written)
        unchanged = [folder / FILES[k] for k in FILES if k not in plan.changed and (folder / FILES[k]).exists()]
        others = [path for path in in_use if path.resolve() != folder.resolve()]
        problems = check([*others, *unchanged, staging])
        if problems:
            # Name the files as they will be, not the staging copies.
            raise CatalogError([replace(p, file=p.file.replace(str(staging), str(folder))) for p in problems])
        for kind in plan.changed:
            os.replace(staging / FILES[kind], folder / FILES[kind])
    finally:
        for leftover in staging.glob("*"):
            leftover.unlink(missing_ok=True)
        staging.rmdir()


def _new_text(kind: str, tables: list[dict[str, Any]], existing: Path) -> str:
    """The file `existing` with `tables` in place of its `kind` tables, all else kept as it was.

    The planner keeps the file's tables first and in order, then the new ones: the old tables are
    edited in place through tomlkit (so comments, other kinds' tables and layout survive) and the
    new ones appended in the bundled files' style.
    """
    if not existing.is_file():
        header = f"# {kind.title()} entries imported by rlhf; facts come from the lists named in `sources`."
        return tables_to_toml(kind, tables, header)
    import tomlkit

    document = tomlkit.parse(existing.read_text(encoding="utf-8"))
    old = document.get(kind)
    count = len(old) if old is not None else 0
    for table, merged in zip(old or [], tables[:count], strict=True):
        for key, value in merged.items():
            current = table.get(key)
            # tomlkit hands back its own item types, except for booleans (bool cannot be subclassed).
            plain = current.unwrap() if hasattr(current, "unwrap") else current
            if key not in table or plain != value:
                table[key] = value
    text = tomlkit.dumps(document)
    if len(tables) > count:
        text = text.rstrip("\n") + "\n\n" + tables_to_toml(kind, tables[count:])
    return text


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    out: list[str] = []
    for word in words:
        if len("-".join([*out, word])) > 40:
            break
        out.append(word)
    return "-".join(out)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _normal_url(url: str) -> str:
    match = ARXIV_URL.search(url)
    return f"arxiv:{match.group(1)}" if match else url.split("://", 1)[-1].rstrip("/").casefold()


class _Planner:
    def __init__(self, source: str, catalogue: Catalogue, target: dict[str, list[dict[str, Any]]]) -> None:
        self.source = source
        self.catalogue = catalogue
        self.tables = {kind: [dict(table) for table in tables] for kind, tables in target.items()}
        self.owned = {table["id"]: kind for kind, tables in self.tables.items() for table in tables if "id" in table}
        self.actions: list[Action] = []
        self.changed: set[str] = set()
        self.ids = {entry.id for entry in catalogue.entries} | set(self.owned)
        self.by_key: dict[tuple[str, str], str] = {}  # (kind, url/title/arxiv key) -> id
        self.names: dict[str, tuple[list[str], list[str]]] = {}  # kind -> (normalised names, ids)
        for entry in catalogue.entries:
            self._remember(
                entry.KIND, entry.id, getattr(entry, "url", None), entry.names, getattr(entry, "arxiv", None)
            )
        for kind, tables in self.tables.items():
            for table in tables:
                names = [table.get("title") or table.get("name") or "", *table.get("aliases", [])]
                self._remember(kind, table["id"], table.get("url"), names, table.get("arxiv"))

    def _remember(self, kind: str, entry_id: str, url: str | None, names: list[str], arxiv: str | None) -> None:
        group = "work" if kind in ("paper", "codebase", "dataset", "book", "blog") else kind
        if url:
            self.by_key.setdefault((group, _normal_url(url)), entry_id)
        if arxiv:
            self.by_key.setdefault((group, f"arxiv:{arxiv}"), entry_id)
        for name in names:
            if name and (kind, _normal(name)) not in self.by_key:
                self.by_key[(kind, _normal(name))] = entry_id
                known_names, known_ids = self.names.setdefault(kind, ([], []))
                known_names.append(_normal(name))
                known_ids.append(entry_id)

    def _find(self, kind: str, url: str, names: list[str], arxiv: str | None) -> str | None:
        """An entry with the same arXiv id, link, or (near-)identical title or name."""
        keys = [("work", f"arxiv:{arxiv}")] if arxiv else []
        keys += [("work", _normal_url(url))] if url else []
        keys += [(kind, _normal(name)) for name in names if name]
        exact = next((self.by_key[key] for key in keys if key in self.by_key), None)
        if exact is not None or not names or not names[0]:
            return exact
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        title = _normal(names[0])
        known_names, known_ids = self.names.get(kind, ([], []))
        close = process.extract(title, known_names, scorer=OSA.distance, score_cutoff=2, limit=5)
        return next((known_ids[index] for name, _, index in close if near_identical(title, name)), None)

    def take(self, item: Item) -> None:
        kind = item.kind
        names = [item.title, *([item.short_name] if item.short_name else [])]
        found = self._find(kind, item.url, names, item.arxiv)
        clash = self._title_clash(kind, found, item.title)
        if clash is not None:
            reason = f"same link as '{found}' ({clash}) but a different title: one of the two links is wrong"
            self.actions.append(Action("skipped", kind, found or "", item.title, item.line, reason))
            return
        if found is not None and found not in self.owned:
            reason = f"already in the catalogue as '{found}' (not in the target folder, left as it is)"
            self.actions.append(Action("skipped", kind, found, item.title, item.line, reason))
            return
        if kind == "paper" and _year(item)[0] is None:
            reason = "no year: no arXiv id, venue or year section gives one"
            self.actions.append(Action("skipped", kind, "", item.title, item.line, reason))
            return
        table = self._table(item)
        if found is None:
            table = {"id": self._new_id(item.short_name or item.title, kind), **table}
            self.tables[kind].append(table)
            self.changed.add(kind)
            self.owned[table["id"]] = kind
            self._remember(kind, table["id"], item.url, names, item.arxiv)
            self.actions.append(Action("added", kind, table["id"], item.title, item.line, "new"))
            return
        existing = next(t for t in self.tables[self.owned[found]] if t.get("id") == found)
        added = _merge(existing, table)
        arxiv = existing.get("arxiv")
        if kind == "paper" and arxiv and existing.get("year") != 2000 + int(arxiv[:2]):
            # The merged item brought an arXiv id: it outranks a year taken from a section heading.
            existing["year"] = 2000 + int(arxiv[:2])
            existing["notes"] = "Year from the arXiv id; the lists file this paper under more than one year."
            added.append("year from the arXiv id")
        if added:
            self.changed.add(self.owned[found])
            self.actions.append(Action("merged", kind, found, item.title, item.line, "added " + ", ".join(added)))
        else:
            self.actions.append(Action("skipped", kind, found, item.title, item.line, "already there, nothing new"))

    def _title_clash(self, kind: str, found: str | None, title: str) -> str | None:
        """The title of the paper an item was matched to by link, if it is a different paper."""
        if kind != "paper" or found is None:
            return None
        entry = self.catalogue.by_id.get(found)
        other = entry.display_name if entry is not None else None
        if other is None:
            other = next((t.get("title") for t in self.tables["paper"] if t.get("id") == found), None)
        if other is None or near_identical(_normal(other), _normal(title)):
            return None
        return other

    def _new_id(self, text: str, kind: str) -> str:
        base = slug(text) or kind
        candidate, count = base, 1
        while candidate in self.ids:
            count += 1
            candidate = f"{base}-{count}"
        self.ids.add(candidate)
        return candidate

    def _source(self, line: int) -> list[dict[str, Any]]:
        return [{"name": self.source, "line": line}]

    def _table(self, item: Item) -> dict[str, Any]:
        authors = {"authors": item.authors, "authors_et_al": item.authors_et_al, "authors_org": item.authors_org}
        if item.kind == "paper":
            year, note = _year(item)  # take() has made sure there is one
            code = [{"url": link.url, "official": not _third_party(link)} for link in item.code]
            return {
                "title": item.title,
                "short_name": item.short_name,
                "year": year,
                "url": item.url or None,
                "arxiv": item.arxiv,
                **authors,
                "keywords": item.keywords,
                "code": code,
                "datasets": self._linked_datasets(item.datasets),
                "envs": [self._environment(name, item.line) for name in item.envs],
                "notes": note,
                "sources": self._source(item.line),
            }
        if item.kind in ("codebase", "dataset"):
            table: dict[str, Any] = {"name": item.title, "url": item.url or None, **authors, "keywords": item.keywords}
            table["tasks"] = item.tasks
            if item.kind == "codebase":
                table["datasets"] = self._linked_datasets(item.datasets)
                table["envs"] = [self._environment(name, item.line) for name in item.envs]
            table["sources"] = self._source(item.line)
            return table
        if item.kind == "blog":
            publisher = item.publisher or item.url.split("://", 1)[-1].split("/", 1)[0]
            language = "zh" if re.search(r"[\u4e00-\u9fff]", item.title) else "en"
            source = self._source(item.line)
            return {
                "title": item.title,
                "url": item.url,
                "publisher": publisher,
                "language": language,
                "sources": source,
            }
        return {"title": item.title, "url": item.url, "sources": self._source(item.line)}

    def _linked_datasets(self, links: list[Link]) -> list[str]:
        ids: list[str] = []
        for link in links:
            found = self._find("dataset", link.url, [link.text], None)
            if found is None or (
                self.catalogue.by_id.get(found, None) is not None and self.catalogue.by_id[found].KIND != "dataset"
            ):
                found = self._new_id(link.text, "dataset")
                self.tables["dataset"].append(
                    {"id": found, "name": link.text, "url": link.url or None, "sources": self._source(link.line)}
                )
                self.owned[found] = "dataset"
                self.changed.add("dataset")
                self._remember("dataset", found, link.url, [link.text], None)
                self.actions.append(Action("added", "dataset", found, link.text, link.line, "named by an item"))
            elif found in self.owned:
                existing = next(t for t in self.tables[self.owned[found]] if t.get("id") == found)
                if link.text and _normal(link.text) != _normal(existing.get("name", "")):
                    aliases = existing.setdefault("aliases", [])
                    if link.text not in aliases:
                        aliases.append(link.text)  # one dataset under two spellings is one entry
                        self.changed.add("dataset")
                if link.url and existing.get("url") and link.url != existing["url"]:
                    other_urls = existing.setdefault("other_urls", [])
                    if link.url not in other_urls:
                        other_urls.append(link.url)  # the lists link some datasets in two places
                        self.changed.add("dataset")
                        self._remember("dataset", found, link.url, [], None)
            if found not in ids:
                ids.append(found)
        return ids

    def _environment(self, name: str, line: int) -> str:
        found = self._find("environment", "", [name], None)
        if found is None:
            found = self._new_id(name, "environment")
            self.tables["environment"].append({"id": found, "name": name, "sources": self._source(line)})
            self.owned[found] = "environment"
            self.changed.add("environment")
            self._remember("environment", found, None, [name], None)
            self.actions.append(Action("added", "environment", found, name, line, "named by an item"))
        return found


def _third_party(link: Link) -> bool:
    return "third" in link.text.casefold() or "unofficial" in link.text.casefold()


def _year(item: Item) -> tuple[int | None, str | None]:
    """The year from the arXiv id, else a venue in the link, else the section heading."""
    heading_years = [int(y) for y in re.findall(r"\d{4}", item.heading or "")]
    heading = heading_years[0] if heading_years else None
    year = 2000 + int(item.arxiv[:2]) if item.arxiv else None
    if year is None:
        venue = next((m for m in (p.search(item.url) for p in _VENUE_YEARS) if m), None)
        year = int(venue.group(1)) if venue else None
    if year is not None:
        filed = f"; the list files it under '{item.heading}'" if heading is not None and heading != year else ""
        return year, (f"Year from the link{filed}." if filed else None)
    if heading is None:
        return None, None
    if "before" in (item.heading or "").casefold():
        return heading, f"The list files this under '{item.heading}' and gives no more precise year."
    return heading, None


def _merge(existing: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Add to `existing` what `new` knows and it lacks; say what was added."""
    added: list[str] = []
    for key, value in new.items():
        if key in ("id", "notes") or value in (None, [], False):
            continue
        if key == "sources":
            for source in value:
                if source not in existing.setdefault("sources", []):
                    existing["sources"].append(source)
                    added.append(f"source {source['name']} line {source['line']}")
        elif isinstance(value, list) and key in existing:
            missing = [v for v in value if v not in existing[key]]
            if missing and key in ("code", "datasets", "envs"):
                existing[key] = existing[key] + missing
                added.append(key)
        elif key not in existing or existing[key] in (None, "", []):
            existing[key] = value
            added.append(key)
    return added

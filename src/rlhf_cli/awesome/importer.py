"""Import an awesome list into catalogue TOML: plan what to add, merge and skip, then write it.

Items are matched to entries already in the catalogue by arXiv id (abs, pdf, html, alphaxiv and
versioned links all give it), then DOI or OpenReview id, then link, then near-identical title,
so importing never duplicates. Entries in the target folder are merged (new facts and the new
source are added); entries elsewhere (the bundled catalogue) are left alone and the item is
skipped. Nothing is written unless the whole resulting catalogue validates, and each file is
written under a temporary name and renamed into place.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import replace_file
from ..catalogue.catalog import Catalogue
from ..catalogue.identifiers import arxiv_year
from ..errors import CatalogError, Problem, UnreadableListError, WriteError
from .provenance import same_link, stated_years
from .reader import Item, Link, NearIndex, Parsed, heading_years, identifiers, near_identical, parse, work_key
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
    unread: list[tuple[int, str]] = field(default_factory=list)  # item-like lines not understood


def read_list(text: str, name: str, bibtex: bool = False) -> Parsed:
    """The items of a list (Markdown, or BibTeX when `bibtex`); an error if none was recognised."""
    if bibtex:
        from .bibtex import parse_bibtex

        parsed = parse_bibtex(text)
    else:
        parsed = parse(text)
    if not parsed.items:
        raise UnreadableListError(name, parsed.unread or parsed.first_lines)
    return parsed


def plan_import(
    text: str,
    source: str,
    catalogue: Catalogue,
    target: dict[str, list[dict[str, Any]]],
    progress: Callable[[Iterable[Item]], Iterable[Item]] = lambda items: items,
    bibtex: bool = False,
    references: tuple[str, str] | None = None,
) -> Plan:
    """What importing the list `text` into the target folder's `target` tables would do.
    `references` (a name and BibTeX text) fill the years and authors the list's lines lack."""
    parsed = read_list(text, source, bibtex)
    bib = (references[0], read_list(references[1], references[0], bibtex=True)) if references else None
    planner = _Planner(source, catalogue, target, bib)
    for item in progress(parsed.items):
        planner.take(item)
    return Plan(planner.actions, planner.tables, planner.changed, parsed.unread)


@contextmanager
def locked(folder: Path, wait: float = 30.0) -> Iterator[None]:
    """Hold the target folder's import lock: two imports at once would each write what they read,
    and one's entries would be lost. A second import waits for the first (up to `wait` seconds).
    A folder made for the lock alone is removed again if the import fails."""
    import fcntl

    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / LOCK_FILE
    try:
        with lock_path.open("a") as lock:
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
    except BaseException:
        if made and [path.name for path in folder.iterdir()] == [LOCK_FILE]:
            lock_path.unlink(missing_ok=True)
            folder.rmdir()
        raise


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
    from ..loading.loader import check

    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=folder))
    try:
        for kind in plan.changed:
            written, existing = staging / FILES[kind], folder / FILES[kind]
            written.write_text(_new_text(kind, plan.tables[kind], existing), encoding="utf-8")
        unchanged = [folder / FILES[k] for k in FILES if k not in plan.changed and (folder / FILES[k]).exists()]
        others = [path for path in in_use if path.resolve() != folder.resolve()]
        problems = check([*others, *unchanged, staging])
        if problems:
            # Name the files as they will be, not the staging copies.
            raise CatalogError([p.in_file(p.file.replace(str(staging), str(folder))) for p in problems])
        for kind in plan.changed:
            # Copied, not moved: a linked file's real home may be on another file system.
            replace_file(folder / FILES[kind], functools.partial(shutil.copyfile, staging / FILES[kind]))
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


def url_slug(url: str) -> str:
    """A readable id from a link, for titles with no Latin letters or digits: the site's name and
    the page's last path part ("https://zhuanlan.zhihu.com/p/613315873" -> "zhihu-613315873")."""
    rest = url.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    labels = [label for label in host.casefold().split(".") if label not in ("www", "m")]
    site = labels[-2] if len(labels) >= 2 else (labels[0] if labels else "")
    last = next((part for part in reversed(re.split(r"[/?#=&]", path)) if slug(part)), "")
    return slug(f"{site} {last}")


def _normal(text: str) -> str:
    # "+" is kept: REINFORCE and REINFORCE++ are two methods.
    return " ".join(re.sub(r"[^\w+]+", " ", text.casefold()).split())


def title_name(title: str) -> str | None:
    """The short name a title gives itself: its lead before a colon when that is one coined word,
    i.e. with a capital after its first letter or a digit ("KTO: ...", "SimPO: ...", "Math-Shepherd: ...")."""
    lead, colon, _ = title.partition(":")
    lead = lead.strip()
    if not colon or " " in lead or not 2 <= len(lead) <= 24:
        return None
    return lead if re.search(r"[A-Z0-9]", lead[1:]) else None


def _compact(title: str) -> str:
    """A title's letters and digits alone: "1.5B" and "1.5 b" are one."""
    return re.sub(r"[\W_]+", "", title.casefold())


def _same_work(title: str, other: str) -> bool:
    """Two titles of one work, as two lists write it ("Kimi K 1.5: ..." and "Kimi k1.5: ...")."""
    from rapidfuzz import fuzz

    one, two = _normal(title), _normal(other)
    return near_identical(one, two) or fuzz.token_set_ratio(one, two) >= 80


class _Planner:
    def __init__(
        self,
        source: str,
        catalogue: Catalogue,
        target: dict[str, list[dict[str, Any]]],
        references: tuple[str, Parsed] | None = None,
    ) -> None:
        self.source = source
        self.references_name = references[0] if references else ""
        self.references: dict[str, Item] | None = None
        if references is not None:  # by arXiv id and by normalised title
            self.references = {}
            for reference in references[1].items:
                if reference.arxiv:
                    self.references.setdefault(f"arxiv:{reference.arxiv}", reference)
                if reference.url:
                    self.references.setdefault(work_key(reference.url), reference)
                self.references.setdefault(_compact(reference.title), reference)
        self.catalogue = catalogue
        self.tables = {kind: [dict(table) for table in tables] for kind, tables in target.items()}
        self.table_of = {table["id"]: table for tables in self.tables.values() for table in tables if "id" in table}
        self.owned = {table["id"]: kind for kind, tables in self.tables.items() for table in tables if "id" in table}
        self.actions: list[Action] = []
        self.changed: set[str] = set()
        self.ids = {entry.id for entry in catalogue.entries} | set(self.owned)
        self.suffixes: dict[str, int] = {}  # id base -> last number tried, so new ids take constant time
        self.by_key: dict[tuple[str, str], str] = {}  # (kind, url/title/arxiv key) -> id
        self.near: dict[str, tuple[NearIndex, list[str]]] = {}  # kind -> (normalised names, their ids)
        self.name_owner: dict[str, str] = {}  # every name of every entry (casefolded) -> its id
        for entry in catalogue.entries:
            self._remember(entry.KIND, entry.id, entry.url, entry.names, entry.arxiv)
        for kind, tables in self.tables.items():
            for table in tables:
                names = [table["id"], table.get("title") or table.get("name") or "", *table.get("aliases", [])]
                names += [table["short_name"]] if table.get("short_name") else []
                self._remember(kind, table["id"], table.get("url"), names, table.get("arxiv"))

    def _kind_of(self, entry_id: str) -> str:
        if entry_id in self.owned:
            return self.owned[entry_id]
        return self.catalogue.by_id[entry_id].KIND

    def _remember(self, kind: str, entry_id: str, url: str | None, names: list[str], arxiv: str | None) -> None:
        group = "work" if kind in ("paper", "codebase", "dataset", "book", "blog") else kind
        if url:
            for key in [*identifiers(url), work_key(url)]:
                self.by_key.setdefault((group, key), entry_id)
        if arxiv:
            self.by_key.setdefault((group, f"arxiv:{arxiv}"), entry_id)
        for name in names:
            if not name:
                continue
            self.name_owner.setdefault(name.casefold(), entry_id)
            if (kind, _normal(name)) not in self.by_key:
                self.by_key[(kind, _normal(name))] = entry_id
                index, ids = self.near.setdefault(kind, (NearIndex(), []))
                index.add(_normal(name))
                ids.append(entry_id)

    def _find(self, kind: str, url: str, names: list[str], arxiv: str | None) -> str | None:
        return self._match(kind, url, names, arxiv)[0]

    def _match(self, kind: str, url: str, names: list[str], arxiv: str | None) -> tuple[str | None, str]:
        """An entry with the same arXiv id, DOI or OpenReview id, link, or (near-)identical name,
        and how it was found ("link" or "name"). A name does not match an entry whose arXiv id
        differs from the item's: two lists may give two papers one short name ("SPO")."""
        group = "work" if kind in ("paper", "codebase", "dataset", "book", "blog") else kind
        keys = [(group, f"arxiv:{arxiv}")] if arxiv else []
        keys += [(group, key) for key in [*identifiers(url), work_key(url)]] if url else []
        exact = next((self.by_key[key] for key in keys if key in self.by_key), None)
        if exact is not None:
            return exact, "link"
        candidates = [
            self.by_key[(kind, _normal(name))] for name in names if name and (kind, _normal(name)) in self.by_key
        ]
        if names and names[0] and kind in self.near:
            index, ids = self.near[kind]
            candidates += [ids[number] for number in index.near(_normal(names[0]))]
        for candidate in candidates:
            other = self._arxiv_of(candidate)
            if not (arxiv and other and other != arxiv):
                return candidate, "name"
        return None, ""

    def _arxiv_of(self, entry_id: str) -> str | None:
        if entry_id in self.table_of:
            return self.table_of[entry_id].get("arxiv")
        return self.catalogue.by_id[entry_id].arxiv

    def _free(self, name: str | None, entry_id: str | None) -> bool:
        """Whether `name` may name the entry `entry_id`: no other entry has it."""
        return bool(name) and self.name_owner.get(str(name).casefold(), entry_id) == entry_id

    def take(self, item: Item) -> None:
        kind = item.kind
        names = [item.title, *([item.short_name] if item.short_name else [])]
        found, how = self._match(kind, item.url, names, item.arxiv)
        known = self.table_of.get(found or "", {})
        has_all = bool(known.get("year")) and bool(known.get("authors") or known.get("authors_org"))
        extra = [] if has_all else self._from_references(item)
        # The lists file some works as a codebase in one place and a dataset in another: one entry.
        alike = found is not None and {kind, self._kind_of(found)} <= {"codebase", "dataset"}
        if found is not None and self._kind_of(found) != kind and not alike:
            other = self._kind_of(found)
            if found in self.owned and self._source(item.line)[0] not in self.table_of[found].setdefault("sources", []):
                # One work the list files twice, as a paper and as code: the entry gets the line too.
                self.table_of[found]["sources"].append(self._source(item.line)[0])
                self._note_differences(self.table_of[found], item)
                self.changed.add(other)
                reason = f"added source {self.source} line {item.line} (the {other} with the same link or name)"
                self.actions.append(Action("merged", other, found, item.title, item.line, reason))
                return
            reason = f"same link or name as the {other} '{found}'"
            self.actions.append(Action("skipped", kind, found, item.title, item.line, reason))
            return
        clash = self._title_clash(kind, found, item.title) if how == "link" else None
        if clash is not None:
            reason = f"same link as '{found}' ({clash}) but a different title: one of the two links is wrong"
            self.actions.append(Action("skipped", kind, found or "", item.title, item.line, reason))
            return
        if found is not None and found not in self.owned:
            reason = f"already in the catalogue as '{found}' (not in the target folder, left as it is)"
            self.actions.append(Action("skipped", kind, found, item.title, item.line, reason))
            return
        if kind == "paper" and found is None and _year(item)[0] is None:
            reason = "no year: no arXiv id, venue, date or year section gives one"
            self.actions.append(Action("skipped", kind, "", item.title, item.line, reason))
            return
        if found is None and not self._free(item.title, None):
            owner = self.name_owner[item.title.casefold()]
            if owner in self.owned and self._source(item.line)[0] not in self.table_of[owner]["sources"]:
                # The list names one work twice, as two kinds: the entry it already is gets the line.
                self.table_of[owner]["sources"].append(self._source(item.line)[0])
                self._note_differences(self.table_of[owner], item)
                self.changed.add(self.owned[owner])
                reason = f"added source {self.source} line {item.line} (the {self.owned[owner]} of that title)"
                self.actions.append(Action("merged", self.owned[owner], owner, item.title, item.line, reason))
                return
            reason = f"its title also names '{owner}', another kind of entry"
            self.actions.append(Action("skipped", kind, "", item.title, item.line, reason))
            return
        if found is None:
            named = item.short_name or (title_name(item.title) if kind == "paper" else None)
            entry_id = self._new_id(named or item.title, kind, item.url)
            table = {"id": entry_id, **self._table(item, entry_id, extra)}
            self.tables[kind].append(table)
            self.table_of[entry_id] = table
            self.changed.add(kind)
            self.owned[entry_id] = kind
            names = [entry_id, *names, *table.get("aliases", [])]
            self._remember(kind, entry_id, item.url, names, item.arxiv)
            self.actions.append(Action("added", kind, entry_id, item.title, item.line, "new"))
            return
        existing = self.table_of[found]
        new = self._table(item, found, extra)
        if self._kind_of(found) == "dataset":
            new = {key: value for key, value in new.items() if key not in ("datasets", "envs")}
        added = _merge(existing, new)
        added += self._merge_names(existing, item)
        if extra and item.fill_note:
            _add_note(existing, item.fill_note)
        arxiv = existing.get("arxiv")
        year = arxiv_year(arxiv) if arxiv else None
        if kind == "paper" and year is not None and existing.get("year") != year:
            # The merged item brought an arXiv id: it outranks a year taken from a section heading.
            existing["year"] = year
            _add_note(existing, "Year from the arXiv id; the lists file this paper under more than one year.")
            added.append("year from the arXiv id")
        if self._note_differences(existing, item):
            added.append("notes")
        if added:
            self.changed.add(self.owned[found])
            self.actions.append(Action("merged", kind, found, item.title, item.line, "added " + ", ".join(added)))
        else:
            self.actions.append(Action("skipped", kind, found, item.title, item.line, "already there, nothing new"))

    def _note_differences(self, existing: dict[str, Any], item: Item) -> bool:
        """Note what the merged item's line says that the entry keeps otherwise (its title, the
        keywords it lacks, its link, its authors, its years): `rlhf validate --sources` passes a
        difference only when the notes mention it. Whether a note was added."""
        where = f"{self.source} line {item.line}"
        notes = []
        own = existing.get("title") or existing.get("name")
        spelt = [own, *existing.get("aliases", []), existing.get("short_name")]
        if item.title and item.title not in spelt:
            notes.append(f'{where} writes the {"name" if "name" in existing else "title"} "{item.title}".')
        lacking = [keyword for keyword in item.keywords if keyword not in existing.get("keywords", [])]
        if lacking:
            notes.append(f"{where} gives the keywords {', '.join(lacking)}.")
        url = existing.get("url")
        if item.url and url and not same_link(item.url, url):
            notes.append(f"{where} links {item.url}.")
        people = ", ".join(item.authors) + (" et al." if item.authors_et_al else "")
        given = f"{item.authors_org}: {people}" if item.authors_org and people else (item.authors_org or people)
        mine = (existing.get("authors") or [], bool(existing.get("authors_et_al")), existing.get("authors_org"))
        if given and (item.authors, item.authors_et_al, item.authors_org) != mine:
            notes.append(f'{where} gives the authors as "{given}".')
        if "year" in existing:
            for year, how in stated_years(item):
                if year != existing.get("year"):
                    notes.append(f"The year is {existing.get('year')}; {where} gives {year} ({how}).")
        for note in notes:
            _add_note(existing, note)
        return bool(notes)

    def _merge_names(self, existing: dict[str, Any], item: Item) -> list[str]:
        """Another list's spelling of the title, or its short name, becomes an alias (if free)."""
        added = []
        own = existing.get("title") or existing.get("name") or ""
        known = [_normal(own), *(_normal(a) for a in existing.get("aliases", []))]
        if existing.get("short_name"):
            known.append(_normal(existing["short_name"]))
        for name in [item.title, item.short_name]:
            if item.kind in ("blog", "book"):
                # No aliases for these: another spelling of the title goes in the notes.
                note = f'{self.source} line {item.line} writes the title "{name}".'
                if name and name != own and note not in (existing.get("notes") or ""):
                    _add_note(existing, note)
                    added.append("notes")
                continue
            spelt = [own, *existing.get("aliases", []), existing.get("short_name") or ""]
            if name and name == item.title and _normal(name) in known and name not in spelt:
                # The same title in other capitals or punctuation: no alias, but a note.
                word = "title" if item.kind == "paper" else "name"
                _add_note(existing, f'{self.source} line {item.line} writes the {word} "{name}".')
                added.append("notes")
                continue
            if not name or _normal(name) in known or not self._free(name, existing["id"]):
                continue
            if name == item.short_name and item.kind == "paper" and not existing.get("short_name"):
                existing["short_name"] = name
            else:
                existing.setdefault("aliases", []).append(name)
            known.append(_normal(name))
            self.name_owner[name.casefold()] = existing["id"]
            added.append(f"name '{name}'")
        return added

    def _title_clash(self, kind: str, found: str | None, title: str) -> str | None:
        """The title of the paper an item was matched to by link, if it is a different paper."""
        if kind != "paper" or found is None:
            return None
        entry = self.catalogue.by_id.get(found)
        other = entry.display_name if entry is not None else None
        names = list(entry.names) if entry is not None else []
        if other is None:
            table = self.table_of.get(found, {})
            other = table.get("title")
            names = [str(other or ""), *table.get("aliases", [])]
        if other is None or any(_same_work(name, title) for name in names if name):
            return None
        return str(other)

    def _new_id(self, text: str, kind: str, url: str = "") -> str:
        base = slug(text) or (url_slug(url) if url else "") or kind
        candidate, count = base, self.suffixes.get(base, 1)
        while candidate in self.ids or candidate in self.name_owner:
            count += 1
            candidate = f"{base}-{count}"
        self.suffixes[base] = count
        self.ids.add(candidate)
        return candidate

    def _source(self, line: int) -> list[dict[str, Any]]:
        return [{"name": self.source, "line": line}]

    def _from_references(self, item: Item) -> list[dict[str, Any]]:
        """Fill a paper's missing year and authors from the reference list (a BibTeX file given
        with --bib) when it holds the same paper; the sources that gives (empty if none)."""
        if self.references is None or item.kind != "paper":
            return []
        no_year, no_authors = _year(item)[0] is None, not item.authors and not item.authors_org
        if not (no_year or no_authors):
            return []
        reference = self.references.get(f"arxiv:{item.arxiv}") if item.arxiv else None
        reference = reference or (self.references.get(work_key(item.url)) if item.url else None)
        reference = reference or self.references.get(_compact(item.title))
        if reference is None:
            return []
        filled = False
        if no_year and reference.year is not None:
            item.year, filled = reference.year, True
        if no_authors and reference.authors:
            item.authors, item.authors_et_al, filled = reference.authors, reference.authors_et_al, True
        if filled:
            filled_note = (
                f"Year and authors where the list's line gives none: {self.references_name} line {reference.line}."
            )
            # What else the bib entry says differently, for `rlhf validate --sources` (BibTeX's case aside).
            if " ".join(reference.title.split()).casefold() != " ".join(item.title.split()).casefold():
                filled_note += f' It writes the title "{reference.title}".'
            if reference.url and item.url and not same_link(reference.url, item.url):
                filled_note += f" It links {reference.url}."
            item.fill_note = filled_note
        return [{"name": self.references_name, "line": reference.line}] if filled else []

    def _table(self, item: Item, entry_id: str, extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        authors = {"authors": item.authors, "authors_et_al": item.authors_et_al, "authors_org": item.authors_org}
        if item.kind == "paper":
            year, note = _year(item)  # take() has made sure there is one
            if item.fill_note:
                note = f"{note} {item.fill_note}" if note else item.fill_note
            code = [{"url": link.url, "official": not _third_party(link)} for link in item.code]
            given = item.short_name or title_name(item.title)
            short_name = given if self._free(given, entry_id) else None
            if item.short_name and short_name is None:
                other = self.name_owner.get(item.short_name.casefold())
                dropped = f"The list's name '{item.short_name}' also names '{other}', so it is not kept here."
                note = f"{note} {dropped}" if note else dropped
            datasets = self._linked_datasets(item.datasets)
            envs = []
            for name in item.envs:
                owner = self.name_owner.get(name.casefold())
                if owner is not None and self._kind_of(owner) == "dataset":
                    datasets += [owner] if owner not in datasets else []  # an ExpEnv that is a known dataset
                elif owner is None or self._kind_of(owner) == "environment":
                    envs.append(self._environment(name, item.env_line or item.line))
            categories = [{"source": self.source, "path": item.categories}] if item.categories else []
            return {
                "title": item.title,
                "short_name": short_name,
                "year": year,
                "url": item.url or None,
                "arxiv": item.arxiv,
                **authors,
                "venue": item.venue,
                "keywords": item.keywords,
                "code": code,
                "datasets": datasets,
                "envs": list(dict.fromkeys(envs)),
                "categories": categories,
                "notes": note,
                "sources": [*self._source(item.line), *(extra or [])],
            }
        if item.kind in ("codebase", "dataset"):
            table: dict[str, Any] = {"name": item.title, "url": item.url or None, **authors, "keywords": item.keywords}
            other_name = item.short_name and _normal(item.short_name) != _normal(item.title)
            if other_name and self._free(item.short_name, entry_id):
                table["aliases"] = [item.short_name]
            table["tasks"] = item.tasks
            if item.kind == "codebase":
                table["datasets"] = self._linked_datasets(item.datasets)
                table["envs"] = [self._environment(name, item.env_line or item.line) for name in item.envs]
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
            if found is not None and self._kind_of(found) != "dataset":
                found = None
            if found is None:
                if not self._free(link.text, None):
                    continue  # the name is another kind of entry's: not made a dataset too
                found = self._new_id(link.text, "dataset", link.url)
                table = {"id": found, "name": link.text, "url": link.url or None, "sources": self._source(link.line)}
                self.tables["dataset"].append(table)
                self.table_of[found] = table
                self.owned[found] = "dataset"
                self.changed.add("dataset")
                self._remember("dataset", found, link.url, [found, link.text], None)
                self.actions.append(Action("added", "dataset", found, link.text, link.line, "named by an item"))
            elif found in self.owned:
                existing = self.table_of[found]
                if link.text and _normal(link.text) != _normal(existing.get("name", "")):
                    aliases = existing.setdefault("aliases", [])
                    if link.text not in aliases and self._free(link.text, found):
                        aliases.append(link.text)  # one dataset under two spellings is one entry
                        self.name_owner[link.text.casefold()] = found
                        self.changed.add("dataset")
                        _add_source(existing, self._source(link.line)[0])  # the line that gives the name
                if link.url and existing.get("url") and link.url != existing["url"]:
                    other_urls = existing.setdefault("other_urls", [])
                    if link.url not in other_urls:
                        other_urls.append(link.url)  # the lists link some datasets in two places
                        self.changed.add("dataset")
                        _add_source(existing, self._source(link.line)[0])  # the line that gives the link
                        self._remember("dataset", found, link.url, [], None)
            if found not in ids:
                ids.append(found)
        return ids

    def _environment(self, name: str, line: int) -> str:
        found = self._find("environment", "", [name], None)
        if found is None:
            found = self._new_id(name, "environment")
            table = {"id": found, "name": name, "sources": self._source(line)}
            self.tables["environment"].append(table)
            self.table_of[found] = table
            self.owned[found] = "environment"
            self.changed.add("environment")
            self._remember("environment", found, None, [found, name], None)
            self.actions.append(Action("added", "environment", found, name, line, "named by an item"))
        return found


def _third_party(link: Link) -> bool:
    return "third" in link.text.casefold() or "unofficial" in link.text.casefold()


def _year(item: Item) -> tuple[int | None, str | None]:
    """The year from the arXiv id, else a venue in the link, else the year the item's line states
    (venue, date column, author line), else the section heading."""
    years, open_ended = heading_years(item.heading)
    heading = years[0] if years else None
    year, how = (arxiv_year(item.arxiv), "link") if item.arxiv else (None, "")
    if year is None:
        venue = next((m for m in (p.search(item.url) for p in _VENUE_YEARS) if m), None)
        year, how = (int(venue.group(1)), "link") if venue else (None, "")
    if year is None and item.year is not None:
        year, how = item.year, "item's own line"
    if year is None:
        if heading is None:
            return None, None
        if open_ended:
            return heading, f"The list files this under '{item.heading}' and gives no more precise year."
        return heading, None
    notes = []
    fits = heading is None or (year <= heading if open_ended else year in years)
    if not fits:
        notes.append(f"Year from the {how}; the list files it under '{item.heading}'.")
    if item.year is not None and item.year != year:
        notes.append(f"Year from the {how}; the list's line gives {item.year}.")
    return year, " ".join(notes) or None


def _add_source(table: dict[str, Any], source: dict[str, Any]) -> None:
    if source not in table.setdefault("sources", []):
        table["sources"].append(source)


def _add_note(table: dict[str, Any], note: str) -> None:
    """Append `note` to a table's notes, once."""
    notes = table.get("notes") or ""
    if note not in notes:
        table["notes"] = f"{notes} {note}" if notes else note


def _merge(existing: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Add to `existing` what `new` knows and it lacks; say what was added."""
    added: list[str] = []
    # Authors, "et al." and a credited lab are one fact: taken from the new list only when the entry has none.
    credited = bool(existing.get("authors") or existing.get("authors_org"))
    for key, value in new.items():
        if key in ("id", "notes", "title", "name", "short_name", "aliases") or value in (None, [], False):
            continue
        if credited and key in ("authors", "authors_et_al", "authors_org"):
            continue
        if key in ("sources", "categories"):
            for source in value:
                if source not in existing.setdefault(key, []):
                    existing[key].append(source)
                    added.append(f"source {source['name']} line {source['line']}" if key == "sources" else "category")
        elif isinstance(value, list) and existing.get(key):
            # An entry holds what each of its lists gives: their code, datasets, environments, keywords.
            missing = [v for v in value if v not in existing[key]]
            if missing and key in ("code", "datasets", "envs", "keywords"):
                existing[key] = existing[key] + missing
                added.append(key)
        elif key not in existing or existing[key] in (None, "", []):
            existing[key] = value
            added.append(key)
    return added

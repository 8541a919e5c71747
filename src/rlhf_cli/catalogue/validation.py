"""Check parsed catalogue files: types (strict pydantic models) and meaning (links, ids, years).

Importing this module imports pydantic, so only the cold path and `rlhf validate` use it.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from hashlib import blake2b
from typing import Any, Literal, get_args, get_origin

from pydantic import TypeAdapter, ValidationError

from ..errors import DANGLING, Problem
from .catalog import entry_urls
from .models import ENTRY_TYPES, TYPE_BY_TABLE, Blog, Entry, Method, Paper, entry_from_table, only, strict_model

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ARXIV_PATTERN = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
# http or https, a host, and no white space or control characters anywhere.
HTTP_URL_PATTERN = re.compile(r"^https?://[^\s\x00-\x1f\x7f/?#]+[^\s\x00-\x1f\x7f]*$", re.IGNORECASE)
EARLIEST_YEAR = 1950
# A source's line number: at most this (SQLite and most tools stop at 2**63), and not negative
# (0 is let through: generated catalogues, bench/generate.py among them, count from 0).
MAX_LINE = 10**9


class ParsedFile:
    """A catalogue file after TOML parsing: its path, its text (to locate entries) and its tables.

    The text may be given as a function that gives it (loader keeps a big file's on disk while
    it is checked): it is asked for when a problem first needs a line, and only then."""

    __slots__ = ("_text", "data", "path")

    def __init__(self, path: str, text: str | Callable[[], str], data: dict[str, Any]) -> None:
        self.path, self.data, self._text = path, data, text

    @property
    def text(self) -> str:
        if not isinstance(self._text, str):
            self._text = self._text()
        return self._text

    def bare(self) -> ParsedFile:
        """The file without its tables (what locating its entries needs), the text not read."""
        return ParsedFile(self.path, self._text, {})

    def __repr__(self) -> str:
        return f"ParsedFile({self.path!r})"


def check_files(files: list[ParsedFile]) -> tuple[list[Entry], list[Problem]]:
    """Validate every file together; return the entries that passed and every problem found."""
    entries: list[Entry] = []
    origin: dict[str, ParsedFile] = {}
    problems: list[Problem] = []
    for parsed in files:
        file_entries, file_problems = check_file(parsed)
        problems.extend(file_problems)
        for entry in file_entries:
            entries.append(entry)
            if entry.id in origin:
                first = origin[entry.id]
                problems.append(_problem(parsed, entry.id, "id", f"duplicate id, also defined in {first.path}"))
            else:
                origin[entry.id] = parsed
    problems.extend(cross_problems([summary_of(entry) for entry in entries], origin))
    problems.extend(method_problems(entries, origin))
    return entries, problems


def check_file(parsed: ParsedFile) -> tuple[list[Entry], list[Problem]]:
    """Validate one file (or piece of a file) on its own: its tables, types and each entry's
    meaning. What needs the other files (links, names, duplicate ids) is `cross_problems`'s."""
    pairs, problems, _ = _checked_tables(parsed)
    return [entry for entry, _ in pairs], problems


def _checked_tables(
    parsed: ParsedFile,
) -> tuple[list[tuple[Entry, dict[str, Any]]], list[Problem], list[Summary]]:
    """`check_file`, with each entry's TOML table beside it, and the summaries of the entries
    that failed the type checks but whose links can still be checked (see `_salvaged`)."""
    pairs: list[tuple[Entry, dict[str, Any]]] = []
    problems: list[Problem] = []
    salvaged: list[Summary] = []
    groups, table_problems = _tables(parsed)
    problems.extend(table_problems)
    for entry_type, tables in groups:
        schema_problems = _schema_problems(parsed, entry_type, tables)
        for position, table in enumerate(tables):
            if position in schema_problems:
                found, bad_keys = schema_problems[position]
                problems.extend(found)
                # Every error of the entry at once: the meaning of the keys that passed, too.
                partial = _salvaged(entry_type, table, bad_keys)
                if partial is not None:
                    problems.extend(_field_problems(parsed, partial, skip=bad_keys))
                    salvaged.append(summary_of(partial))
                continue
            entry = entry_from_table(entry_type, table)
            pairs.append((entry, table))
            problems.extend(_field_problems(parsed, entry))
    return pairs, problems, salvaged


def _salvaged(entry_type: type[Entry], table: dict[str, Any], bad_keys: set[str]) -> Entry | None:
    """An entry of a table that failed the type checks, to check the meaning of its other keys:
    the keys at fault are dropped (a stand-in of the field's type takes a required one's place,
    its meaning unchecked). None if the id itself is at fault (no entry to speak of)."""
    if "id" in bad_keys or not isinstance(table.get("id"), str):
        return None
    values: dict[str, object] = {}
    for name in entry_type.FIELDS:
        if name in table and name not in bad_keys:
            values[name] = table[name]
        elif name in entry_type.REQUIRED:
            values[name] = _stand_in(entry_type.field_types()[name])  # rare: not cached
    return entry_from_table(entry_type, values)


def _stand_in(annotation: Any) -> object:
    """A value of a required field's type (for `_salvaged`): its meaning is never checked."""
    if get_origin(annotation) is Literal:
        return get_args(annotation)[0]
    if get_origin(annotation) is list:
        return []
    return {str: "", int: 0, bool: False}.get(annotation)


def good_entries(files: list[ParsedFile]) -> tuple[list[Entry], list[Any], list[Problem]]:
    """Every problem, and the entries (with their tables, in file order) fit to use: a bad entry
    is left out, not its whole file. An entry whose link leads nowhere is kept, the link unresolved
    (it is most often another file's fault: one that failed to parse); of two entries sharing a
    name, the later is left out, so that the name still picks out one entry."""
    return good_checked(CheckedPart(parsed, *_checked_tables(parsed)) for parsed in files)


@dataclasses.dataclass(frozen=True, slots=True)
class CheckedPart:
    """A file, or consecutive tables of one, checked on its own (`check_part`): its entries, each
    with its table or what stands for it (its JSON, say), and its problems. `parsed` needs only
    the path and text (to locate entries); its tables can be let go."""

    parsed: ParsedFile
    pairs: list[tuple[Entry, Any]]
    problems: list[Problem]
    # Entries left out for their types, whose links are still checked (`_salvaged`).
    salvaged: list[Summary] = dataclasses.field(default_factory=list)


def check_part(parsed: ParsedFile, keep: Callable[[dict[str, Any]], Any]) -> CheckedPart:
    """`parsed` checked on its own, each entry's table replaced by `keep(table)`, and the tables let go."""
    pairs, problems, salvaged = _checked_tables(parsed)
    bare = parsed.bare()
    return CheckedPart(bare, [(entry, keep(table)) for entry, table in pairs], problems, salvaged)


def good_checked(
    parts: Iterable[CheckedPart], known: Mapping[str, str] | None = None
) -> tuple[list[Entry], list[Any], list[Problem]]:
    """`good_entries`, of files (or pieces of them, in file order) already checked one by one;
    references may also point to the ids of `known` (of entries outside these files), by kind."""
    entries: list[Entry] = []
    tables: list[Any] = []
    problems: list[Problem] = []
    origin: dict[str, ParsedFile] = {}  # the file of each entry kept: the first to define its id
    salvaged: list[tuple[Summary, ParsedFile]] = []
    for part in parts:
        parsed, pairs = part.parsed, part.pairs
        problems.extend(part.problems)
        salvaged += [(summary, parsed) for summary in part.salvaged]
        for entry, table in pairs:
            first = origin.get(entry.id)
            if first is not None:
                problems.append(_problem(parsed, entry.id, "id", f"duplicate id, also defined in {first.path}"))
                continue  # the first definition stands
            origin[entry.id] = parsed
            entries.append(entry)
            tables.append(table)
    # Every problem is found among all the entries that could be built (`rlhf validate` lists them all) ...
    summaries = [summary_of(entry) for entry in entries]
    found = cross_problems(summaries, origin, known)
    found += method_problems(entries, origin)
    problems.extend(found)
    # The links of entries left out for their types, among the entries that could be built.
    if salvaged:
        links = _link_checker({**(known or {}), **{summary[1]: summary[0] for summary in summaries}})
        problems.extend(problem for summary, parsed in salvaged for problem in links(summary, parsed))
    # An entry is left out for a problem of its own; a link that leads nowhere only goes unresolved.
    bad = {(p.file, p.entry) for p in problems if p.entry is not None and not DANGLING.match(p.message)}
    if bad:
        good = [(origin[entry.id].path, entry.id) not in bad for entry in entries]
        entries = [entry for entry, fit in zip(entries, good, strict=True) if fit]
        tables = [table for table, fit in zip(tables, good, strict=True) if fit]
        summaries = [summary for summary, fit in zip(summaries, good, strict=True) if fit]
        origin = {entry.id: origin[entry.id] for entry in entries}
        # ... and then the links that leaving out bad entries has left dangling.
        left = cross_problems(summaries, origin, known)
        problems.extend(problem for problem in left if problem not in found)
    return entries, tables, problems


# What checking links and names, and indexing linked names, need of an entry: kind, id,
# display name, names (casefolded), datasets, envs, papers.
Summary = tuple[str, str, str, list[Any], list[str], list[str], list[str]]


def summary_of(entry: Entry, compact: bool = False) -> Summary:
    """The entry's summary. `compact` ones, kept in the cache for every entry, hold a 64-bit
    hash of each name (enough to see that two entries share one) and no display name but for
    datasets and environments (which other entries' search texts hold)."""
    names: list[Any] = list(dict.fromkeys(map(_folded, entry.names)))
    if entry.KIND == "method":
        # A method's id may be another entry's name: the id wins a lookup (`dpo`, the DPO paper's
        # short name). Its other names and aliases must still be unique.
        names = [name for name in names if name != entry.id]
    display_name = entry.display_name
    if compact:
        names = [int.from_bytes(blake2b(name.encode(), digest_size=8).digest(), "little") for name in names]
        display_name = display_name if entry.KIND in ("dataset", "environment") else ""
    return (
        entry.KIND,
        entry.id,
        display_name,
        names,
        entry.datasets,
        entry.envs,
        entry.papers,
    )


def _folded(name: str) -> str:
    """`name.casefold()`, or `name` itself if that is the same: a catalogue's ids are, and a
    copy of each would cost a big build several megabytes."""
    folded = name.casefold()
    return name if folded == name else folded


def cross_problems(
    summaries: list[Summary], origin: Mapping[str, ParsedFile], known: Mapping[str, str] | None = None
) -> list[Problem]:
    """Problems between entries: links to missing entries or the wrong kind, names shared by two.
    Links may also lead to the ids of `known` (entries outside these files, by kind); the
    entries' own ids come first."""
    return [*_link_problems(summaries, origin, known or {}), *_name_problems(summaries, origin)]


def method_problems(entries: list[Entry], origin: Mapping[str, ParsedFile]) -> Iterator[Problem]:
    """Problems of the method tree (docs/schema.md): parents that are methods, no cycles, one facet
    root for every node, non-empty sources, `introduced_by` a paper, headings that papers carry."""
    from .methods import Tree, shape_problems

    methods = only(Method, entries)
    if not methods:
        return
    kind_of = {entry.id: entry.KIND for entry in entries}
    tree = Tree(methods)
    for method_id, field, message in shape_problems(tree):
        parsed = origin.get(method_id)
        if parsed is not None:
            if message.startswith("no method with id") and field.startswith("parents["):
                target = message.split("'")[1]
                if target in kind_of:
                    message = f"'{target}' is a {kind_of[target]}, not a method"
                else:
                    message += _did_you_mean(target, list(tree.methods))
            yield _problem(parsed, method_id, field, message)
    # A method's names and aliases (its id aside) must not name another entry even as people type
    # them (identifiers.name_key: case, spaces, hyphens, British spellings folded).
    from .identifiers import name_key

    owners: dict[str, set[str]] = {}
    exact: dict[str, set[str]] = {}  # the same name in any case: _name_problems reports it
    for entry in entries:
        for name in entry.names:
            owners.setdefault(name_key(name), set()).add(entry.id)
            exact.setdefault(name.casefold(), set()).add(entry.id)
    for method in methods:
        parsed = origin.get(method.id)
        if parsed is None:
            continue
        for name in dict.fromkeys(method.names[1:]):
            others = sorted(owners.get(name_key(name), set()) - {method.id})
            if others and not exact.get(name.casefold(), set()) - {method.id}:
                message = f"name '{name}' reads as a name of entry '{others[0]}' (spaces, case and spelling aside)"
                yield _problem(parsed, method.id, "aliases", message)
    # Where papers are filed: each (list, heading) and every heading above it.
    filed: set[tuple[str, str]] = set()
    for entry in entries:
        for category in entry.categories:
            parts = category.path.split(" > ")
            filed.update((category.source, " > ".join(parts[:depth])) for depth in range(1, len(parts) + 1))
    lists = {source for source, _ in filed}
    for method in methods:
        parsed = origin.get(method.id)
        if parsed is None:
            continue
        if not method.sources:
            yield _problem(parsed, method.id, "sources", "a method needs at least one source")
        if method.introduced_by is not None:
            kind = kind_of.get(method.introduced_by)
            if kind is None:
                hint = _did_you_mean(method.introduced_by, [i for i, k in kind_of.items() if k == "paper"])
                yield _problem(parsed, method.id, "introduced_by", f"no paper with id '{method.introduced_by}'{hint}")
            elif kind != "paper":
                yield _problem(parsed, method.id, "introduced_by", f"'{method.introduced_by}' is a {kind}, not a paper")
        for index, heading in enumerate(method.headings):
            # A list none of whose papers is in this catalogue cannot be checked here (tests check
            # the bundled methods against the lists themselves).
            if heading.source in lists and (heading.source, heading.path) not in filed:
                message = f"no paper is filed under '{heading.path}' in {heading.source}"
                close = [path for source, path in filed if source == heading.source]
                yield _problem(parsed, method.id, f"headings[{index}]", message + _did_you_mean(heading.path, close))


def _tables(parsed: ParsedFile) -> tuple[list[tuple[type[Entry], list[Any]]], list[Problem]]:
    """The file's arrays of tables, each with its entry type, in file order."""
    groups: list[tuple[type[Entry], list[Any]]] = []
    problems: list[Problem] = []
    known = ", ".join(f"[[{name}]]" for name in TYPE_BY_TABLE)
    for key, value in parsed.data.items():
        entry_type = TYPE_BY_TABLE.get(key)
        if entry_type is not None and isinstance(value, list) and all(isinstance(item, dict) for item in value):
            groups.append((entry_type, value))
            continue
        line = _line_of(parsed.text, rf"^\s*\[+\s*{re.escape(key)}\s*\]")  # only a problem reads the text
        if entry_type is None:
            hint = _did_you_mean(key, list(TYPE_BY_TABLE))
            problems.append(Problem(parsed.path, f"unknown table '{_key(key)}'{hint}; expected {known}", line=line))
        else:
            problems.append(Problem(parsed.path, f"'{key}' must be an array of tables, written [[{key}]]", line=line))
    return groups, problems


def _schema_problems(
    parsed: ParsedFile, entry_type: type[Entry], tables: list[Any]
) -> dict[int, tuple[list[Problem], set[str]]]:
    """Type-check the tables of one kind, a batch per pydantic call; by table position, the
    problems and the top-level keys at fault."""
    found: dict[int, tuple[list[Problem], set[str]]] = {}
    adapter = _list_adapter(entry_type)
    # Batches, because pydantic builds a model for every table it checks and they are only
    # dropped when the call returns: checking 100,000 tables at once held over 250 MiB of them.
    for start in range(0, len(tables), _BATCH):
        batch = tables[start : start + _BATCH]
        try:
            adapter.validate_python(batch)
        except ValidationError as error:
            for detail in error.errors():
                offset, *location = detail["loc"]
                assert isinstance(offset, int)
                table = batch[offset]
                entry_id = table.get("id") if isinstance(table.get("id"), str) else None
                field = _field_path(tuple(location))
                problem = _problem(parsed, entry_id, field, _message(detail), entry_type=entry_type)
                problems, keys = found.setdefault(start + offset, ([], set()))
                problems.append(problem)
                if location:
                    keys.add(str(location[0]))
    return found


_BATCH = 2000


# Text fields that must not be blank, by entry type (looked up once, not per entry).
_TEXT_FIELDS = ("title", "name", "name_en", "name_zh", "summary_en", "summary_zh", "publisher")
_LIST_FIELDS = ("aliases", "keywords", "tasks", "authors")


_FIELDS_OF: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
    entry_type: (
        tuple(f for f in _TEXT_FIELDS if f in entry_type.FIELDS),
        tuple(f for f in _LIST_FIELDS if f in entry_type.FIELDS),
    )
    for entry_type in ENTRY_TYPES
}


def _field_problems(parsed: ParsedFile, entry: Entry, skip: set[str] | frozenset[str] = frozenset()) -> list[Problem]:
    """Problems of meaning within one entry: its id, links, blank texts, year and codes; none
    of the fields in `skip` (already at fault, or a stand-in: see `_salvaged`)."""
    found: list[tuple[str, str]] = []
    if not ID_PATTERN.match(entry.id):
        found.append(("id", f"'{_key(entry.id)}' is not a slug (lowercase letters, digits and '-')"))
    for index, source in enumerate(entry.sources):
        if source.line is not None and not 0 <= source.line <= MAX_LINE:
            found.append((f"sources[{index}].line", f"{source.line} is not a line number (0 to {MAX_LINE})"))
    for field, url in entry_urls(entry):
        if not HTTP_URL_PATTERN.match(url):
            found.append((field, f"'{url}' is not an http(s) URL"))
    text_fields, list_fields = _FIELDS_OF[type(entry)]
    for field in text_fields:
        value = getattr(entry, field)
        if isinstance(value, str) and not value.strip():
            found.append((field, "must not be empty"))
    for field in list_fields:
        for index, item in enumerate(getattr(entry, field)):
            if not item.strip():
                found.append((f"{field}[{index}]", "must not be empty"))
    if isinstance(entry, Paper):
        latest = _latest_plausible_year()
        if not EARLIEST_YEAR <= entry.year <= latest:
            found.append(("year", f"{entry.year} is not a plausible year ({EARLIEST_YEAR} to {latest})"))
        if entry.arxiv is not None:
            match = ARXIV_PATTERN.match(entry.arxiv)
            if match is None:
                found.append(("arxiv", f"'{entry.arxiv}' is not an arXiv identifier such as 2203.02155"))
            elif (century := 1900 if int(match.group(1)) >= 91 else 2000) + int(match.group(1)) != entry.year:
                # Identifiers YYMM.NNNNN: 91..99 are the 1990s (9912.12345 is 1999), the rest 2000s.
                message = f"{entry.year} disagrees with arXiv id {entry.arxiv} ({century + int(match.group(1))})"
                found.append(("year", message))
    if isinstance(entry, Blog) and not LANGUAGE_PATTERN.match(entry.language):
        found.append(("language", f"'{entry.language}' is not a language code such as 'en' or 'zh'"))
    if skip:
        found = [(field, message) for field, message in found if re.split(r"[.\[]", field)[0] not in skip]
    return [_problem(parsed, entry.id, field, message) for field, message in found]


@functools.cache
def _latest_plausible_year() -> int:
    return datetime.date.today().year + 1


def _link_problems(
    summaries: list[Summary], origin: Mapping[str, ParsedFile], known: Mapping[str, str]
) -> Iterator[Problem]:
    kind_of = {**known, **{entry_id: kind for kind, entry_id, *_ in summaries}}
    links = _link_checker(kind_of)
    for summary in summaries:
        parsed = origin.get(summary[1])
        if parsed is not None:
            yield from links(summary, parsed)


def _link_checker(kind_of: Mapping[str, str]) -> Callable[[Summary, ParsedFile], Iterator[Problem]]:
    """A function giving the problems of an entry's links, to the entries of `kind_of` (id: kind)."""

    @functools.cache  # a missing entry is often linked from many: one search of the ids each
    def hint(target: str, wanted: str) -> str:
        return _did_you_mean(target, [i for i, k in kind_of.items() if k == wanted])

    def links(summary: Summary, parsed: ParsedFile) -> Iterator[Problem]:
        kind, entry_id, _, _, datasets, envs, papers = summary
        references: list[tuple[str, str, list[str]]] = []
        if kind in ("paper", "codebase"):
            references += [("datasets", "dataset", datasets), ("envs", "environment", envs)]
        if kind == "codebase":
            references.append(("papers", "paper", papers))
        for field, wanted, ids in references:
            for index, target in enumerate(ids):
                where = f"{field}[{index}]"
                if ids.index(target) != index:
                    yield _problem(parsed, entry_id, where, f"'{target}' is listed twice")
                elif target not in kind_of:
                    yield _problem(parsed, entry_id, where, f"no {wanted} with id '{target}'{hint(target, wanted)}")
                elif kind_of[target] != wanted:
                    yield _problem(parsed, entry_id, where, f"'{target}' is a {kind_of[target]}, not a {wanted}")

    return links


def _name_problems(summaries: list[Summary], origin: Mapping[str, ParsedFile]) -> Iterator[Problem]:
    """A name or alias must pick out one entry, or `rlhf show NAME` could not answer."""
    owner: dict[Any, str] = {}
    for _, entry_id, _, names, *_ in summaries:
        for name in names:
            other = owner.setdefault(name, entry_id)
            if other != entry_id and entry_id in origin:
                yield _problem(origin[entry_id], entry_id, "aliases", f"name '{name}' also names entry '{other}'")


def _problem(
    parsed: ParsedFile,
    entry_id: str | None,
    field: str,
    message: str,
    entry_type: type[Entry] | None = None,
) -> Problem:
    line = None
    if entry_id is not None:
        line = _line_of(parsed.text, rf"^\s*id\s*=\s*[\"']{re.escape(entry_id)}[\"']")
    label = entry_id
    if label is None and entry_type is not None:
        label = f"(a [[{entry_type.TABLE}]] without a valid id)"
    return Problem(parsed.path, message, line=line, entry=label, field=field)


def _line_of(text: str, pattern: str) -> int | None:
    match = re.search(pattern, text, flags=re.MULTILINE)
    return None if match is None else text.count("\n", 0, match.start()) + 1


def _did_you_mean(value: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(value, candidates, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{_key(part)}" if path else _key(part))
    return path


def _key(name: str) -> str:
    """A key or id as written, with anything outside ASCII escaped (\u0456), so that a key
    that only looks right ("t\u0456tle", with a Cyrillic i) shows what is wrong with it."""
    return name if name.isascii() else name.encode("ascii", "backslashreplace").decode("ascii")


def _message(detail: Any) -> str:
    if detail["type"] == "extra_forbidden":
        return "unknown key"
    if detail["type"] == "missing":
        return "required key is missing"
    return str(detail["msg"])


@functools.cache  # building an adapter costs milliseconds; each kind's is made once
def _list_adapter(data_type: type) -> TypeAdapter[Any]:
    model = strict_model(data_type)
    return TypeAdapter(list[model])  # type: ignore[valid-type]  # a model made at run time

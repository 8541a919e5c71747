"""The catalogue checked against its sources: every list an entry's `sources` names is parsed
again (with the importer's own readers, `awesome.parse` and `bibtex.parse_bibtex`), the item at
each source line is found, and the entry's title, authors, year, URL, code, datasets and keywords
are compared with what that line says.

A difference is explained when the entry's `notes` mention the field (MENTIONS: the field's
name or a word for it, as a whole word, ignoring case); every other difference is reported.

What a line "says", field by field:

- title: the item's title (a dataset's or environment's name on a Dataset:/Env: line). It agrees
  when it is the entry's title, short name or one of its aliases (the catalogue keeps another
  list's spelling as an alias), compared exactly, spaces aside.
- url: the item's link; a dataset's `other_urls` count too. A catalogue link no source gives
  is a difference as well.
- year (papers): the year the line states (a venue year, a Date column, an author line's year),
  the year of its section heading ("2024"; "2024 & Earlier" holds the years before it too) and
  the year of the arXiv id in its link. The entry's year must agree with each of them.
- authors: the people, "et al." and the credited lab, as one fact, when the line names any.
- code, datasets, keywords: sets. What a line lists must be in the entry, and what the entry
  holds must be listed by one of its sources (the entry is the union of its lists). Datasets are
  compared by the dataset entries the names and links on the line stand for.

Topics are not list items (the lists' overview headings name them), so they are not compared; nor
are methods, whose sources are headings or their papers' rows (tests/test_methods_data.py checks those).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..catalogue.catalog import Catalogue
from ..catalogue.identifiers import arxiv_year, normal_url
from ..catalogue.models import Blog, Book, Codebase, Dataset, Entry, Environment, Method, Paper, Source, Topic
from .reader import Item, Link, heading_years, identifiers

# The words that make an entry's notes mention a field (whole words, any case). A note that says
# why a value differs from a list names the field in one of these words (not "name" alone for the
# title: notes use it for people's names too).
MENTIONS: dict[str, tuple[str, ...]] = {
    "title": (
        "title",
        "titles",
        "link text",
        "writes the name",
        "write the name",
        "spelling",
        "spelt",
        "spelled",
        "casing",
    ),
    "authors": ("author", "authors", "et al"),
    "year": ("year", "years"),
    "url": ("url", "urls", "link", "links", "arxiv"),
    "code": ("code",),
    "datasets": ("dataset", "datasets"),
    "keywords": ("keyword", "keywords"),
}
# The suffixes a source's file may have in the folder of reference lists.
_SUFFIXES = (".md", ".bib")


@dataclass(frozen=True, slots=True)
class Difference:
    """A fact of an entry that the line of a list it cites does not say."""

    entry: str
    field: str
    where: str  # "path/list.md:123", or the list's name if it has no file
    catalogue: str
    source: str

    def __str__(self) -> str:
        return f"{self.where}: entry '{self.entry}': {self.field}: catalogue {self.catalogue} vs source {self.source}"


@dataclass(slots=True)
class SourceList:
    """One reference list, parsed: its items by line, and the names on its Dataset:/Env: lines."""

    path: Path
    items: dict[int, Item] = field(default_factory=dict)
    dataset_links: dict[int, list[Link]] = field(default_factory=dict)
    env_names: dict[int, list[str]] = field(default_factory=dict)
    task_names: dict[int, list[str]] = field(default_factory=dict)


def mentions(notes: str | None, field_name: str) -> bool:
    """Whether `notes` mention the field, in one of the words MENTIONS gives for it."""
    if not notes or field_name not in MENTIONS:
        return False
    words = "|".join(re.escape(word) for word in MENTIONS[field_name])
    return re.search(rf"(?<!\w)(?:{words})(?!\w)", notes, re.I) is not None


def read_sources(folder: Path, names: Iterable[str]) -> dict[str, SourceList]:
    """The lists named `names` that `folder` holds (as NAME.md or NAME.bib), parsed."""
    from .bibtex import parse_bibtex
    from .reader import parse

    lists = {}
    for name in sorted(set(names)):
        path = next(
            (folder / f"{name}{suffix}" for suffix in _SUFFIXES if (folder / f"{name}{suffix}").is_file()), None
        )
        if path is None:
            continue
        text = path.read_text(encoding="utf-8")
        parsed = parse_bibtex(text) if path.suffix == ".bib" else parse(text)
        found = SourceList(path)
        for item in parsed.items:
            found.items.setdefault(item.line, item)
            for link in item.datasets:
                found.dataset_links.setdefault(link.line, []).append(link)
            if item.envs:
                found.env_names.setdefault(item.env_line or item.line, []).extend(item.envs)
            if item.tasks:
                found.task_names.setdefault(item.task_line or item.line, []).extend(item.tasks)
        lists[name] = found
    return lists


def differences(catalogue: Catalogue, folder: Path) -> list[Difference]:
    """Every difference between the catalogue's entries and their source lines that the entries'
    notes do not explain, in catalogue order."""
    names = {source.name for entry in catalogue.entries for source in entry.sources}
    lists = read_sources(folder, names)
    found: list[Difference] = []
    for entry in catalogue.entries:
        found += [d for d in _entry_differences(catalogue, entry, lists, folder) if not mentions(entry.notes, d.field)]
    return found


# ---------------------------------------------------------------- one entry


@dataclass(slots=True)
class _Cited:
    """What one source line of an entry holds."""

    where: str
    item: Item | None  # the item that starts on the line
    links: list[Link]  # the dataset links of a Dataset: line
    names: list[str]  # the names of an Env:/ExpEnv: or Task: line


def _entry_differences(
    catalogue: Catalogue, entry: Entry, lists: dict[str, SourceList], folder: Path
) -> Iterator[Difference]:
    if isinstance(entry, Topic | Method):
        return
    cited: list[_Cited] = []
    for source in entry.sources:
        where = _where(source, lists, folder)
        known = lists.get(source.name)
        if known is None:
            yield Difference(entry.id, "sources", where, f"cites '{source.name}'", f"no such list in {folder}")
            continue
        line = source.line or 0
        item = known.items.get(line)
        links = known.dataset_links.get(line, [])
        names = known.env_names.get(line, []) + known.task_names.get(line, [])
        if item is None and not links and not names:
            yield Difference(entry.id, "sources", where, "cites this line", "no item on it")
            continue
        cited.append(_Cited(where, item, links, names))
    if isinstance(entry, Dataset):
        yield from _dataset(entry, cited)
    elif isinstance(entry, Environment):
        yield from _environment(entry, cited)
    else:
        yield from _work(catalogue, entry, [(c.where, c.item) for c in cited if c.item is not None])


def _work(
    catalogue: Catalogue, entry: Paper | Codebase | Blog | Book, cited: list[tuple[str, Item]]
) -> Iterator[Difference]:
    """A paper, codebase, blog or book against the items it cites."""
    if not cited:
        return
    names = {_space(name) for name in entry.names}
    folded = {name.casefold() for name in names}
    for where, item in cited:
        title = _space(item.title)
        # BibTeX leaves a title's case to the style (it lowers what is not braced): not compared.
        if title not in names and not (item.layout == "bibtex" and title.casefold() in folded):
            yield Difference(entry.id, "title", where, _show(entry.display_name), _show(item.title))
    yield from _url(entry.id, [entry.url] if entry.url else [], [(where, item.url) for where, item in cited])
    if isinstance(entry, Paper):
        for where, item in cited:
            for stated, how in stated_years(item):
                if entry.year != stated:
                    yield Difference(entry.id, "year", where, str(entry.year), f"{stated} ({how})")
    if not isinstance(entry, Blog):
        mine = _authors(entry)
        for where, item in cited:
            theirs = _authors(item)
            if theirs != "none" and theirs != mine:
                yield Difference(entry.id, "authors", where, mine, theirs)
    if isinstance(entry, Paper):
        code = [(where, {link.url for link in item.code}) for where, item in cited]
        yield from _sets(entry.id, "code", {link.url for link in entry.code}, code, key=normal_url)
    if isinstance(entry, Paper | Codebase):
        listed = [(where, _dataset_ids(catalogue, item.datasets)) for where, item in cited]
        named = _named_datasets(catalogue, [item for _, item in cited])
        yield from _sets(entry.id, "datasets", set(entry.datasets), listed, optional=named)
        keywords = [(where, set(item.keywords)) for where, item in cited]
        yield from _sets(entry.id, "keywords", set(entry.keywords), keywords)


def _dataset(entry: Dataset, cited: list[_Cited]) -> Iterator[Difference]:
    """A dataset against the Dataset: lines (or dataset items) it cites: it must be named there."""
    names = {_space(name).casefold() for name in entry.names}
    urls = [url for url in [entry.url, *entry.other_urls] if url]
    given: list[tuple[str, str]] = []
    for line in cited:
        if line.item is not None and line.item.kind in ("dataset", "codebase") and not line.links:
            if _space(line.item.title).casefold() not in names:
                yield Difference(entry.id, "title", line.where, _show(entry.name), _show(line.item.title))
            given.append((line.where, line.item.url))
            continue
        mine = [link for link in line.links if _is_this(entry, link, names)]
        if not mine and any(_names_it(name, names) for name in line.names):
            continue  # an ExpEnv or Task name that is this dataset
        if not mine:
            listed = "; ".join(link.text for link in line.links) or "; ".join(line.names)
            yield Difference(entry.id, "title", line.where, _show(entry.name), f"only {_show(listed)}")
            continue
        given += [(line.where, link.url) for link in mine]
    yield from _url(entry.id, urls, given)


def _environment(entry: Environment, cited: list[_Cited]) -> Iterator[Difference]:
    names = {_space(name).casefold() for name in entry.names}
    for line in cited:
        if not any(_space(name).casefold() in names for name in line.names):
            yield Difference(entry.id, "title", line.where, _show(entry.name), f"only {_show('; '.join(line.names))}")


# ---------------------------------------------------------------- fields


def _url(entry_id: str, mine: list[str], given: list[tuple[str, str]]) -> Iterator[Difference]:
    """Each link a line gives is one of the entry's, and each of the entry's is given by a line."""
    stated = [url for _, url in given if url]
    for where, url in given:
        if url and not any(same_link(url, other) for other in mine):
            yield Difference(entry_id, "url", where, _show(" ".join(mine) or None), _show(url))
    for url in mine:
        if given and not any(same_link(url, other) for other in stated):
            yield Difference(entry_id, "url", given[0][0], _show(url), "no line gives it")


def same_link(one: str, two: str) -> bool:
    """Two links to one page: equal but for the scheme, case, a trailing slash and a #fragment, or naming one
    arXiv id (abs, pdf, html, versioned), DOI or OpenReview id."""
    if normal_url(one.split("#", 1)[0]) == normal_url(two.split("#", 1)[0]):
        return True
    return bool(set(identifiers(one)) & set(identifiers(two)))


def stated_years(item: Item) -> list[tuple[int, str]]:
    """The years the item's line states, each with where it is stated."""
    years: list[tuple[int, str]] = []
    year = arxiv_year(item.arxiv) if item.arxiv else None
    if year is not None:
        years.append((year, f"arXiv id {item.arxiv}"))
    if item.year is not None:
        years.append((item.year, "the line"))
    headed, open_ended = heading_years(item.heading)
    if headed and not open_ended:
        years += [(year, f"heading '{item.heading}'") for year in headed[:1]] if len(headed) == 1 else []
    elif headed and open_ended and all(year > headed[0] for year, _ in years):
        years.append((headed[0], f"heading '{item.heading}'"))
    return years


def _authors(work: Paper | Codebase | Book | Item) -> str:
    people = "; ".join(work.authors)
    if getattr(work, "authors_et_al", False):
        people += " et al."
    org = getattr(work, "authors_org", None)
    if org:
        people = f"{people} ({org})" if people else org
    return _show(people) if people else "none"


def _sets(
    entry_id: str,
    field_name: str,
    mine: set[str],
    listed: list[tuple[str, set[str]]],
    optional: set[str] | frozenset[str] = frozenset(),
    key: Callable[[str], str] = lambda value: value,
) -> Iterator[Difference]:
    """What each line lists is in the entry; what the entry holds is listed by some line
    (`optional` values may be in the entry without a line listing them in this field).
    Values are compared by their `key`."""
    keys = {key(value) for value in mine}
    for where, values in listed:
        missing = sorted(value for value in values if key(value) not in keys)
        if missing:
            yield Difference(entry_id, field_name, where, f"lacks {_show('; '.join(missing))}", "lists it")
    stated = {key(value) for _, values in listed for value in values} | {key(value) for value in optional}
    extra = sorted(value for value in mine if key(value) not in stated)
    if extra and listed:
        yield Difference(entry_id, field_name, listed[0][0], _show("; ".join(extra)), "no line lists it")


def _dataset_ids(catalogue: Catalogue, links: list[Link]) -> set[str]:
    """The dataset entries the names and links of a Dataset: line stand for (a name no dataset
    entry has stands for itself, so that it shows as missing)."""
    ids = set()
    for link in links:
        found = _find_dataset(catalogue, link.text, link.url)
        ids.add(found.id if found is not None else link.text)
    return ids


def _named_datasets(catalogue: Catalogue, items: list[Item]) -> set[str]:
    """Datasets the items name on an Env:/ExpEnv: line (where the importer files a known dataset
    as one) or on a Task: line ("IMDB sentiment")."""
    found = {dataset.id for item in items for name in item.envs if (dataset := _find_dataset(catalogue, name, ""))}
    tasks = [task for item in items for task in item.tasks]
    for dataset in catalogue.datasets if tasks else []:
        names = {_space(name).casefold() for name in dataset.names}
        if any(_names_it(task, names) for task in tasks):
            found.add(dataset.id)
    return found


def _names_it(text: str, names: set[str]) -> bool:
    """Whether one of `names` (case-folded) is `text` or a whole word or phrase of it."""
    folded = _space(text).casefold()
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded) for name in names if name)


def _find_dataset(catalogue: Catalogue, name: str, url: str) -> Dataset | None:
    for entry in catalogue.lookup(name, ["dataset"]) if name else []:
        if isinstance(entry, Dataset):
            return entry
    if url:
        normal = normal_url(url)
        for dataset in catalogue.datasets:
            if normal in {normal_url(u) for u in [dataset.url, *dataset.other_urls] if u}:
                return dataset
    return None


def _is_this(entry: Dataset, link: Link, names: set[str]) -> bool:
    urls = {normal_url(u) for u in [entry.url, *entry.other_urls] if u}
    return _space(link.text).casefold() in names or bool(link.url and normal_url(link.url) in urls)


# ---------------------------------------------------------------- text


def _where(source: Source, lists: dict[str, SourceList], folder: Path) -> str:
    known = lists.get(source.name)
    path = known.path if known is not None else folder / source.name
    return f"{path}:{source.line}" if source.line is not None else str(path)


def _space(text: str) -> str:
    return " ".join(text.split())


def _show(value: str | None) -> str:
    if value is None or value == "":
        return "none"
    return repr(value if len(value) <= 160 else value[:157] + "...")

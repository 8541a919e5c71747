"""The loaded catalogue: entries by id and name, and the links between them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from ..errors import AmbiguousError, NotFoundError
from .identifiers import normal_url
from .models import Blog, Book, Codebase, Dataset, Entry, Environment, Kind, Method, Paper, Topic, only

if TYPE_CHECKING:
    from .methods import MethodLink

E = TypeVar("E", bound=Entry)


def entry_urls(entry: Entry) -> Iterator[tuple[str, str]]:
    """Every link an entry carries, with the field it is in."""
    if entry.url is not None:
        yield "url", entry.url
    for index, other in enumerate(entry.other_urls):
        yield f"other_urls[{index}]", other
    for index, link in enumerate(entry.code):
        yield f"code[{index}].url", link.url


def close_names(name: str, names: Iterable[tuple[str, str]], limit: int = 3) -> list[str]:
    """The ids of the entries with names close to `name` (a later entry's name wins a tie), for
    "did you mean" hints; `names` holds (name, id) pairs in catalogue order."""
    from rapidfuzz import fuzz, process, utils

    candidates = dict(names)
    matches = process.extract(
        name, list(candidates), scorer=fuzz.WRatio, processor=utils.default_process, limit=None, score_cutoff=75
    )
    matches.sort(key=lambda match: (-match[1], match[0]))
    # Only names about as close as the best one: a long tail of weak matches is noise.
    close = [match for match in matches if match[1] >= matches[0][1] - 5] if matches else []
    return list(dict.fromkeys(candidates[match[0]] for match in close))[:limit]


def the_one(found: list[E], name: str, what: str, suggest: Callable[[], list[str]]) -> E:
    """The entry a lookup of `name` found; NotFoundError with close names (`suggest`) if none,
    AmbiguousError listing the candidates if several."""
    if not found:
        raise NotFoundError(what, name, suggest())
    if len(found) > 1:
        raise AmbiguousError(what, name, [(entry.id, entry.display_name) for entry in found])
    return found[0]


def lookup_keys(entry: Entry) -> set[str]:
    """The keys an entry answers to besides its exact names (identifiers.entry_keys)."""
    from .citekeys import citekey_base
    from .identifiers import entry_keys

    urls = [url for _, url in entry_urls(entry)]
    organisation = entry.authors_org or entry.publisher
    citekey = citekey_base(entry.id, entry.display_name, entry.authors, organisation, entry.year)
    return entry_keys(entry.names, urls, entry.arxiv, citekey)


class Catalogue:
    """All entries, with lookups by id and name and the links between entries in both directions."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: list[Entry] = list(entries)
        self.by_id: dict[str, Entry] = {entry.id: entry for entry in self.entries}
        self._by_name: dict[str, Entry] | None = None  # made on the first lookup: a store's build makes none
        self._users: defaultdict[str, list[Paper | Codebase]] = defaultdict(list)
        self._implementations: defaultdict[str, list[Codebase]] = defaultdict(list)
        for entry in self.entries:
            if isinstance(entry, Paper | Codebase):
                for target in dict.fromkeys([*entry.datasets, *entry.envs]):
                    self._users[target].append(entry)
            if isinstance(entry, Codebase):
                for paper_id in entry.papers:
                    self._implementations[paper_id].append(entry)
        self._by_key: dict[str, list[Entry]] | None = None
        self._method_links: list[MethodLink] | None = None
        self._method_names: dict[str, tuple[list[str], list[str]]] | None = None
        self._by_url: dict[str, Entry] = {}
        for entry in self.entries:
            if entry.url:
                self._by_url.setdefault(normal_url(entry.url), entry)
        # A paper whose code link is a dataset's (or environment's) own repository uses it, as
        # surely as one that lists it: HH-RLHF is the code of the papers that made it.
        for entry in self.entries:
            if isinstance(entry, Paper):
                for used in self.used_through_code(entry):
                    self._users[used.id].append(entry)

    def of_type(self, entry_type: type[E]) -> list[E]:
        return only(entry_type, self.entries)

    @property
    def papers(self) -> list[Paper]:
        return self.of_type(Paper)

    @property
    def datasets(self) -> list[Dataset]:
        return self.of_type(Dataset)

    @property
    def codebases(self) -> list[Codebase]:
        return self.of_type(Codebase)

    @property
    def environments(self) -> list[Environment]:
        return self.of_type(Environment)

    @property
    def blogs(self) -> list[Blog]:
        return self.of_type(Blog)

    @property
    def books(self) -> list[Book]:
        return self.of_type(Book)

    @property
    def topics(self) -> list[Topic]:
        return self.of_type(Topic)

    @property
    def methods(self) -> list[Method]:
        return self.of_type(Method)

    def method_links(self) -> list[MethodLink]:
        """Every paper's and codebase's links to methods (methods.links), made on first use."""
        if self._method_links is None:
            from .methods import links

            self._method_links = links(self.entries)
        return self._method_links

    def method_names(self, paper: Entry) -> tuple[list[str], list[str]]:
        """The names of the methods a paper introduces, and of the methods above them (facet roots
        aside: a facet is too broad to call the paper a variant of it), for search; none for an
        entry of another kind."""
        if self._method_names is None:
            from .methods import Tree

            tree = Tree(self.methods)
            self._method_names = {}
            for method in tree.methods.values():
                if method.introduced_by is None:
                    continue
                own, above = self._method_names.setdefault(method.introduced_by, ([], []))
                own.extend(method.names)
                for ancestor in tree.ancestors(method.id):
                    if tree.methods[ancestor].parents:
                        above.extend(tree.methods[ancestor].names)
        own, above = self._method_names.get(paper.id, ([], []))
        return list(dict.fromkeys(own)), [name for name in dict.fromkeys(above) if name not in own]

    def find(self, name: str, kinds: Iterable[Kind] | None = None) -> Entry | None:
        """The one entry `name` stands for (see `lookup`), if exactly one."""
        found = self.lookup(name, kinds)
        return found[0] if len(found) == 1 else None

    def lookup(self, name: str, kinds: Iterable[Kind] | None = None) -> list[Entry]:
        """The entries `name` may stand for: the one whose id, title, name or alias it is (any case);
        else those of the surest key it gives (identifiers.query_keys: an arXiv id in any spelling,
        a DOI, an OpenReview id, a link, a citekey, the name as typed, spaces and hyphens aside)."""
        wanted = None if kinds is None else set(kinds)
        folded = name.strip().casefold()
        # An id wins over another entry's name: `dpo` is the method, though the DPO paper's short name is DPO.
        for entry in (self.by_id.get(folded), self._names().get(folded)):
            if entry is not None and (wanted is None or entry.KIND in wanted):
                return [entry]
        from .identifiers import query_keys

        by_key = self._keys()
        for key in query_keys(name):
            found = [entry for entry in by_key.get(key, []) if wanted is None or entry.KIND in wanted]
            if found:
                return found
        return []

    def resolve(self, name: str, kinds: Iterable[Kind] | None = None, what: str = "entry") -> Entry:
        """Like `find`, but raise NotFoundError with close names when nothing matches, and
        AmbiguousError listing the candidates when several do."""
        wanted = None if kinds is None else tuple(kinds)
        return the_one(self.lookup(name, wanted), name, what, lambda: self.suggest(name, wanted))

    def _names(self) -> dict[str, Entry]:
        """Each entry's names (any case), the first entry of a name standing for it."""
        if self._by_name is None:
            self._by_name = {}
            for entry in self.entries:
                for name in entry.names:
                    self._by_name.setdefault(name.casefold(), entry)
        return self._by_name

    def _keys(self) -> dict[str, list[Entry]]:
        """Every entry's lookup keys (`lookup_keys`), made on the first inexact lookup."""
        if self._by_key is None:
            self._by_key = {}
            for entry in self.entries:
                for key in lookup_keys(entry):
                    found = self._by_key.setdefault(key, [])
                    if entry not in found:
                        found.append(entry)
        return self._by_key

    def suggest(self, name: str, kinds: Iterable[Kind] | None = None, limit: int = 3) -> list[str]:
        """Names close to `name` (ids first), for "did you mean" hints."""
        wanted = None if kinds is None else set(kinds)
        names = [(n, e.id) for e in self.entries if wanted is None or e.KIND in wanted for n in e.names]
        return close_names(name, names, limit)

    def datasets_of(self, entry: Entry) -> list[Dataset]:
        return only(Dataset, map(self.by_id.get, entry.datasets))

    def envs_of(self, entry: Entry) -> list[Environment]:
        return only(Environment, map(self.by_id.get, entry.envs))

    def users_of(self, entry: Entry) -> list[Paper | Codebase]:
        """Papers and codebases that list this dataset or environment."""
        return list(self._users.get(entry.id, []))

    def users_count(self, entry: Entry) -> int:
        return len(self._users.get(entry.id, ()))

    def implementations_of(self, paper: Entry) -> list[Codebase]:
        """Codebases that say they implement this paper (none for an entry of another kind)."""
        return list(self._implementations.get(paper.id, []))

    def papers_of(self, codebase: Codebase) -> list[Paper]:
        return only(Paper, map(self.by_id.get, codebase.papers))

    def code_targets(self, paper: Paper) -> list[Entry]:
        """Catalogue entries that a paper's code links point at (a codebase, or a dataset repo)."""
        targets = (self._by_url.get(normal_url(link.url)) for link in paper.code)
        return list(dict.fromkeys(target for target in targets if target is not None and target is not paper))

    def used_through_code(self, paper: Paper) -> list[Dataset | Environment]:
        """Datasets and environments a paper's code links point at, and that it does not list."""
        listed = {*paper.datasets, *paper.envs}
        return [
            target
            for target in self.code_targets(paper)
            if isinstance(target, Dataset | Environment) and target.id not in listed
        ]

    def papers_linking_code_to(self, entry: Entry) -> list[Paper]:
        """Papers whose code links point at this entry's URL."""
        if not entry.url:
            return []
        key = normal_url(entry.url)
        return [paper for paper in self.papers if any(normal_url(link.url) == key for link in paper.code)]

"""The loaded catalogue: entries by id and name, and the links between them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TypeVar

from .errors import NotFoundError
from .models import Blog, Book, Codebase, Dataset, Entry, Environment, Kind, Paper, Topic

E = TypeVar("E", bound=Entry)


def normalise_url(url: str) -> str:
    """A form of a URL for comparing links: no scheme, case-folded host part, no trailing slash."""
    bare = url.split("://", 1)[-1].rstrip("/")
    return bare.removesuffix(".git").casefold()


class Catalogue:
    """All entries, with lookups by id and name and the links between entries in both directions."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: list[Entry] = list(entries)
        self.by_id: dict[str, Entry] = {entry.id: entry for entry in self.entries}
        self._by_name: dict[str, Entry] = {}
        # A title's lead before its colon ("Direct Preference Optimization"), when one title alone has it.
        self._by_lead: dict[str, Entry | None] = {}
        for entry in self.entries:
            for name in entry.names:
                self._by_name.setdefault(name.casefold(), entry)
            lead, colon, _ = entry.display_name.partition(":")
            if colon and lead.strip():
                key = lead.strip().casefold()
                self._by_lead[key] = entry if key not in self._by_lead else None
        self._users: defaultdict[str, list[Paper | Codebase]] = defaultdict(list)
        self._implementations: defaultdict[str, list[Codebase]] = defaultdict(list)
        for entry in self.entries:
            if isinstance(entry, Paper | Codebase):
                for target in dict.fromkeys([*entry.datasets, *entry.envs]):
                    self._users[target].append(entry)
            if isinstance(entry, Codebase):
                for paper_id in entry.papers:
                    self._implementations[paper_id].append(entry)
        self._by_url: dict[str, Entry] = {}
        for entry in self.entries:
            url = getattr(entry, "url", None)
            if url:
                self._by_url.setdefault(normalise_url(url), entry)

    def of_type(self, entry_type: type[E]) -> list[E]:
        return [entry for entry in self.entries if isinstance(entry, entry_type)]

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

    def find(self, name: str, kinds: Iterable[Kind] | None = None) -> Entry | None:
        """The entry whose id, title, name or alias is `name` (ignoring case), if any."""
        entry = self._by_name.get(name.strip().casefold()) or self._by_lead.get(name.strip().casefold())
        if entry is None or (kinds is not None and entry.KIND not in set(kinds)):
            return None
        return entry

    def resolve(self, name: str, kinds: Iterable[Kind] | None = None, what: str = "entry") -> Entry:
        """Like `find`, but raise NotFoundError with close names when nothing matches."""
        wanted = None if kinds is None else tuple(kinds)
        entry = self.find(name, wanted)
        if entry is None:
            raise NotFoundError(what, name, self.suggest(name, wanted))
        return entry

    def suggest(self, name: str, kinds: Iterable[Kind] | None = None, limit: int = 3) -> list[str]:
        """Names close to `name` (ids first), for "did you mean" hints."""
        from rapidfuzz import fuzz, process, utils

        wanted = None if kinds is None else set(kinds)
        candidates = {
            entry_name: entry.id
            for entry in self.entries
            if wanted is None or entry.KIND in wanted
            for entry_name in entry.names
        }
        matches = process.extract(
            name, list(candidates), scorer=fuzz.WRatio, processor=utils.default_process, limit=None, score_cutoff=75
        )
        matches.sort(key=lambda match: (-match[1], match[0]))
        # Only names about as close as the best one: a long tail of weak matches is noise.
        close = [match for match in matches if match[1] >= matches[0][1] - 5] if matches else []
        return list(dict.fromkeys(candidates[match[0]] for match in close))[:limit]

    def datasets_of(self, entry: Paper | Codebase) -> list[Dataset]:
        return [linked for i in entry.datasets if isinstance(linked := self.by_id.get(i), Dataset)]

    def envs_of(self, entry: Paper | Codebase) -> list[Environment]:
        return [linked for i in entry.envs if isinstance(linked := self.by_id.get(i), Environment)]

    def users_of(self, entry: Entry) -> list[Paper | Codebase]:
        """Papers and codebases that list this dataset or environment."""
        return list(self._users.get(entry.id, []))

    def users_count(self, entry: Entry) -> int:
        return len(self._users.get(entry.id, ()))

    def implementations_of(self, paper: Paper) -> list[Codebase]:
        """Codebases that say they implement this paper."""
        return list(self._implementations.get(paper.id, []))

    def papers_of(self, codebase: Codebase) -> list[Paper]:
        return [linked for i in codebase.papers if isinstance(linked := self.by_id.get(i), Paper)]

    def code_targets(self, paper: Paper) -> list[Entry]:
        """Catalogue entries that a paper's code links point at (a codebase, or a dataset repo)."""
        targets = (self._by_url.get(normalise_url(link.url)) for link in paper.code)
        return list(dict.fromkeys(target for target in targets if target is not None and target is not paper))

    def papers_linking_code_to(self, entry: Entry) -> list[Paper]:
        """Papers whose code links point at this entry's URL."""
        url = getattr(entry, "url", None)
        if not url:
            return []
        key = normalise_url(url)
        return [paper for paper in self.papers if any(normalise_url(link.url) == key for link in paper.code)]

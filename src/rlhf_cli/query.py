"""Filters for the listing commands and the hints given when they find nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .catalog import Catalogue
from .errors import NotFoundError, UsageError
from .models import Codebase, Dataset, Entry, Paper

_YEAR_RANGE = re.compile(r"^\s*(\d{4})?\s*\.\.\s*(\d{4})?\s*$")


@dataclass(frozen=True, slots=True)
class YearRange:
    """An inclusive range of years; either end may be open."""

    start: int | None
    end: int | None

    @classmethod
    def parse(cls, text: str) -> YearRange:
        """Read '2022', '2020..2022', '2021..' or '..2019'."""
        stripped = text.strip()
        if stripped.isdigit() and len(stripped) == 4:
            return cls(int(stripped), int(stripped))
        match = _YEAR_RANGE.match(text)
        if match is None or match.group(1) is match.group(2) is None:
            raise UsageError(f"--year: '{text}' is not a year or a range such as 2022, 2020..2022 or 2021..")
        start, end = (int(group) if group else None for group in match.groups())
        if start is not None and end is not None and start > end:
            raise UsageError(f"--year: the range '{text}' is empty (it starts after it ends)")
        return cls(start, end)

    def __contains__(self, year: object) -> bool:
        if not isinstance(year, int):
            return False
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)

    def __str__(self) -> str:
        if self.start == self.end:
            return str(self.start)
        return f"{self.start or ''}..{self.end or ''}"


@dataclass(frozen=True, slots=True)
class Filter:
    """One active filter: how to say it, and the test it applies to an entry."""

    label: str
    test: Callable[[Entry], bool]


def keyword_filter(catalogue: Catalogue, value: str, option: str = "--keyword") -> Filter:
    """Entries with a keyword (or task) that contains `value`, ignoring case."""
    needle = value.casefold()

    def test(entry: Entry) -> bool:
        words = [*getattr(entry, "keywords", []), *getattr(entry, "tasks", [])]
        return any(needle in word.casefold() for word in words)

    if not any(test(entry) for entry in catalogue.entries):
        known = {word for entry in catalogue.entries for word in getattr(entry, "keywords", [])}
        raise NotFoundError("keyword", value, _close(value, sorted(known)))
    return Filter(f"{option} {value}", test)


def link_filter(catalogue: Catalogue, value: str, kind: str, option: str) -> Filter:
    """Papers or codebases that use the dataset or environment named `value`."""
    target = catalogue.resolve(value, kinds=[kind], what=kind)  # type: ignore[list-item]

    def test(entry: Entry) -> bool:
        return isinstance(entry, Paper | Codebase) and target.id in (*entry.datasets, *entry.envs)

    return Filter(f"{option} {target.display_name}", test)


def author_filter(catalogue: Catalogue, value: str) -> Filter:
    """Papers with an author (or credited lab) whose name contains `value`, ignoring case."""
    needle = value.casefold()

    def test(entry: Entry) -> bool:
        if not isinstance(entry, Paper):
            return False
        names = [*entry.authors, *([entry.authors_org] if entry.authors_org else [])]
        return any(needle in name.casefold() for name in names)

    if not any(test(paper) for paper in catalogue.papers):
        known = {name for paper in catalogue.papers for name in paper.authors}
        raise NotFoundError("author", value, _close(value, sorted(known)))
    return Filter(f"--author {value}", test)


def year_filter(years: YearRange) -> Filter:
    return Filter(f"--year {years}", lambda entry: isinstance(entry, Paper) and entry.year in years)


def has_code_filter() -> Filter:
    return Filter("--has-code", lambda entry: isinstance(entry, Paper) and bool(entry.code))


def used_by_filter(catalogue: Catalogue, value: str) -> Filter:
    """Datasets that the paper or codebase named `value` uses."""
    user = catalogue.resolve(value, kinds=["paper", "codebase"], what="paper or codebase")
    assert isinstance(user, Paper | Codebase)
    wanted = set(user.datasets)
    return Filter(f"--used-by {user.display_name}", lambda entry: isinstance(entry, Dataset) and entry.id in wanted)


def apply(entries: list[Entry], filters: list[Filter]) -> list[Entry]:
    return [entry for entry in entries if all(f.test(entry) for f in filters)]


def empty_hint(entries: list[Entry], filters: list[Filter], noun: str) -> str | None:
    """Explain an empty result: which filter clashes, and what the others do match.

    With a year filter, say which years the other filters' matches come from; otherwise
    say how many entries each filter matches on its own.
    """
    if len(filters) < 2:
        return None
    year = next((f for f in filters if f.label.startswith("--year")), None)
    others = [f for f in filters if f is not year]
    if year is not None:
        matches = apply(entries, others)
        years = sorted({entry.year for entry in matches if isinstance(entry, Paper)})
        if years:
            which = " ".join(f.label for f in others)
            return f"{noun} with {which} are from {_years(years)}, not {year.label.removeprefix('--year ')}"
    counts = [f"{f.label} alone matches {len(apply(entries, [f]))}" for f in filters]
    return f"no {noun} match all filters together: " + "; ".join(counts)


def _years(years: list[int]) -> str:
    return ", ".join(str(year) for year in years)


def _close(value: str, choices: list[str]) -> list[str]:
    import difflib

    lowered = {choice.casefold(): choice for choice in choices}
    close = difflib.get_close_matches(value.casefold(), list(lowered), n=3, cutoff=0.6)
    return [lowered[c] for c in close]

"""Find the defects real awesome lists have, each with a line, a rule, a severity and a fix hint.

Rules: no-items, unread-item, line-too-long, malformed-item, empty-link, missing-link, malformed-link,
non-http-link, duplicate-url, duplicate-title, year-mismatch, dataset-spelling. For a catalogue (TOML)
the same duplicate checks run on its entries, after every problem `rlhf validate` would report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..catalogue.identifiers import arxiv_year
from .reader import Defect, Item, Link, NearIndex, heading_years, parse, work_key


@dataclass(slots=True)
class Finding:
    file: str
    line: int | None
    rule: str
    severity: str
    message: str
    hint: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.severity} [{self.rule}] {self.message} (fix: {self.hint})"


def lint_markdown(path: str, text: str) -> list[Finding]:
    parsed = parse(text)
    defects: list[Defect] = list(parsed.defects)
    if not parsed.items:
        unread = parsed.unread or parsed.first_lines
        shown = "; ".join(f"line {number}: {line!r}" for number, line in unread[:3])
        message = "no item recognised in any layout rlhf reads" + (
            f"; first lines not understood: {shown}" if shown else ""
        )
        defects.append(Defect(unread[0][0] if unread else 1, "no-items", "error", message, "see README: awesome lists"))
    for number, line in parsed.unread:
        defects.append(
            Defect(number, "unread-item", "warning", f"not read as an item: {line}", "see README: awesome lists")
        )
    defects += _link_defects(text, parsed.links)
    defects += _duplicate_urls(parsed.items)
    defects += _duplicate_titles(parsed.items)
    defects += _year_mismatches(parsed.items)
    defects += _dataset_spellings(parsed.items)
    findings = [Finding(path, d.line, d.rule, d.severity, d.message, d.hint) for d in defects]
    return sorted(findings, key=lambda f: (f.line or 0, f.rule))


def lint_catalogue(paths: list[Path], context: list[Path] | None = None) -> list[Finding]:
    """Every validation problem, then links and titles that two entries share. References may
    point into the catalogue at `context` (see loader.checked)."""
    from ..loading.loader import checked

    entries, problems = checked(paths, context)
    findings = [Finding(p.file, p.line, "schema", "error", _problem_text(p), "see rlhf validate") for p in problems]
    if problems:
        return findings
    first_url: dict[str, str] = {}
    titles: dict[str, tuple[NearIndex, list[str]]] = {}  # kind -> (normalised titles, ids)
    for entry in entries:
        url = entry.url
        if url:
            other = first_url.setdefault(work_key(url), entry.id)
            if other != entry.id:
                message = f"entries '{other}' and '{entry.id}' have the same link {url}"
                findings.append(Finding("catalogue", None, "duplicate-url", "error", message, "merge them"))
        title = _normal_title(entry.display_name)
        index, ids = titles.setdefault(entry.KIND, (NearIndex(), []))
        close = index.near(title)
        if close:
            message = f"entries '{ids[close[0]]}' and '{entry.id}' have near-identical titles"
            findings.append(Finding("catalogue", None, "duplicate-title", "warning", message, "merge them"))
        index.add(title)
        ids.append(entry.id)
    return findings


def _problem_text(problem: object) -> str:
    text = str(problem)
    return text.split(": ", 1)[1] if ": " in text else text


def _link_defects(text: str, links: list[Link]) -> list[Defect]:
    defects = []
    for number, line in enumerate(text.splitlines(), 1):
        if re.search(r"\]\(\s+\S|\]\(\S+\s+\)", line):
            defects.append(
                Defect(number, "malformed-link", "warning", "space inside a link's parentheses", "remove it")
            )
    for link in links:
        url = link.url
        if not url or url.startswith("#") or link.image:
            continue
        if not re.match(r"^https?://", url, re.I):
            hint = "link to the full http(s) address"
            defects.append(Defect(link.line, "non-http-link", "warning", f"link '{url}' is not http(s)", hint))
        elif re.search(r"arxiv\.org/abs/[^/]+\.pdf$", url, re.I):
            hint = "use arxiv.org/abs/ID or arxiv.org/pdf/ID"
            defects.append(Defect(link.line, "malformed-link", "warning", f"'{url}' mixes /abs/ with .pdf", hint))
    return defects


def _same_work(title: str, other: str) -> bool:
    from rapidfuzz import fuzz

    return fuzz.token_set_ratio(_normal_title(title), _normal_title(other)) >= 80


def _normal_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", title.casefold()).split())


def _duplicate_urls(items: list[Item]) -> list[Defect]:
    first: dict[str, Item] = {}
    defects = []
    for item in items:
        if not item.url:
            continue
        key = work_key(item.url)
        seen = first.setdefault(key, item)
        if seen is item or _normal_title(seen.title) == _normal_title(item.title):
            continue
        if _same_work(seen.title, item.title):  # "Kimi K 1.5: ..." and "Kimi k1.5: ...": one paper twice
            message = f"'{item.title}' is listed again (same link as '{seen.title}', line {seen.line})"
            defects.append(Defect(item.line, "duplicate-title", "warning", message, "keep one item and merge them"))
        else:
            message = f"'{item.title}' has the same link as '{seen.title}' (line {seen.line})"
            hint = "give each item its own link"
            defects.append(Defect(item.line, "duplicate-url", "error", message, hint))
    return defects


def _duplicate_titles(items: list[Item]) -> list[Defect]:
    defects = []
    by_kind: dict[str, tuple[NearIndex, list[Item]]] = {}  # titles indexed, so a long list is not quadratic
    for item in items:
        title = _normal_title(item.title)
        index, seen = by_kind.setdefault(item.kind, (NearIndex(), []))
        close = index.near(title)
        if close:
            other = seen[close[0]]
            same = "the same title" if title == index.titles[close[0]] else "a near-identical title"
            message = f"'{item.title}' has {same} as line {other.line}"
            defects.append(Defect(item.line, "duplicate-title", "warning", message, "keep one item and merge them"))
        index.add(title)
        seen.append(item)
    return defects


def _year_mismatches(items: list[Item]) -> list[Defect]:
    defects = []
    for item in items:
        if item.kind != "paper" or item.arxiv is None or item.heading is None:
            continue
        year = arxiv_year(item.arxiv)
        if year is None:  # not reached: Item.arxiv gives only ids with a year
            continue
        years, open_ended = heading_years(item.heading)  # "2024 & Earlier" holds 2023 too
        if not years:
            continue
        fits = year <= years[0] if open_ended else year in years
        if not fits:
            message = f"'{item.title}' is filed under '{item.heading}' but its arXiv id {item.arxiv} is from {year}"
            defects.append(Defect(item.line, "year-mismatch", "error", message, f"move it to the {year} section"))
    return defects


def _dataset_spellings(items: list[Item]) -> list[Defect]:
    by_url: dict[str, dict[str, int]] = {}
    by_name: dict[str, dict[str, int]] = {}
    for item in items:
        for dataset in item.datasets:
            name = dataset.text.strip()
            if dataset.url:
                by_url.setdefault(work_key(dataset.url), {}).setdefault(name, dataset.line)
            by_name.setdefault(re.sub(r"[^\w]", "", name.casefold()), {}).setdefault(name, dataset.line)
    defects = []
    reported: set[frozenset[str]] = set()
    for groups in (by_url, by_name):
        for names in groups.values():
            if len(names) > 1 and frozenset(names) not in reported:
                reported.add(frozenset(names))
                (first, _), *others = sorted(names.items(), key=lambda pair: pair[1])
                for name, line in others:
                    message = f"dataset '{name}' looks like '{first}' spelled differently"
                    defects.append(Defect(line, "dataset-spelling", "warning", message, f"write it as '{first}'"))
    return defects

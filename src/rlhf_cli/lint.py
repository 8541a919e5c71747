"""Find the defects real awesome lists have, each with a line, a rule, a severity and a fix hint.

Rules: malformed-item, empty-link, missing-link, malformed-link, non-http-link, duplicate-url,
duplicate-title, year-mismatch, dataset-spelling. For a catalogue (TOML) the same duplicate checks run on its
entries, after every problem `rlhf validate` would report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .awesome import ARXIV_URL, Defect, Item, Link, near_identical, parse


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
    defects += _link_defects(text, parsed.links)
    defects += _duplicate_urls(parsed.items)
    defects += _duplicate_titles(parsed.items)
    defects += _year_mismatches(parsed.items)
    defects += _dataset_spellings(parsed.items)
    findings = [Finding(path, d.line, d.rule, d.severity, d.message, d.hint) for d in defects]
    return sorted(findings, key=lambda f: (f.line or 0, f.rule))


def lint_catalogue(paths: list[Path]) -> list[Finding]:
    """Every validation problem, then links and titles that two entries share."""
    from .loader import check, load

    problems = check(paths)
    findings = [Finding(p.file, p.line, "schema", "error", _problem_text(p), "see rlhf validate") for p in problems]
    if problems:
        return findings
    catalogue = load(paths)
    first_url: dict[str, str] = {}
    titles: list[tuple[str, str, str]] = []  # (kind, normalised title, id)
    for entry in catalogue.entries:
        url = getattr(entry, "url", None)
        if url:
            other = first_url.setdefault(_normal_url(url), entry.id)
            if other != entry.id:
                message = f"entries '{other}' and '{entry.id}' have the same link {url}"
                findings.append(Finding("catalogue", None, "duplicate-url", "error", message, "merge them"))
        title = _normal_title(entry.display_name)
        for kind, other_title, other_id in titles:
            if kind == entry.KIND and near_identical(title, other_title):
                message = f"entries '{other_id}' and '{entry.id}' have near-identical titles"
                findings.append(Finding("catalogue", None, "duplicate-title", "warning", message, "merge them"))
                break
        titles.append((entry.KIND, title, entry.id))
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


def _normal_url(url: str) -> str:
    match = ARXIV_URL.search(url)
    if match:  # abs and pdf links, with or without a version, are the same paper
        return f"arxiv:{match.group(1)}"
    return url.split("://", 1)[-1].rstrip("/").casefold()


def _normal_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", title.casefold()).split())


def _duplicate_urls(items: list[Item]) -> list[Defect]:
    first: dict[str, Item] = {}
    defects = []
    for item in items:
        if not item.url:
            continue
        key = _normal_url(item.url)
        seen = first.setdefault(key, item)
        if seen is not item and _normal_title(seen.title) != _normal_title(item.title):
            message = f"'{item.title}' has the same link as '{seen.title}' (line {seen.line})"
            hint = "give each item its own link"
            defects.append(Defect(item.line, "duplicate-url", "error", message, hint))
    return defects


def _duplicate_titles(items: list[Item]) -> list[Defect]:
    defects = []
    seen: list[tuple[str, Item]] = []
    for item in items:
        title = _normal_title(item.title)
        for other_title, other in seen:
            if other.kind == item.kind and near_identical(title, other_title):
                same = "the same title" if title == other_title else "a near-identical title"
                message = f"'{item.title}' has {same} as line {other.line}"
                defects.append(Defect(item.line, "duplicate-title", "warning", message, "keep one item and merge them"))
                break
        seen.append((title, item))
    return defects


def _year_mismatches(items: list[Item]) -> list[Defect]:
    defects = []
    for item in items:
        if item.kind != "paper" or item.arxiv is None or item.heading is None:
            continue
        year = 2000 + int(item.arxiv[:2])
        heading_years = [int(y) for y in re.findall(r"\d{4}", item.heading)]
        if not heading_years:
            continue
        open_ended = "before" in item.heading.casefold() or "之前" in item.heading
        fits = year <= heading_years[0] if open_ended else year in heading_years
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
                by_url.setdefault(_normal_url(dataset.url), {}).setdefault(name, dataset.line)
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

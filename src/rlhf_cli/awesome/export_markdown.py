"""Write the catalogue back out as an awesome list, in the layout `awesome.py` reads.

Text is escaped so that nothing in a title or keyword can break a link, a list item or the
comma-separated lines: `rlhf import` of the output gives back the same titles, links, keywords,
code and datasets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..catalogue.catalog import Catalogue
from ..catalogue.models import Blog, Book, Codebase, Dataset, Paper
from ..output.render import markdown_url, visible

HEADINGS = {
    "en": {
        "title": "Awesome RLHF (RL with Human Feedback)",
        "contents": "Table of Contents",
        "paper": "Papers",
        "codebase": "Codebases",
        "dataset": "Dataset",
        "blog": "Blogs",
        "book": "Books",
        "older": "2020 and before",
    },
    "zh": {
        "title": "人类反馈强化学习(RLHF)",
        "contents": "目录",
        "paper": "论文",
        "codebase": "代码库",
        "dataset": "数据集",
        "blog": "博客",
        "book": "书籍",
        "older": "2020 and before",
    },
}
OLDEST_OWN_SECTION = 2021  # earlier papers share one section, as in the lists
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def export(catalogue: Catalogue, language: str = "en") -> str:
    words = HEADINGS[language]
    # Only datasets described in their own right get an item; the rest appear where they are used.
    described = [d for d in catalogue.datasets if d.keywords or d.tasks or d.authors or d.summary]
    sections = [
        ("paper", _papers(catalogue, words["older"])),
        ("codebase", [_codebase(c, catalogue) for c in catalogue.codebases]),
        ("dataset", [_dataset(d, catalogue) for d in described]),
        ("blog", [_blog(b) for b in catalogue.blogs]),
        ("book", [_book(b) for b in catalogue.books]),
    ]
    present = [(kind, lines) for kind, lines in sections if lines]
    out = [f"# {words['title']}", "", f"## {words['contents']}", ""]
    out += [f"- [{words[kind]}](#{_anchor(words[kind])})" for kind, _ in present]
    for kind, lines in present:
        out += ["", f"## {words[kind]}", "", *lines]
    return "\n".join(out).rstrip() + "\n"


def _papers(catalogue: Catalogue, older: str) -> list[str]:
    papers = sorted(catalogue.papers, key=lambda p: -p.year)
    lines: list[str] = []
    heading = None
    for paper in papers:
        section = str(paper.year) if paper.year >= OLDEST_OWN_SECTION else older
        if section != heading:
            lines += ["", f"### {section}", ""] if lines else [f"### {section}", ""]
            heading = section
        lines += _paper(paper, catalogue)
    return lines


def _paper(paper: Paper, catalogue: Catalogue) -> list[str]:
    short = f" ({_text(paper.short_name)})" if paper.short_name else ""
    return [f"- {_link(paper.title, paper.url)}{short}", *_details(paper, catalogue)]


def _codebase(codebase: Codebase, catalogue: Catalogue) -> str:
    return "\n".join([f"- {_link(codebase.name, codebase.url)}", *_details(codebase, catalogue)])


def _dataset(dataset: Dataset, catalogue: Catalogue) -> str:
    return "\n".join([f"- {_link(dataset.name, dataset.url)}", *_details(dataset, catalogue)])


def _details(entry: Paper | Codebase | Dataset, catalogue: Catalogue) -> list[str]:
    """The sub-items under an item: authors, then Keyword, Task, Code, Dataset and Env lines."""
    lines = _authors(entry.authors, entry.authors_et_al, entry.authors_org)
    if entry.keywords:
        lines.append(f"  - Keyword: {_joined(entry.keywords)}")
    if entry.tasks:
        lines.append(f"  - Task: {_joined(entry.tasks)}")
    if entry.code:
        code = ", ".join(_link("official" if link.official else "third party", link.url) for link in entry.code)
        lines.append(f"  - Code: {code}")
    datasets = catalogue.datasets_of(entry)  # a paper's or codebase's
    if datasets:
        lines.append("  - Dataset: " + ", ".join(_dataset_link(d) for d in datasets))
    envs = catalogue.envs_of(entry)
    if envs:
        lines.append(f"  - Env: {_joined(e.display_name for e in envs)}")
    return lines


def _blog(blog: Blog) -> str:
    return f"- [{_text(blog.publisher)}] {_link(blog.title, blog.url)}"


def _book(book: Book) -> str:
    return f"- {_link(book.title, book.url)}"


def _authors(authors: list[str], et_al: bool, organisation: str | None) -> list[str]:
    names = [_text(name.replace(",", " ")) for name in authors]
    if et_al:
        names.append("et al.")
    if organisation and names:
        return [f"  - {_text(organisation.replace(':', ' '))}: {', '.join(names)}"]
    if organisation:
        return [f"  - {_text(organisation)}"]
    return [f"  - {', '.join(names)}"] if names else []


def _dataset_link(dataset: Dataset) -> str:
    return _link(dataset.name, dataset.url) if dataset.url else _text(dataset.name)


def _link(text: str, url: str | None) -> str:
    """[text](url), or the text alone where there is no link (writing "()" would be a defect)."""
    return f"[{_text(text)}]({_url(url)})" if url else _text(text)


def _url(url: str) -> str:
    """One link target, whatever the URL holds (see render.markdown_url)."""
    return markdown_url(url)


def _text(text: str) -> str:
    """One line, with controls shown as escapes and the characters that Markdown or the list
    layout would read escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(visible(text).split()))


def _joined(items: Iterable[str]) -> str:
    """Comma-separated items (an item that holds a comma itself reads back as two: the layout
    has no way to say otherwise)."""
    return ", ".join(_text(item) for item in items)


def _anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.casefold()).replace(" ", "-")

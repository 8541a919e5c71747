"""Read "awesome list" Markdown in the layouts real lists use, from markdown-it-py's tokens.

Layouts recognised (one list may mix them):

- link line + sub-items (opendilab awesome-RLHF / awesome-RLVR, louieworth, awesome-RLAIF):
      - [title](link) (ShortName | Venue YYYY | arXiv)  or  - [Publisher] [title](link)  (blogs)
        - author1, author2, et al.          or  - Authors: ...   or  - Author1, Author2. Venue, Year.
        - Keyword: / Key: / Tags: a, b      - Code: [official](link)   - Links: [Code](link), ...
        - Dataset: [name](link), ...        - Env: / ExpEnv: Atari, MuJoCo
  a shields.io badge after the link (`![](https://img.shields.io/badge/ICLR'24-blue)`) gives the venue;
- a `*` item with a plain-text title: `* Title. Venue YYYY, [[pdf]](url)` (xie-lab);
- Markdown tables with columns such as Date, Name, Title, Paper, Github / Project (TsinghuaC3I,
  awesome-RLVR codebases): the URL behind a badge link is taken, never the badge.

Prose is never read: `<details>` blocks (abstracts), descriptions, table Description columns.
Headings name the kind of entry their items become (Papers, Codebases, Datasets, Blogs, Books and
the Chinese names); the headings below that one (or all from level 2 when none names a kind) are
each item's `categories`. Outside a section that names a kind only the unmistakable layouts (pdf
items, tables with Title and Paper columns) are items, so tables of contents and news are not.

`parse` keeps every line number, notes the defects it meets (for `lint`) and the item-like lines
it could not read; it never fails on odd input. The text is parsed in chunks of top-level blocks,
so memory stays bounded and time linear in the number of items; lines longer than MAX_LINE
characters are not read at all (reported), so one huge line cannot cost gigabytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..catalogue.identifiers import arxiv_year, normal_url

if TYPE_CHECKING:
    from markdown_it.token import Token

# Section headings, and the kind of entry their items become.
SECTIONS = {
    "papers": "paper",
    "paper list": "paper",
    "论文": "paper",
    "reports": "paper",
    "surveys & tutorials": "paper",
    "codebases": "codebase",
    "代码库": "codebase",
    "open source software/implementations": "codebase",
    "dataset": "dataset",
    "datasets": "dataset",
    "数据集": "dataset",
    "blogs": "blog",
    "博客": "blog",
    "related blogs": "blog",
    "blogs/talks/reports": "blog",
    "talks": "blog",
    "books": "book",
    "书籍": "book",
}
MAX_LINE = 100_000
# Lines per chunk handed to markdown-it at once (cut only between top-level blocks).
_CHUNK_LINES = 2_000
# [text](url): the URL may hold one level of parentheses, and stray spaces inside are tolerated.
LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(\s*((?:[^()\s]|\([^()\s]*\))*)\s*\)")
ESCAPED = re.compile(r"\\([\\`*_\[\]<>|#~()])")
LABEL = re.compile(
    r"^(Keywords?|Key|Tags?|Code|Datasets?|ExpEnv|Env|Environments?|Tasks?|Authors?|Links?"
    r"|关键词|代码|数据集|环境|任务|作者)\s*[:;\uff1a]\s*(.*)$",
    re.I | re.S,
)
ARXIV_URL = re.compile(r"(?:arxiv\.org|alphaxiv\.org)/(?:abs|pdf|html)/(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?", re.I)
DOI_URL = re.compile(r"(?:doi\.org/|/doi/(?:abs/|full/|pdf/)?)(10\.\d{4,9}/[^\s?#]+)", re.I)
OPENREVIEW_URL = re.compile(r"openreview\.net/(?:forum|pdf)\?(?:[^#]*&)?id=([\w-]+)", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_BADGE = re.compile(r"img\.shields\.io/badge/([^/?]+?)-[0-9A-Za-z]+(?:\.svg)?(?:\?|$)", re.I)
# The first word of a parenthesis after a title that gives a venue or a kind of work, not a name.
_VENUE_WORDS = {
    "acl", "aaai", "aistats", "blog", "colm", "corl", "cvpr", "eccv", "emnlp", "iccv", "iclr", "icml",
    "ijcai", "lecture", "naacl", "nature", "neurips", "science", "slides", "talk", "tmlr", "tpami", "tutorial",
    "workshop", "berkeley", "icra", "iros", "kdd", "www", "sigir", "coling", "jmlr", "uai",
}  # fmt: skip
_NOT_A_NAME = {"arxiv", "preprint", "paper", "pdf", "code", "blog", "link", "technical report", "survey", "newsletter"}
_PDF_TEXT = {"pdf", "[pdf]", "paper", "[paper]", "arxiv", "[arxiv]"}
_TABLE_COLUMNS = {
    "title": ("title", "paper title"),
    "name": ("name", "project", "method", "model"),
    "date": ("date", "year", "time"),
    "paper": ("paper", "link", "pdf", "arxiv", "url"),
    "code": ("github", "code", "repo", "repository"),
}
# Titles within this many edits of each other, and at least this long, are taken for the same.
NEAR_DUPLICATE_EDITS = 2
NEAR_DUPLICATE_LENGTH = 25
_ORGANISATION_WORDS = re.compile(
    r"\b(?:University|Universit\w+|Lab|Labs|Laboratory|Institute|Research|Team|AI|DeepMind|Google|OpenAI|Meta|"
    r"Microsoft|Academy|College|Inc|Group|Alibaba|Tencent|ByteDance|Anthropic|NVIDIA|Amazon|Apple|Baidu|Huawei)\b"
)
KNOWN_ORGANISATIONS = {"anthropic", "openai", "meta ai", "meta", "deepmind", "google", "microsoft", "ibm", "openrlhf"}


@dataclass(slots=True)
class Link:
    text: str
    url: str
    line: int
    image: bool = False  # ![alt](src)


@dataclass(slots=True)
class Item:
    kind: str  # paper, codebase, dataset, blog, book
    line: int
    title: str
    url: str
    heading: str | None = None  # the innermost heading the item is filed under, as written
    short_name: str | None = None
    publisher: str | None = None  # for blogs: the bracketed source
    authors: list[str] = field(default_factory=list)
    authors_et_al: bool = False
    authors_org: str | None = None
    keywords: list[str] = field(default_factory=list)
    code: list[Link] = field(default_factory=list)  # text is "official", "third party", ...
    datasets: list[Link] = field(default_factory=list)  # url may be "" for a name without a link
    envs: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    venue: str | None = None  # "ICLR 2024", as the list states it
    year: int | None = None  # a year the item's own line states (a venue year, a date column)
    categories: str | None = None  # the heading path, "Policy Optimization > Critic-Free Algorithms"
    layout: str = "link"  # link, pdf, table, bibtex
    env_line: int | None = None  # the line of its Env/ExpEnv sub-item
    task_line: int | None = None  # the line of its Task sub-item
    fill_note: str | None = None  # what another list (a BibTeX file) filled in, for the entry's notes

    @property
    def arxiv(self) -> str | None:
        """The new-style arXiv id in the link, if it is one that can exist (`arxiv_year`)."""
        match = ARXIV_URL.search(self.url)
        return match.group(1) if match and arxiv_year(match.group(1)) is not None else None

    @property
    def keys(self) -> list[str]:
        """Identifiers of the work in the item's link, strongest first: arXiv id, DOI, OpenReview id."""
        return identifiers(self.url)


@dataclass(slots=True)
class Defect:
    """Something wrong in the Markdown itself, met while parsing."""

    line: int
    rule: str
    severity: str  # "error" or "warning"
    message: str
    hint: str


@dataclass(slots=True)
class Parsed:
    items: list[Item]
    defects: list[Defect]
    links: list[Link]  # every Markdown link in the file, for checks on URLs
    unread: list[tuple[int, str]] = field(default_factory=list)  # item-like lines not understood
    first_lines: list[tuple[int, str]] = field(default_factory=list)  # the first non-blank lines


def identifiers(url: str) -> list[str]:
    keys = []
    if match := ARXIV_URL.search(url):
        keys.append(f"arxiv:{match.group(1)}")
    if match := DOI_URL.search(url):
        keys.append(f"doi:{match.group(1).rstrip('.').casefold()}")
    if match := OPENREVIEW_URL.search(url):
        keys.append(f"openreview:{match.group(1)}")
    return keys


def work_key(url: str) -> str:
    """One key for the links of one work: its strongest identifier (abs, pdf, html and alphaxiv
    links, with or without a version, are one paper), else the link in its form for comparing
    (identifiers.normal_url: `www.`, case or a trailing slash make no other work)."""
    keys = identifiers(url)
    return keys[0] if keys else normal_url(url)


def parse(text: str) -> Parsed:
    """Items, defects and links of the Markdown `text`."""
    return _Reader().read(text)


def split_list(text: str) -> list[str]:
    """Items of a comma-separated line (also full-width commas and semicolons), trimmed."""
    parts = re.split(r"[,，;；]", text)
    cleaned = (" ".join(part.split()).rstrip(".。").strip() for part in parts)
    return [part for part in cleaned if part]


def unescape(text: str) -> str:
    """Undo Markdown backslash escapes of punctuation."""
    return ESCAPED.sub(r"\1", text)


def heading_years(heading: str | None) -> tuple[list[int], bool]:
    """The years a section heading names, and whether it is open-ended ("2020 and before",
    "2024 & Earlier"). A heading that is not about years ("Qwen 2025 models") names none."""
    if not heading:
        return [], False
    lowered = heading.casefold()
    open_ended = bool(re.search(r"before|earlier|older|prior|之前|以前", lowered))
    rest = re.sub(r"(19|20)\d{2}|before|earlier|older|prior|and|or|之前|以前|年|[\s&,\-–/~.]", "", lowered)
    if rest:
        return [], False
    return [int(y) for y in _YEAR.findall(lowered)], open_ended


class _Reader:
    """One pass over a list: headings, items and sub-items, in order."""

    def __init__(self) -> None:
        from markdown_it import MarkdownIt

        self.md = MarkdownIt("commonmark").enable("table")
        self.items: list[Item] = []
        self.defects: list[Defect] = []
        self.links: list[Link] = []
        self.unread: list[tuple[int, str]] = []
        self.first_lines: list[tuple[int, str]] = []
        self.headings: list[tuple[int, str, str | None]] = []  # (level, text, kind it names)
        self.lines: list[str] = []

    def read(self, text: str) -> Parsed:
        text = text.removeprefix("\ufeff")
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            if len(line) > MAX_LINE:
                hint = "split it; a list line this long is not an item"
                message = f"line of {len(line):,} characters not read"
                self.defects.append(Defect(number, "line-too-long", "error", message, hint))
                lines[number - 1] = ""
            elif re.match(r"^-\[", line):
                hint = "write '- [' with a space, or Markdown will not show it as a list item"
                self.defects.append(
                    Defect(number, "malformed-item", "error", "list item without a space after '-'", hint)
                )
                lines[number - 1] = "- " + line[1:]
            if len(self.first_lines) < 3 and lines[number - 1].strip():
                self.first_lines.append((number, lines[number - 1].strip()[:120]))
        self.lines = lines
        for start, chunk in _chunks(lines):
            self._tokens(self.md.parse("\n".join(chunk) + "\n"), start)
        return Parsed(self.items, self.defects, self.links, self.unread, self.first_lines)

    # ---------------------------------------------------------------- structure

    def _section(self) -> tuple[str | None, str | None, str | None]:
        """The kind the current headings name, the category path, and the innermost heading."""
        kind, below = None, 0
        for index, (level, _text, named) in enumerate(self.headings):
            if named is None:
                continue
            # Under Papers, a sub-heading such as "Datasets" files papers about datasets.
            if kind == "paper" and level > 2:
                continue
            kind, below = named, index + 1
        path = [text for level, text, _ in self.headings[below:] if level >= 2]
        innermost = self.headings[-1][1] if self.headings and self.headings[-1][0] >= 2 else None
        return kind, " > ".join(path) or None, innermost

    def _tokens(self, tokens: list[Token], offset: int) -> None:
        index = 0
        depth = 0  # nesting of lists
        while index < len(tokens):
            token = tokens[index]
            if token.type == "heading_open":
                level = int(token.tag[1:])
                text = _heading_text(tokens[index + 1])
                self._links(tokens[index + 1], offset)
                self.headings = [h for h in self.headings if h[0] < level]
                self.headings.append((level, text, SECTIONS.get(text.casefold()) if level >= 2 else None))
                index += 3
                continue
            if token.type in ("bullet_list_open", "ordered_list_open"):
                depth += 1
            elif token.type in ("bullet_list_close", "ordered_list_close"):
                depth -= 1
            elif token.type == "list_item_open" and depth == 1 and token.markup in "-*+":  # numbered lists are notes
                end = _closing(tokens, index)
                self._list_item(tokens[index : end + 1], offset)
                index = end + 1
                continue
            elif token.type == "table_open":
                end = _closing(tokens, index)
                self._table(tokens[index : end + 1], offset)
                index = end + 1
                continue
            elif token.type == "inline":
                self._links(token, offset)
            index += 1

    def _links(self, inline: Token, offset: int) -> None:
        line = offset + (inline.map[0] if inline.map else 0) + 1
        for child in inline.children or []:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "link_open":
                self.links.append(Link("", str(child.attrs.get("href", "")), line))
            elif child.type == "image":
                self.links.append(Link(child.content, str(child.attrs.get("src", "")), line, image=True))

    # ---------------------------------------------------------------- list items

    def _list_item(self, tokens: list[Token], offset: int) -> None:
        """One top-level list item: its first paragraph is the item, its nested list the sub-items."""
        kind, categories, heading = self._section()
        inlines = [t for t in tokens if t.type == "inline"]
        for inline in inlines:
            self._links(inline, offset)
        first = next((t for t in tokens[1:4] if t.type == "inline"), None)
        if first is None or first.map is None:
            return
        number = offset + first.map[0] + 1
        item = self._item_line(kind, first, number)
        if item is None:
            if kind is not None and _looks_like_item(first):
                if self.items and _authors_line(first.content) and self.items[-1].line >= number - 3:
                    # "- Nathan Lambert, Hugging Face, 2022." at the item's own level: its author line.
                    hint = "indent it under its item"
                    self.defects.append(Defect(number, "malformed-item", "warning", "sub-line not indented", hint))
                else:
                    self.unread.append((number, first.content.splitlines()[0][:120]))
            return
        item.categories, item.heading = categories, heading
        self.items.append(item)
        # Sub-items: the inline of each list item one level down (html blocks, i.e. <details>, are skipped).
        depth = 0
        for position, token in enumerate(tokens):
            if token.type in ("bullet_list_open", "ordered_list_open"):
                depth += 1
            elif token.type in ("bullet_list_close", "ordered_list_close"):
                depth -= 1
            elif token.type == "list_item_open" and depth == 1:
                sub = next((t for t in tokens[position + 1 : position + 4] if t.type in ("inline", "html_block")), None)
                if sub is not None and sub.type == "inline" and sub.map is not None:
                    _sub_item(item, sub, offset + sub.map[0] + 1, self.defects)

    def _item_line(self, kind: str | None, inline: Token, number: int) -> Item | None:
        children = inline.children or []
        lead = ""
        position = 0
        while position < len(children) and children[position].type == "text":
            lead += children[position].content
            position += 1
        if position < len(children) and children[position].type == "link_open":
            text, end = _link_text(children, position)
            bracket = re.fullmatch(r"\s*\[([^\]]*)\]\s*", lead)
            if kind is not None and (not lead.strip() or bracket) and text.strip().casefold() not in _PDF_TEXT:
                return self._link_item(kind, children, position, end, text, bracket, number)
            if text.strip().casefold() in _PDF_TEXT and lead.strip():
                return self._pdf_item(kind, lead, str(children[position].attrs.get("href", "")), number)
        if kind is None:
            return None
        if not any(child.type == "link_open" for child in children):
            if _authors_line(inline.content) and self.items:
                return None  # an author line out of place: reported by the caller
            title = " ".join(_plain(children).split())
            defect = Defect(number, "missing-link", "warning", f"'{title}' has no link", "add [title](link)")
            self.defects.append(defect)
            return Item(kind, number, title, "")
        return None

    def _link_item(
        self, kind: str, children: list[Token], start: int, end: int, text: str, bracket: Any, number: int
    ) -> Item:
        url = str(children[start].attrs.get("href", "")).strip()
        title = " ".join(text.split())
        if not url:
            self.defects.append(Defect(number, "empty-link", "error", f"'{title}' has an empty link", "add its URL"))
        publisher = bracket.group(1).strip() if bracket and kind == "blog" else None
        item = Item(kind, number, title, url, publisher=publisher)
        after = children[end + 1 :]
        rest = _plain([c for c in after if c.type not in ("softbreak", "hardbreak")]).strip()
        rest = rest.lstrip(".|,: ").strip()
        paren = re.match(r"^\(([^)]+)\)", rest)
        if paren:
            value = paren.group(1).strip()
            if kind == "paper" and re.search(r"\b(?:blog|lecture|talk|tutorial|slides|newsletter)\b", value, re.I):
                item.kind = "blog"  # "(Berkeley Lecture 2025)", "(Blog 2025)": reading, not a paper
            if _is_venue(value):
                item.venue = value if not value.casefold().startswith("arxiv") else None
                years = _YEAR.findall(value)
                item.year = int(years[-1]) if years else None
            elif value.casefold() not in _NOT_A_NAME:
                item.short_name = value
        for child in after:
            if child.type == "image" and (badge := _badge_venue(str(child.attrs.get("src", "")))):
                item.venue, item.year = badge
        return item

    def _pdf_item(self, kind: str | None, lead: str, url: str, number: int) -> Item:
        """`Title. Venue YYYY, [[pdf]](url)`: the title, then a venue ending in its year."""
        text = " ".join(lead.split()).rstrip(" ,")
        match = re.match(r"^(?P<title>.+)[.,]\s+(?P<venue>[^.,]*?(?:19|20)\d{2}[^.,]*?)$", text)
        item = Item(kind or "paper", number, text.rstrip("."), url.strip(), layout="pdf")
        if match:
            item.title = match.group("title").strip()
            venue = match.group("venue").strip()
            item.year = int(_YEAR.findall(venue)[-1])
            item.venue = None if venue.casefold().startswith("arxiv") else venue
        return item

    # ---------------------------------------------------------------- tables

    def _table(self, tokens: list[Token], offset: int) -> None:
        kind, categories, heading = self._section()
        rows: list[tuple[int, list[Token]]] = []
        for position, token in enumerate(tokens):
            if token.type == "tr_open" and token.map is not None:
                cells = []
                for cell in tokens[position + 1 :]:
                    if cell.type == "tr_close":
                        break
                    if cell.type == "inline":
                        cells.append(cell)
                        self._links(cell, offset)
                rows.append((offset + token.map[0] + 1, cells))
        if not rows:
            return
        header = [_heading_text(cell).casefold() for cell in rows[0][1]]
        columns = {
            name: next((i for i, text in enumerate(header) if text in names), None)
            for name, names in _TABLE_COLUMNS.items()
        }
        strong = columns["title"] is not None and columns["paper"] is not None
        if kind is None and not strong:
            return
        if kind is None:
            kind = "paper"
        if columns["title"] is None and columns["name"] is None:
            self.unread.extend((number, "table row without a Title or Name column") for number, _ in rows[1:2])
            return
        for number, cells in rows[1:]:
            item = self._row(kind, columns, cells, number)
            if item is None:
                self.unread.append((number, self.lines[number - 1][:120] if number <= len(self.lines) else ""))
                continue
            item.categories, item.heading = categories, heading
            self.items.append(item)

    def _row(self, kind: str, columns: dict[str, int | None], cells: list[Token], number: int) -> Item | None:
        def cell(name: str) -> Token | None:
            index = columns[name]
            return cells[index] if index is not None and index < len(cells) else None

        def text(name: str) -> str:
            token = cell(name)
            value = " ".join(_plain(token.children or []).split()) if token is not None else ""
            return "" if value in ("-", "–", "—") else value

        def href(name: str) -> str:
            token = cell(name)
            link = next((c for c in (token.children or []) if c.type == "link_open"), None) if token else None
            url = str(link.attrs.get("href", "")).strip() if link is not None else ""
            return url if re.match(r"^https?://", url, re.I) else ""  # a broken link is no link

        title, name = text("title"), text("name")
        paper_url = href("paper") or (href("title") if columns["title"] is not None else "")
        code_url = href("code")
        if not paper_url and columns["paper"] is None:
            paper_url = href("name")
        if not title and not name:
            return None
        item_kind = kind
        badge = cell("paper")
        alt = next((c.content for c in (badge.children or []) if c.type == "image"), "") if badge else ""
        if kind == "paper" and paper_url and alt.casefold() == "blog":
            item_kind = "blog"  # the Paper column's badge says the link is a blog post
        if not paper_url:
            if not code_url:
                return None
            item_kind, paper_url = "codebase", code_url  # a row with code and no paper is the code
        # Code is named by its Name column ("RLinf"); its Title is the paper's, which may come later.
        item = Item(item_kind, number, (name or title) if item_kind == "codebase" else (title or name), paper_url)
        item.layout = "table"
        if name and title and name.casefold() != title.casefold() and item_kind != "codebase":
            item.short_name = name
        if code_url and code_url != paper_url:
            item.code.append(Link("official", code_url, number))
        date = _YEAR.search(text("date"))
        item.year = int(date.group(1)) if date else None
        return item


def _chunks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Runs of about _CHUNK_LINES lines, cut only where a top-level block (a heading or a
    list item at column 0) starts, outside code fences and tables."""
    start, in_fence = 0, False
    for number, line in enumerate(lines):
        if line.startswith(("```", "~~~")):
            in_fence = not in_fence
        if number - start < _CHUNK_LINES or in_fence:
            continue
        if line.startswith("#") or re.match(r"^[-*+] ", line):
            yield start, lines[start:number]
            start = number
    yield start, lines[start:]


def _closing(tokens: list[Token], index: int) -> int:
    """The index of the token that closes the one at `index`."""
    opening = tokens[index]
    closing = opening.type.replace("_open", "_close")
    level = opening.level
    for position in range(index + 1, len(tokens)):
        if tokens[position].type == closing and tokens[position].level == level:
            return position
    return len(tokens) - 1


def _plain(children: list[Token]) -> str:
    """Inline tokens as plain text: link text kept, images and HTML dropped, breaks as spaces."""
    out = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


def _heading_text(inline: Token) -> str:
    text = " ".join(_plain(inline.children or []).split())
    return re.sub(r"^[^\w(\[]+", "", text).strip()  # "📄 Paper List" -> "Paper List"


def _link_text(children: list[Token], start: int) -> tuple[str, int]:
    """The text of the link opened at `start`, and the index of its link_close."""
    depth, end = 0, start
    for end in range(start, len(children)):
        if children[end].type == "link_open":
            depth += 1
        elif children[end].type == "link_close":
            depth -= 1
            if depth == 0:
                break
    return _plain(children[start + 1 : end]), end


def _is_venue(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.casefold())
    return bool(_YEAR.search(text)) or bool(words and words[0] in _VENUE_WORDS)


def _badge_venue(src: str) -> tuple[str | None, int | None] | None:
    """`img.shields.io/badge/ICLR'24-blue` -> ("ICLR 2024", 2024); an arXiv badge names no venue."""
    match = _BADGE.search(src)
    if match is None:
        return None
    label = unquote(match.group(1)).replace("_", " ").replace("--", "-").strip()
    if label.casefold().startswith("arxiv"):
        return None, None
    label = re.sub(r"\s*'(\d{2})\b", lambda match: f" 20{match.group(1)}", label)  # ICLR'24 -> ICLR 2024
    years = _YEAR.findall(label)
    return label, int(years[-1]) if years else None


def _looks_like_item(inline: Token) -> bool:
    return any(child.type == "link_open" for child in inline.children or []) or bool(inline.content.strip())


def _authors_line(text: str) -> bool:
    """ "Nathan Lambert, Hugging Face, 2022.": names and a year, no link."""
    return "](" not in text and bool(re.search(r"[,.]\s*(?:\w+\s+)?(?:19|20)\d{2}\.?\s*$", text))


def _sub_item(item: Item, inline: Token, number: int, defects: list[Defect]) -> None:
    children = inline.children or []
    text = " ".join(_plain(children).split())
    labelled = LABEL.match(text)
    if labelled is None:
        if not item.authors and not item.authors_org and item.kind != "blog":
            _authors(item, text)
        elif not item.keywords:  # some codebase items give keywords without the label
            item.keywords = split_list(text)
        return
    label = labelled.group(1).casefold()
    value = labelled.group(2)
    links = _links_of(children, number)
    if label.startswith(("keyword", "key", "tag", "关键词")):
        # A sentence ("Key: Uses binary, verifiable reward functions to ...") is prose, not keywords.
        sentence = label == "key" and value.rstrip().endswith(".") and len(value.split()) > 12
        item.keywords = [] if sentence else split_list(value)
    elif label.startswith(("author", "作者")):
        _authors(item, value)
    elif label.startswith(("code", "代码")):
        for link in links:
            if not link.url:
                hint = "add the code's URL or drop the link"
                defects.append(Defect(number, "empty-link", "error", f"empty {link.text} code link", hint))
            else:
                item.code.append(link)
    elif label.startswith("link"):
        item.code += [link for link in links if link.url and "code" in link.text.casefold()]
    elif label.startswith(("dataset", "数据集")):
        item.datasets += [Link(" ".join(link.text.split()), link.url, number) for link in links]
        for name in split_list(_without_links(children)):
            item.datasets.append(Link(name, "", number))
    elif label.startswith("expenv"):
        # Named benchmarks only ("MATH-500", "ScreenSpot"): an ExpEnv line also describes
        # ("math & code reasoning benchmarks", whole sentences), and prose is not a fact to copy.
        parts = [part.strip(" ()") for part in split_list(value)]
        item.envs = [p for p in parts if re.search(r"[A-Z0-9]", p) and len(p.split()) <= 3 and len(p) <= 30]
        item.env_line = number
    elif label.startswith(("env", "环境")):
        item.envs = split_list(value)
        item.env_line = number
    else:
        item.tasks = split_list(value) if len(value) < 80 else [value.strip()]
        item.task_line = number


def _links_of(children: list[Token], number: int) -> list[Link]:
    links = []
    for position, child in enumerate(children):
        if child.type == "link_open":
            text, _ = _link_text(children, position)
            links.append(Link(text.strip(), str(child.attrs.get("href", "")).strip(), number))
    return links


def _without_links(children: list[Token]) -> str:
    """The plain text of a labelled line after its label, links left out."""
    out, depth = [], 0
    for child in children:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        elif depth == 0 and child.type in ("text", "code_inline"):
            out.append(child.content)
    return re.sub(r"^[^:：;]*[:;：]", "", "".join(out), count=1)


def _authors(item: Item, text: str) -> None:
    text = " ".join(text.replace("*", "").split())
    # "Author1, Author2. arXiv, 2024." / "Author. NeurIPS 2023.": the venue and year the line states.
    stated = re.search(r"[,\s]\s*((?:19|20)\d{2})\.?\s*$", text)
    if stated:
        head = text[: stated.start()].rstrip(" ,")
        venue = head.rsplit(". ", 1)[1] if ". " in head else ""
        last = head.rsplit(",", 1)[1].strip() if "," in head else ""
        if venue and "," not in venue and len(venue) <= 40:
            head = head.rsplit(". ", 1)[0]
        elif last and (last.casefold() == "arxiv" or _is_venue(last)) and not _YEAR.search(last):
            venue, head = last, head.rsplit(",", 1)[0]  # "A, B, arXiv, 2023.": the venue after a comma
        else:
            venue = ""
        if venue and not venue.casefold().startswith("arxiv") and item.venue is None:
            item.venue = f"{venue} {stated.group(1)}"
        text = head.rstrip(" ,.")
        item.year = item.year or int(stated.group(1))
    organisation = re.search(r"\s*\(([^()]+)\)$", text)
    if organisation and not text.startswith("("):
        main = text[: organisation.start()].strip()
        if "," not in main and _ORGANISATION_WORDS.search(main):  # "DeepMind & UC Berkeley (Xinyun Chen)"
            item.authors_org, text = main, organisation.group(1).strip()
        else:  # "Daya Guo, Dejian Yang et al. (DeepSeek-AI)"
            item.authors_org, text = organisation.group(1).strip(), main
    if ":" in text:  # "ByteDance Seed MLSys Team & HKU: Guangming Sheng, ..."
        organisation_name, text = (part.strip() for part in text.split(":", 1))
        item.authors_org = organisation_name
    parts = [part.strip() for part in re.split(r",|\band\b", text) if part.strip()]
    if " and " in text and all(p.count(",") == 1 for p in text.split(" and ")):  # "Last, First and Last, First"
        parts = [" ".join(reversed([x.strip() for x in p.split(",")])) for p in text.split(" and ")]
    if parts and re.sub(r"\s+", " ", parts[-1].casefold()).rstrip(".") in ("et al", "etc"):
        item.authors_et_al = True
        parts = parts[:-1]
    elif parts and re.search(r"\s+et al\.?$", parts[-1]):
        item.authors_et_al = True
        parts[-1] = re.sub(r"\s+et al\.?$", "", parts[-1])
    if len(parts) == 1 and item.authors_org is None and parts[0].casefold() in KNOWN_ORGANISATIONS:
        item.authors_org = parts[0]
        return
    if parts and item.authors_org is None and all(_ORGANISATION_WORDS.search(part) for part in parts):
        item.authors_org = ", ".join(parts)  # "Peking University, DeepSeek-AI": labs, not people
        return
    item.authors = [" ".join(part.split()) for part in parts if part]


def near_identical(title: str, other: str) -> bool:
    """Two normalised titles that differ by a typo or two (not by a word added or dropped)."""
    from rapidfuzz.distance import OSA

    if title == other:
        return True
    # An added or dropped word ("... Learning" and "... Learning X") names something else, and
    # so does another number ("Llama 2", "Llama 3").
    same_words = len(title.split()) == len(other.split())
    same_shape = same_words and re.findall(r"\d+", title) == re.findall(r"\d+", other)
    long_enough = min(len(title), len(other)) >= NEAR_DUPLICATE_LENGTH
    return (
        same_shape
        and long_enough
        and OSA.distance(title, other, score_cutoff=NEAR_DUPLICATE_EDITS) <= NEAR_DUPLICATE_EDITS
    )


class NearIndex:
    """Titles seen so far, to find those within NEAR_DUPLICATE_EDITS edits of a new one without
    comparing it with all of them (so a list's duplicates are found in linear time).

    Near-identical titles have the same shape (word count and numbers), so only titles of one
    shape are compared. Each title is cut into NEAR_DUPLICATE_EDITS + 1 segments: two edits leave
    one segment whole, found at a position moved by at most two characters (the PassJoin method)."""

    def __init__(self) -> None:
        self.exact: dict[str, list[int]] = {}
        self.segments: dict[tuple[Any, ...], list[int]] = {}
        self.titles: list[str] = []

    def add(self, title: str) -> int:
        number = len(self.titles)
        self.titles.append(title)
        self.exact.setdefault(title, []).append(number)
        if len(title) >= NEAR_DUPLICATE_LENGTH:
            shape = _shape(title)
            for part, (start, end) in enumerate(_segments(len(title))):
                self.segments.setdefault((shape, len(title), part, title[start:end]), []).append(number)
        return number

    def near(self, title: str) -> list[int]:
        """Numbers of the titles added that are near-identical to `title`, in the order added."""
        found = set(self.exact.get(title, []))
        if len(title) >= NEAR_DUPLICATE_LENGTH:
            shape = _shape(title)
            for length in range(len(title) - NEAR_DUPLICATE_EDITS, len(title) + NEAR_DUPLICATE_EDITS + 1):
                if length < NEAR_DUPLICATE_LENGTH:
                    continue
                for part, (start, end) in enumerate(_segments(length)):
                    for shift in range(-NEAR_DUPLICATE_EDITS, NEAR_DUPLICATE_EDITS + 1):
                        if start + shift < 0:
                            continue
                        key = (shape, length, part, title[start + shift : end + shift])
                        found.update(self.segments.get(key, ()))
        return sorted(n for n in found if near_identical(title, self.titles[n]))


def _shape(title: str) -> tuple[int, tuple[str, ...]]:
    return len(title.split()), tuple(re.findall(r"\d+", title))


def _segments(length: int) -> list[tuple[int, int]]:
    count = NEAR_DUPLICATE_EDITS + 1
    size = length // count
    bounds = [part * size for part in range(count)] + [length]
    return [(bounds[part], bounds[part + 1]) for part in range(count)]

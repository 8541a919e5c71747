"""Read "awesome list" Markdown in the layout of the RLHF lists (Chinese and English editions).

    ## Papers / ## 论文          ### 2023 ... ### 2020 and before
    - [title](link) (ShortName)
      - author1, author2, et al.
      - Keyword: a, b
      - Code: [official](link), [third party](link)
      - Dataset: [name](link), ...
      - Env: Atari, MuJoCo
    ## Codebases / ## 代码库    ## Dataset    ## Blogs / ## 博客: - [Publisher] [title](link)
    ## Books

`parse` turns a list into `Item`s, keeping every line number, and notes the defects it meets on
the way (for `lint`); it never fails on odd input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Section headings of both editions, and the kind of entry their items become.
SECTIONS = {
    "papers": "paper",
    "论文": "paper",
    "codebases": "codebase",
    "代码库": "codebase",
    "dataset": "dataset",
    "datasets": "dataset",
    "数据集": "dataset",
    "blogs": "blog",
    "博客": "blog",
    "books": "book",
    "书籍": "book",
}
# [text](url): the URL may hold one level of parentheses, and stray spaces inside are tolerated.
LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(\s*((?:[^()\s]|\([^()\s]*\))*)\s*\)")
ESCAPED = re.compile(r"\\([\\`*_\[\]<>|#~()])")
ITEM = re.compile(r"^-\s*\[")
SUB_ITEM = re.compile(r"^\s+-\s?(.*)$")
LABEL = re.compile(
    r"^(Keywords?|Code|Datasets?|Env|Environments?|Tasks?|关键词|代码|数据集|环境|任务)\s*[:;\uff1a]\s*(.*)$", re.I
)
ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?", re.I)
# Titles within this many edits of each other, and at least this long, are taken for the same.
NEAR_DUPLICATE_EDITS = 2
NEAR_DUPLICATE_LENGTH = 25
KNOWN_ORGANISATIONS = {"anthropic", "openai", "meta ai", "deepmind", "google", "microsoft", "ibm", "openrlhf"}


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
    heading: str | None = None  # the year section a paper is filed under, as written
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

    @property
    def arxiv(self) -> str | None:
        match = ARXIV_URL.search(self.url)
        return match.group(1) if match else None


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


def parse(text: str) -> Parsed:
    items: list[Item] = []
    defects: list[Defect] = []
    links: list[Link] = []
    kind: str | None = None
    heading: str | None = None
    current: Item | None = None
    in_fence = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for match in LINK.finditer(line):
            image = match.start() > 0 and line[match.start() - 1] == "!"
            links.append(Link(match.group(1), match.group(2), number, image))
        if line.startswith("## "):
            kind = SECTIONS.get(line[3:].strip().casefold())
            heading, current = None, None
            continue
        if line.startswith("### "):
            heading, current = line[4:].strip(), None
            continue
        if kind is None:
            continue
        if ITEM.match(line) or line.startswith("- "):
            if not line.startswith("- "):
                hint = "write '- [' with a space, or Markdown will not show it as a list item"
                defects.append(Defect(number, "malformed-item", "error", "list item without a space after '-'", hint))
            current = _item(kind, heading, line, number, defects)
            items.append(current)
            continue
        sub = SUB_ITEM.match(line)
        if sub and current is not None:
            _sub_item(current, sub.group(1).strip(), number, defects)
    return Parsed(items, defects, links)


def split_list(text: str) -> list[str]:
    """Items of a comma-separated line (also full-width commas and semicolons), trimmed."""
    parts = re.split(r"[,，;；]", text)
    cleaned = (" ".join(part.split()).rstrip(".。").strip() for part in parts)
    return [part for part in cleaned if part]


def _item(kind: str, heading: str | None, line: str, number: int, defects: list[Defect]) -> Item:
    links = list(LINK.finditer(line))
    if not links:
        title = unescape(line[1:].strip().removeprefix("[").strip())
        defects.append(Defect(number, "missing-link", "warning", f"'{title}' has no link", "add [title](link)"))
        return Item(kind, number, " ".join(title.split()), "", heading)
    publisher = None
    if kind == "blog" and len(links) == 1:
        bracket = re.match(r"^-\s*\[((?:\\.|[^\]\\])*)\]\s*\[", line)
        publisher = unescape(bracket.group(1)).strip() if bracket else None
    title_link = links[-1] if kind == "blog" else links[0]
    title, url = " ".join(unescape(title_link.group(1)).split()), title_link.group(2).strip()
    if not url:
        defects.append(Defect(number, "empty-link", "error", f"'{title}' has an empty link", "add its URL"))
    after = line[title_link.end() :]
    short = re.match(r"^\s*\(([^)]+)\)", after)
    return Item(kind, number, title, url, heading, short.group(1).strip() if short else None, publisher)


def _sub_item(item: Item, text: str, number: int, defects: list[Defect]) -> None:
    labelled = LABEL.match(text)
    if labelled is None:
        if not item.authors and not item.authors_org and item.kind != "blog":
            _authors(item, text)
        elif not item.keywords:  # some codebase items give keywords without the label
            item.keywords = split_list(_plain(text))
        return
    label, value = labelled.group(1).casefold(), labelled.group(2)
    if label.startswith(("keyword", "关键词")):
        item.keywords = split_list(_plain(value))
    elif label.startswith(("code", "代码")):
        for match in LINK.finditer(value):
            if not match.group(2).strip():
                hint = "add the code's URL or drop the link"
                defects.append(Defect(number, "empty-link", "error", f"empty {match.group(1)} code link", hint))
            else:
                item.code.append(Link(match.group(1).strip(), match.group(2).strip(), number))
    elif label.startswith(("dataset", "数据集")):
        for match in LINK.finditer(value):
            item.datasets.append(Link(" ".join(unescape(match.group(1)).split()), match.group(2).strip(), number))
        for name in split_list(LINK.sub("", value)):
            item.datasets.append(Link(name, "", number))
    elif label.startswith(("env", "环境")):
        item.envs = split_list(_plain(value))
    else:
        item.tasks = split_list(_plain(value)) if len(value) < 80 else [_plain(value).strip()]


def _authors(item: Item, text: str) -> None:
    text = " ".join(text.replace("*", "").split())
    if ":" in text:  # "ByteDance Seed MLSys Team & HKU: Guangming Sheng, ..."
        organisation, text = (part.strip() for part in text.split(":", 1))
        item.authors_org = organisation
    parts = [part.strip() for part in re.split(r",|\band\b", text) if part.strip()]
    if " and " in text and all(p.count(",") == 1 for p in text.split(" and ")):  # "Last, First and Last, First"
        parts = [" ".join(reversed([x.strip() for x in p.split(",")])) for p in text.split(" and ")]
    if parts and parts[-1].casefold().rstrip(".") in ("et al", "etc"):
        item.authors_et_al = True
        parts = parts[:-1]
    if len(parts) == 1 and item.authors_org is None and parts[0].casefold() in KNOWN_ORGANISATIONS:
        item.authors_org = parts[0]
        return
    item.authors = [" ".join(part.split()) for part in parts]


def _plain(text: str) -> str:
    """Markdown links reduced to their text, escapes undone."""
    return unescape(LINK.sub(lambda match: match.group(1), text))


def unescape(text: str) -> str:
    """Undo Markdown backslash escapes of punctuation."""
    return ESCAPED.sub(r"\1", text)


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

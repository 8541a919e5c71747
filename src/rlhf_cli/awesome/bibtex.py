"""Read a BibTeX file (a Zotero or BibTeX library, a list's reference.bib) as a list of paper items.

A small parser rather than a dependency: entries are `@type{key, field = {value} | "value" |
number | name, ...}` with nested braces, `#` concatenation and `@string` abbreviations;
`@comment`, `@preamble` and text between entries are skipped. Each entry becomes a paper item
(its line is the line of its `@`) with the title, authors ("Last, First and ..." read as
"First Last"; "and others" as et al.), year, venue, and a link from `url`, `doi` or an arXiv id
(`eprint`, or "arXiv:2312.10256" in `journal`). LaTeX braces and simple accents are undone.
"""

from __future__ import annotations

import re

from .reader import ARXIV_URL, Item, Parsed

_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "c": "\u0327", "=": "\u0304"}
_ARXIV_ID = re.compile(r"(?:arxiv[:\s]*)?(\d{4}\.\d{4,5})(?:v\d+)?", re.I)
_MONTHS = {m: m for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")}


class _Text:
    """A cursor over the file's text that knows its line number."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.line = 1

    def advance(self, to: int) -> None:
        self.line += self.text.count("\n", self.at, to)
        self.at = to

    def skip_space(self) -> None:
        match = re.compile(r"\s*").match(self.text, self.at)
        assert match is not None
        self.advance(match.end())

    def peek(self) -> str:
        return self.text[self.at : self.at + 1]


def parse_bibtex(text: str) -> Parsed:
    """The entries of a BibTeX file as paper items; entries it cannot read are listed in `unread`."""
    text = text.removeprefix("\ufeff")
    cursor = _Text(text)
    strings: dict[str, str] = dict(_MONTHS)
    items: list[Item] = []
    unread: list[tuple[int, str]] = []
    while True:
        start = text.find("@", cursor.at)
        if start == -1:
            break
        cursor.advance(start)
        line = cursor.line
        match = re.compile(r"@\s*([A-Za-z]+)\s*([{(])").match(text, start)
        if match is None:
            unread.append((line, _line_text(text, start)))
            cursor.advance(start + 1)
            continue
        kind = match.group(1).casefold()
        close = "}" if match.group(2) == "{" else ")"
        cursor.advance(match.end())
        if kind in ("comment", "preamble"):
            _skip_balanced(cursor, close)
            continue
        try:
            fields = _fields(cursor, close, strings, key=kind != "string")
        except ValueError:
            unread.append((line, _line_text(text, start)))
            continue
        if kind == "string":
            strings.update(fields)
            continue
        item = _item(fields, line)
        if item is None:
            unread.append((line, _line_text(text, start)))
        else:
            items.append(item)
    first = [(n, line.strip()[:120]) for n, line in enumerate(text.splitlines(), 1) if line.strip()][:3]
    return Parsed(items, [], [], unread, first)


def _line_text(text: str, at: int) -> str:
    end = text.find("\n", at)
    return text[at : end if end != -1 else len(text)][:120]


def _skip_balanced(cursor: _Text, close: str) -> None:
    depth, position, text = 1, cursor.at, cursor.text
    opening = "{" if close == "}" else "("
    while position < len(text) and depth:
        char = text[position]
        depth += (char == opening) - (char == close)
        position += 1
    cursor.advance(position)


def _fields(cursor: _Text, close: str, strings: dict[str, str], key: bool) -> dict[str, str]:
    text = cursor.text
    if key:  # the citation key, up to the first comma
        comma = text.find(",", cursor.at)
        end = text.find(close, cursor.at)
        if comma == -1 or (end != -1 and end < comma):
            cursor.advance(end + 1 if end != -1 else len(text))
            return {}
        cursor.advance(comma + 1)
    fields: dict[str, str] = {}
    while True:
        cursor.skip_space()
        if cursor.peek() in (close, ""):
            cursor.advance(cursor.at + 1)
            return fields
        if cursor.peek() == ",":
            cursor.advance(cursor.at + 1)
            continue
        name = re.compile(r"([\w:.+-]+)\s*=\s*").match(text, cursor.at)
        if name is None:
            raise ValueError("expected a field")
        cursor.advance(name.end())
        fields[name.group(1).casefold()] = _value(cursor, strings)


def _value(cursor: _Text, strings: dict[str, str]) -> str:
    parts = []
    text = cursor.text
    while True:
        cursor.skip_space()
        char = cursor.peek()
        if char == "{":
            depth, position = 0, cursor.at
            while position < len(text):
                depth += (text[position] == "{") - (text[position] == "}")
                position += 1
                if depth == 0:
                    break
            else:
                raise ValueError("unclosed brace")
            parts.append(text[cursor.at + 1 : position - 1])
            cursor.advance(position)
        elif char == '"':
            position, depth = cursor.at + 1, 0
            while position < len(text) and (text[position] != '"' or depth):
                depth += (text[position] == "{") - (text[position] == "}")
                position += 1
            if position >= len(text):
                raise ValueError("unclosed quote")
            parts.append(text[cursor.at + 1 : position])
            cursor.advance(position + 1)
        else:
            word = re.compile(r"[\w:.+-]+").match(text, cursor.at)
            if word is None:
                raise ValueError("expected a value")
            parts.append(strings.get(word.group(0).casefold(), word.group(0)))
            cursor.advance(word.end())
        cursor.skip_space()
        if cursor.peek() != "#":
            return "".join(parts)
        cursor.advance(cursor.at + 1)


def latex_text(value: str) -> str:
    """LaTeX to plain text: accents (\\'e, {\\"o}), escaped characters, braces and extra spaces."""
    import unicodedata

    value = re.sub(
        r"\{?\\([`'^\"~=c])\s*\{?([A-Za-z])\}?\}?",
        lambda match: unicodedata.normalize("NFC", match.group(2) + _ACCENTS[match.group(1)]),
        value,
    )
    value = re.sub(r"\\([&%$#_{}])", r"\1", value)
    value = re.sub(r"\\[A-Za-z]+\s*", "", value)  # other commands (\emph, \textbf): keep their text
    return " ".join(value.replace("{", "").replace("}", "").replace("~", " ").split())


def _authors(value: str) -> tuple[list[str], bool]:
    names = [name.strip() for name in re.split(r"\s+and\s+", latex_text(value)) if name.strip()]
    et_al = bool(names) and names[-1].casefold() == "others"
    names = names[:-1] if et_al else names
    out = []
    for name in names:
        if "," in name:
            last, _, first = name.partition(",")
            name = f"{first.strip()} {last.strip()}".strip()
        out.append(name)
    return out, et_al


def _item(fields: dict[str, str], line: int) -> Item | None:
    title = latex_text(fields.get("title", ""))
    if not title:
        return None
    url = fields.get("url", "").strip()
    arxiv = None
    for source in (fields.get("eprint", ""), fields.get("journal", ""), fields.get("note", ""), url):
        if match := (ARXIV_URL.search(source) or _ARXIV_ID.search(source)):
            arxiv = match.group(1)
            break
    if not url and arxiv:
        url = f"https://arxiv.org/abs/{arxiv}"
    elif not url and fields.get("doi"):
        url = f"https://doi.org/{fields['doi'].strip()}"
    authors, et_al = _authors(fields.get("author", ""))
    year_match = re.search(r"(?:19|20)\d{2}", fields.get("year", ""))
    item = Item("paper", line, title, url, authors=authors, authors_et_al=et_al, layout="bibtex")
    item.year = int(year_match.group(0)) if year_match else None
    venue = latex_text(fields.get("booktitle") or fields.get("journal") or "")
    if venue and not re.match(r"arxiv", venue, re.I) and item.year is not None:
        item.venue = venue if str(item.year) in venue else f"{venue} {item.year}"
    return item

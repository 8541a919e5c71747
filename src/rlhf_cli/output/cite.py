"""Citations of catalogue records: BibTeX, CSL-JSON (Zotero and others) and RIS.

Everything works on records (the JSON objects of records.py), so any listing can be cited.
Text goes through `_one_line`, so no control character reaches the output (BibTeX then
escapes the backslash of `\\x1b` like any other). Citekeys are first author's surname + year +
first word of the title that is not a stop word
("ouyang2022training"), made unique within one output by a, b, c suffixes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from ..catalogue.citekeys import citekey_base
from .escapes import visible

Record = dict[str, Any]

# Kinds with a citable form: a paper, software, a web page, a book. Datasets, environments and
# topics are cited through the paper that introduced them.
CITABLE_KINDS = ("paper", "codebase", "blog", "book")
# Lower-case words before a surname that belong to it ("Maarten de Rijke", "Mihaela van der Schaar").
_PARTICLES = frozenset("de van der den von da di du del della des la le dos das do ten ter zu vom zur".split())  # noqa: SIM905

# BibTeX special characters and how to write them inside a braced field. BibTeX counts every
# brace, escaped or not, to find where a field ends, so braces become commands with balanced ones.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# Combining accents and the LaTeX commands that write them (for --ascii).
_ACCENTS = {
    "\u0301": "'",
    "\u0300": "`",
    "\u0302": "^",
    "\u0308": '"',
    "\u0303": "~",
    "\u0304": "=",
    "\u0307": ".",
    "\u0327": "c",
    "\u030c": "v",
    "\u0306": "u",
    "\u030a": "r",
    "\u030b": "H",
    "\u0328": "k",
}
_LETTERS = {"ø": r"{\o}", "Ø": r"{\O}", "ł": r"{\l}", "Ł": r"{\L}", "ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}"}
_LETTERS |= {"œ": r"{\oe}", "Œ": r"{\OE}", "å": r"{\aa}", "Å": r"{\AA}", "\u0131": r"{\i}", "đ": r"{\dj}"}
_LETTERS |= {"\u2013": "--", "\u2014": "---", "\u2018": "`", "\u2019": "'", "\u201c": "``", "\u201d": "''"}


def citable(records: Iterable[Record]) -> tuple[list[Record], list[Record]]:
    """The records that can be cited, and those that cannot (their kind has no citable form)."""
    kept: list[Record] = []
    left: list[Record] = []
    for record in records:
        (kept if record["kind"] in CITABLE_KINDS else left).append(record)
    return kept, left


def split_name(name: str) -> dict[str, str]:
    """A person's name in CSL-JSON's parts: family, given and any particle ("de", "van der")."""
    name = " ".join(name.split())
    if "," in name:  # "Last, First"
        family, given = (part.strip() for part in name.split(",", 1))
        particle_words: list[str] = []
        words = family.split()
        while len(words) > 1 and words[0] in _PARTICLES:
            particle_words.append(words.pop(0))
        family = " ".join(words)
    else:
        words = name.split()
        if len(words) < 2:
            return {"literal": name}
        family = words[-1]
        rest = words[:-1]
        particle_words = []
        while len(rest) > 1 and rest[-1] in _PARTICLES:
            particle_words.insert(0, rest.pop())
        given = " ".join(rest)
    parts = {"family": family, "given": given}
    if particle_words:
        parts["non-dropping-particle"] = " ".join(particle_words)
    return parts


def citekeys(records: Iterable[Record]) -> list[str]:
    """A stable, unique citekey for each record, in order."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for record in records:
        base = _citekey_base(record)
        count = seen.get(base, 0)
        seen[base] = count + 1
        keys.append(base if count == 0 else base + _suffix(count))
    # The first of a clashing base gets "a" too once there are more, as in author-year styles.
    clashing = {base for base, count in seen.items() if count > 1}
    return [key + "a" if key in clashing else key for key in keys]


def bibtex(records: list[Record], ascii_only: bool = False) -> str:
    """BibTeX entries; Unicode is kept (valid for BibLaTeX/biber) unless `ascii_only`."""
    chunks = []
    for key, record in zip(citekeys(records), records, strict=True):
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in _bibtex_fields(record, ascii_only))
        chunks.append(f"@{_bibtex_type(record)}{{{key},\n{body}\n}}\n")
    return "\n".join(chunks)


def csl_json(records: list[Record]) -> str:
    """CSL-JSON, the format Zotero, Mendeley and pandoc import."""
    items = []
    for key, record in zip(citekeys(records), records, strict=True):
        item: dict[str, Any] = {"id": key, "type": _csl_type(record), "title": record["title"]}
        authors = [_csl_name(name) for name in record.get("authors") or []]
        if record.get("authors_org"):
            authors.append({"literal": record["authors_org"]})
        if authors:
            item["author"] = authors
        if record.get("year"):
            item["issued"] = {"date-parts": [[record["year"]]]}
        if record.get("url"):
            item["URL"] = record["url"]
        if record.get("arxiv"):
            item["number"] = f"arXiv:{record['arxiv']}"
            item["publisher"] = "arXiv"
            item["DOI"] = f"10.48550/arXiv.{record['arxiv']}"
        if record.get("publisher"):
            item["container-title"] = record["publisher"]
        if record.get("keywords"):
            item["keyword"] = ", ".join(record["keywords"])
        items.append(item)
    from .jsontext import json_text

    return json_text(items, indent=2) + "\n"


def ris(records: list[Record]) -> str:
    """RIS, the tagged format most reference managers import."""
    lines: list[str] = []
    for key, record in zip(citekeys(records), records, strict=True):
        lines.append(f"TY  - {_ris_type(record)}")
        lines.append(f"ID  - {key}")
        lines.append(f"TI  - {_one_line(record['title'])}")
        for name in record.get("authors") or []:
            lines.append(f"AU  - {_ris_name(name)}")
        if record.get("authors_org"):
            lines.append(f"AU  - {_one_line(record['authors_org'])}")
        if record.get("year"):
            lines.append(f"PY  - {record['year']}")
        if record.get("url"):
            lines.append(f"UR  - {_one_line(record['url'])}")
        if record.get("arxiv"):
            lines.append(f"DO  - 10.48550/arXiv.{record['arxiv']}")
            lines.append("PB  - arXiv")
        if record.get("publisher"):
            lines.append(f"PB  - {_one_line(record['publisher'])}")
        for keyword in record.get("keywords") or []:
            lines.append(f"KW  - {_one_line(keyword)}")
        lines.append("ER  - ")
        lines.append("")
    return "\n".join(lines)


def _citekey_base(record: Record) -> str:
    return citekey_base(
        record["id"],
        record["title"],
        record.get("authors") or [],
        record.get("authors_org") or record.get("publisher"),
        record.get("year"),
    )


def _suffix(count: int) -> str:
    """b, c, ..., z, then ba, bb, ...: suffixes for the second and later uses of a base key."""
    letters = ""
    while count:
        count, digit = divmod(count, 26)
        letters = chr(ord("a") + digit) + letters
    return letters or "a"


def _bibtex_type(record: Record) -> str:
    return {"paper": "misc", "book": "book", "codebase": "software", "blog": "online"}.get(record["kind"], "misc")


def _bibtex_fields(record: Record, ascii_only: bool) -> list[tuple[str, str]]:
    """The fields of one entry, each value escaped and ready to go between braces."""

    def text(value: str) -> str:
        escaped = "".join(_BIBTEX_ESCAPES.get(char, char) for char in _one_line(value))
        return _to_ascii(escaped) if ascii_only else escaped

    fields: list[tuple[str, str]] = [("title", text(record["title"]))]
    names = [_bibtex_name(name, text) for name in record.get("authors") or []]
    if record.get("authors_org"):
        names.append("{" + text(record["authors_org"]) + "}")  # braces keep an organisation's name whole
    if names and record.get("authors_et_al"):
        names.append("others")
    if names:
        fields.append(("author", " and ".join(names)))
    if record.get("year"):
        fields.append(("year", str(record["year"])))
    if record.get("arxiv"):
        fields += [("eprint", text(record["arxiv"])), ("archivePrefix", "arXiv")]
    if record.get("publisher"):
        fields.append(("howpublished", text(record["publisher"])))
    if record.get("url"):
        fields.append(("url", _url(_one_line(record["url"]))))
    if record.get("keywords"):
        fields.append(("keywords", text(", ".join(record["keywords"]))))
    return fields


def _bibtex_name(name: str, text: Callable[[str], str]) -> str:
    """A name as BibTeX reads it; a surname with a particle is braced whole ("{van der Schaar}")."""
    parts = split_name(name)
    if "non-dropping-particle" not in parts:
        return text(name)
    family = "{" + text(f"{parts['non-dropping-particle']} {parts['family']}") + "}"
    return f"{text(parts['given'])} {family}"


def _url(text: str) -> str:
    """URLs stay verbatim (as Zotero writes them), but braces, which would end the field, are
    percent-encoded as they would be in the URL itself."""
    return text.replace("{", "%7B").replace("}", "%7D")


def _to_ascii(text: str) -> str:
    out: list[str] = []
    for char in text:
        if char.isascii():
            out.append(char)
        elif char in _LETTERS:
            out.append(_LETTERS[char])
        else:
            decomposed = unicodedata.normalize("NFD", char)
            base, marks = decomposed[0], decomposed[1:]
            if base.isascii() and marks and all(mark in _ACCENTS for mark in marks):
                for mark in marks:
                    base = f"\\{_ACCENTS[mark]}{{{base}}}"
                out.append("{" + base + "}")
            else:
                out.append(f"{{\\char{ord(char)}}}" if ord(char) < 0x10000 else "?")
    return "".join(out)


def _csl_type(record: Record) -> str:
    return {
        "paper": "article",
        "blog": "post-weblog",
        "book": "book",
        "codebase": "software",
        "dataset": "dataset",
    }.get(record["kind"], "document")


def _csl_name(name: str) -> dict[str, str]:
    return split_name(name)


def _ris_type(record: Record) -> str:
    return {"paper": "JOUR", "blog": "ELEC", "book": "BOOK", "codebase": "COMP", "dataset": "DATA"}.get(
        record["kind"], "GEN"
    )


def _ris_name(name: str) -> str:
    csl = split_name(name)
    if "literal" in csl:
        return _one_line(csl["literal"])
    family = " ".join(filter(None, [csl.get("non-dropping-particle"), csl["family"]]))
    return _one_line(f"{family}, {csl['given']}")


def _one_line(text: str) -> str:
    """One line, with controls, bidirectional and zero-width characters shown as escapes:
    citations are printed to terminals, and a raw ESC in a .bib or .ris file helps nobody."""
    return " ".join(visible(text).split())

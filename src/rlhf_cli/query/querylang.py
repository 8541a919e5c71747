"""The query language shared by `rlhf search` and every listing's QUERY argument.

    query    := or
    or       := and ("OR" and)*
    and      := unary+                    terms side by side must all match
    unary    := "-" unary | "(" or ")" | FIELD ":" value | "phrase" | word
    value    := word | "phrase"

Free words next to each other form one fuzzy text search ("instruct gtp"); a quoted phrase must
appear as it is. Fields: title, author, year, keyword (kw), dataset (ds), env, kind, source,
code, venue, method (`method:dpo` the node and all below it, `method:dpo!` the node alone).
Years take 2022, 2020..2022, 2021.., ..2019, >=2022, >2021, <2019, <=2019.

Parsing needs no catalogue: it checks the syntax, field names, years, kinds and code values,
and reports the column of any mistake. Names of datasets, environments and so on are checked
when the query is run against a catalogue (see query.py).
"""

from __future__ import annotations

import difflib
import re

from ..catalogue.models import KINDS
from ..errors import UsageError
from ..plain import Plain

FIELD_ALIASES = {
    "title": "title",
    "author": "author",
    "year": "year",
    "keyword": "keyword",
    "kw": "keyword",
    "dataset": "dataset",
    "ds": "dataset",
    "env": "env",
    "kind": "kind",
    "source": "source",
    "code": "code",
    "venue": "venue",
    "method": "method",
}
FIELDS = tuple(dict.fromkeys(FIELD_ALIASES.values()))
_YES = {"yes", "true", "1", "y"}
_NO = {"no", "false", "0", "n"}
# Bounds on what a query may be, so that no query can exhaust the stack or take minutes: far
# beyond any query a person types, and each reported as a usage error.
MAX_QUERY_LENGTH = 10_000  # characters
MAX_NESTING = 50  # parentheses inside parentheses
_YEAR = re.compile(r"^(?:(\d{4})|(\d{4})?\.\.(\d{4})?|(>=|<=|>|<)(\d{4}))$")


class QueryError(UsageError):
    """A malformed query; `column` (1-based) points at the mistake."""

    def __init__(self, query: str, column: int, message: str) -> None:
        self.query = query
        self.column = column
        self.reason = message
        pointer = " " * (column - 1) + "^"
        super().__init__(f"query: {message} (column {column})\n  {query}\n  {pointer}")


class YearRange(Plain):
    """An inclusive range of years; either end may be open."""

    start: int | None
    end: int | None

    def __contains__(self, year: object) -> bool:
        if not isinstance(year, int):
            return False
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)

    def __str__(self) -> str:
        if self.start == self.end:
            return str(self.start)
        return f"{self.start or ''}..{self.end or ''}"


def parse_years(text: str) -> YearRange | None:
    """Read 2022, 2020..2022, 2021.., ..2019, >=2022, >2021, <2019 or <=2019; None if malformed or empty."""
    match = _YEAR.match(text.strip())
    if match is None:
        return None
    single, start, end, operator, bound = match.groups()
    if single:
        return YearRange(int(single), int(single))
    if operator:
        year = int(bound)
        return {
            ">=": YearRange(year, None),
            ">": YearRange(year + 1, None),
            "<=": YearRange(None, year),
            "<": YearRange(None, year - 1),
        }[operator]
    if start is None and end is None:
        return None
    low, high = (int(start) if start else None), (int(end) if end else None)
    if low is not None and high is not None and low > high:
        return None
    return YearRange(low, high)


# The syntax tree. `column` is where the node starts in the query (1-based), for messages.


class Text(Plain):
    words: str
    column: int = 0


class Phrase(Plain):
    text: str
    column: int = 0


class Field(Plain):
    name: str  # canonical: one of FIELDS
    value: str
    column: int = 0
    years: YearRange | None = None  # for year:
    flag: bool | None = None  # for code:, and for method: (True: the node alone, written `method:ID!`)


class Not(Plain):
    term: Node
    column: int = 0


class And(Plain):
    terms: tuple[Node, ...]


class Or(Plain):
    terms: tuple[Node, ...]


Node = Text | Phrase | Field | Not | And | Or


def parse(query: str) -> Node | None:
    """The syntax tree of `query`, or None for an empty query. Raises QueryError."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(
            query[:60] + "...", 1, f"the query is too long ({len(query)} characters; at most {MAX_QUERY_LENGTH})"
        )
    parser = _Parser(query)
    if parser.at_end():
        return None
    node = parser.parse_or()
    if not parser.at_end():
        token = parser.peek()
        raise QueryError(query, token.column, f"unexpected '{token.text}'")
    return node


def conjunction(*nodes: Node | None) -> Node | None:
    """All of the given queries at once (None for none)."""
    terms: list[Node] = []
    for node in nodes:
        if isinstance(node, And):
            terms.extend(node.terms)
        elif node is not None:
            terms.append(node)
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else And(tuple(terms))


def field(name: str, value: str) -> Field:
    """A field term as the typed options build it, checked like one typed in a query."""
    return _field_node(f"{name}:{value}", 1, name, value)


def describe(node: Node) -> str:
    """The query written out in full, with every AND and grouping explicit."""
    if isinstance(node, Text):
        return f"text({_quote(node.words)})"
    if isinstance(node, Phrase):
        return f"phrase({_quote(node.text)})"
    if isinstance(node, Field):
        value = str(node.years) if node.years is not None else node.value
        if node.name == "method" and node.flag:
            value += "!"
        return f"{node.name}:{_quote(value) if _needs_quotes(value) else value}"
    if isinstance(node, Not):
        return f"NOT {describe(node.term)}"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(describe(term) for term in node.terms) + ")"


def text_only(node: Node | None) -> str | None:
    """The words of a query made of free words alone (the fast search path), else None."""
    if isinstance(node, Text):
        return node.words
    return None


class _Token(Plain):
    kind: str  # "(", ")", "-", "OR", "AND", "word", "phrase", "field"
    text: str
    column: int
    field: str = ""  # for "field": the field name as written
    value: str = ""  # for "field": the value


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = list(_tokens(query))
        self.position = 0

    def at_end(self) -> bool:
        return self.position >= len(self.tokens)

    def peek(self) -> _Token:
        return self.tokens[self.position]

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse_or(self) -> Node:
        terms = [self.parse_and()]
        while not self.at_end() and self.peek().kind == "OR":
            operator = self.take()
            if self.at_end() or self.peek().kind in (")", "OR", "AND"):
                raise QueryError(self.query, operator.column, "OR needs a term after it")
            terms.append(self.parse_and())
        return terms[0] if len(terms) == 1 else Or(tuple(terms))

    def parse_and(self) -> Node:
        terms: list[Node] = []
        words: list[_Token] = []
        while not self.at_end() and self.peek().kind not in (")", "OR"):
            if self.peek().kind == "AND":
                operator = self.take()
                if (not terms and not words) or self.at_end() or self.peek().kind in (")", "OR", "AND"):
                    raise QueryError(self.query, operator.column, "AND needs a term on each side")
                continue
            if self.peek().kind == "word":
                words.append(self.take())
                continue
            if words:
                terms.append(Text(" ".join(w.text for w in words), words[0].column))
                words = []
            terms.append(self.parse_unary())
        if words:
            terms.append(Text(" ".join(w.text for w in words), words[0].column))
        if not terms:
            token = self.peek() if not self.at_end() else None
            column = token.column if token else len(self.query) + 1
            what = f"'{token.text}'" if token else "the end of the query"
            raise QueryError(self.query, column, f"expected a term before {what}")
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    def parse_unary(self) -> Node:
        token = self.take()
        if token.kind == "-":
            if self.at_end() or self.peek().kind in (")", "OR", "AND"):
                raise QueryError(self.query, token.column, "'-' must be followed by a term to exclude")
            return Not(self.parse_unary(), token.column)
        if token.kind == "(":
            if self.at_end() or self.peek().kind == ")":
                raise QueryError(self.query, token.column, "empty parentheses")
            node = self.parse_or()
            if self.at_end() or self.peek().kind != ")":
                raise QueryError(self.query, token.column, "this '(' is never closed")
            self.take()
            return node
        if token.kind == "phrase":
            if not token.text.strip():
                raise QueryError(self.query, token.column, "empty quotes")
            return Phrase(token.text, token.column)
        if token.kind == "field":
            return _field_node(self.query, token.column, token.field, token.value)
        if token.kind == "word":
            return Text(token.text, token.column)
        raise QueryError(self.query, token.column, f"unexpected '{token.text}'")


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    length = len(query)
    depth = 0  # parentheses open at this point
    while index < length:
        char = query[index]
        column = index + 1
        if char.isspace():
            index += 1
        elif char in "()":
            if char == ")" and depth == 0:
                raise QueryError(query, column, "this ')' has no matching '('")
            depth += 1 if char == "(" else -1
            if depth > MAX_NESTING:
                raise QueryError(query, column, f"parentheses nested too deeply (at most {MAX_NESTING})")
            tokens.append(_Token(char, char, column))
            index += 1
        elif char == "-" and index + 1 < length and not query[index + 1].isspace() and query[index + 1] != "-":
            tokens.append(_Token("-", "-", column))
            index += 1
        elif char == '"':
            text, index = _phrase(query, index)
            tokens.append(_Token("phrase", text, column))
        else:
            start = index
            while index < length and not query[index].isspace() and query[index] not in '()"':
                if query[index] == ":" and index > start:
                    break
                index += 1
            word = query[start:index]
            if index < length and query[index] == ":" and word:
                index += 1
                if index < length and query[index] == '"':
                    value, index = _phrase(query, index)
                else:
                    value_start = index
                    while index < length and not query[index].isspace() and query[index] not in "()":
                        index += 1
                    value = query[value_start:index]
                tokens.append(_Token("field", f"{word}:{value}", column, field=word, value=value))
            elif word in ("OR", "AND"):
                tokens.append(_Token(word, word, column))
            elif word:
                tokens.append(_Token("word", word, column))
            else:  # a lone character that cannot start a term, such as ':'
                tokens.append(_Token("word", query[index], column))
                index += 1
    return tokens


def _phrase(query: str, index: int) -> tuple[str, int]:
    """The text of the quoted phrase starting at `index`, and the index after its closing quote."""
    end = query.find('"', index + 1)
    if end == -1:
        raise QueryError(query, index + 1, "this quote is never closed")
    return query[index + 1 : end], end + 1


def _field_node(query: str, column: int, written: str, value: str) -> Field:
    name = FIELD_ALIASES.get(written.casefold())
    if name is None:
        close = difflib.get_close_matches(written.casefold(), list(FIELD_ALIASES), n=2, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c + ':') for c in close)}?" if close else ""
        known = ", ".join(f"{f}:" for f in FIELDS)
        raise QueryError(query, column, f"unknown field '{written}:'{hint} (fields: {known})")
    if not value.strip():
        raise QueryError(query, column, f"'{written}:' needs a value")
    if name == "year":
        years = parse_years(value)
        if years is None:
            message = f"'{value}' is not a year or range such as 2022, 2020..2022, 2021.., >=2022 or <2019"
            raise QueryError(query, column, message)
        return Field(name, value, column, years=years)
    if name == "code":
        lowered = value.casefold()
        if lowered not in _YES | _NO:
            raise QueryError(query, column, f"code: takes yes or no, not '{value}'")
        return Field(name, value, column, flag=lowered in _YES)
    if name == "kind":
        kind = value.casefold().removesuffix("s") if value.casefold() not in KINDS else value.casefold()
        if kind not in KINDS:
            close = difflib.get_close_matches(value.casefold(), list(KINDS), n=2, cutoff=0.6)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise QueryError(query, column, f"unknown kind '{value}'{hint} (kinds: {', '.join(KINDS)})")
        return Field(name, kind, column)
    if name == "method":
        alone = value.endswith("!")
        if alone and not value[:-1].strip():
            raise QueryError(query, column, f"'{written}:' needs a method before '!'")
        return Field(name, value[:-1] if alone else value, column, flag=alone)
    return Field(name, value, column)


def _needs_quotes(value: str) -> bool:
    return not value or any(char.isspace() or char in '()":' for char in value)


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'

"""Fuzz the query parser: any text must parse or raise QueryError pointing inside the query.

python fuzz/fuzz_query.py -max_total_time=60 /tmp/rlhf-corpus-query fuzz/corpus/query
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from rlhf_cli.query.querylang import QueryError, describe, parse


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(256)
    try:
        node = parse(text)
    except QueryError as error:
        assert 1 <= error.column <= len(text) + 1, (text, error.column)
        return
    if node is not None:
        describe(node)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

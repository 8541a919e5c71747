"""The naive way to answer one search: read every file, validate every entry, rank every title.

The yardstick of `bench/perf.py`'s first-run rows (issue 11): tomli parses each catalogue file,
pydantic checks each table against the entry models (field types only), and rapidfuzz
scores the query against every entry's names. No cache, no index, no checks between entries.

    python bench/naive_load.py CATALOGUE_FOLDER [QUERY]
"""

from __future__ import annotations

import sys
from pathlib import Path

import tomli
from pydantic import TypeAdapter
from rapidfuzz import fuzz, process, utils

from rlhf_cli.catalogue.models import TYPE_BY_TABLE


def main() -> None:
    folder = Path(sys.argv[1])
    query = sys.argv[2] if len(sys.argv) > 2 else "ppo"
    adapters = {name: TypeAdapter(list[entry_type]) for name, entry_type in TYPE_BY_TABLE.items()}  # type: ignore[valid-type]
    names: list[str] = []
    owners: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        for table_name, tables in tomli.loads(path.read_text(encoding="utf-8")).items():
            for entry in adapters[table_name].validate_python(tables):
                for name in entry.names:
                    names.append(name)
                    owners.append(entry.id)
    hits = process.extract(query, names, scorer=fuzz.WRatio, processor=utils.default_process, limit=20)
    for name, score, number in hits:
        sys.stdout.write(f"{score:.1f}\t{owners[number]}\t{name}\n")


if __name__ == "__main__":
    main()

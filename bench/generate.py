"""Write a realistic synthetic catalogue of N entries (deterministic for a given seed).

The entries follow the real schema: papers (about 80%) with authors, keywords, code links and
links to datasets and environments; datasets; codebases that use datasets and implement papers;
a few environments. Words are drawn from the bundled catalogue's own vocabulary so that titles,
keywords and names look like the field's.

    python bench/generate.py --entries 10000 --out /tmp/cat-10k [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import tomli

BUNDLED = Path(__file__).resolve().parents[1] / "catalog"
FIRST_NAMES = ["Ada", "Alan", "Grace", "Yuntao", "Long", "Jeff", "Paul", "Jan", "Amelia", "Nisan", "Daniel"]
FIRST_NAMES += ["Ethan", "Leo", "Xu", "Wei", "Mei", "Sara", "Omar"]
LAST_NAMES = ["Lovelace", "Turing", "Hopper", "Bai", "Ouyang", "Wu", "Christiano", "Leike", "Glaese", "Stiennon"]
LAST_NAMES += ["Ziegler", "Perez", "Gao", "Jiang"]


def vocabulary() -> list[str]:
    words: set[str] = set()
    for path in BUNDLED.glob("*.toml"):
        for tables in tomli.loads(path.read_text(encoding="utf-8")).values():
            for table in tables:
                for key in ("title", "name", "keywords"):
                    value = table.get(key)
                    texts = value if isinstance(value, list) else [value] if isinstance(value, str) else []
                    for text in texts:
                        words.update(w for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", text))
    return sorted(words)


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(toml_string(item) for item in items) + "]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, required=True, help="how many entries in all")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the .toml files into")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    words = vocabulary()
    n_envs = max(2, args.entries // 2000)
    n_datasets = max(5, args.entries // 10)
    n_codebases = max(3, args.entries // 10)
    n_papers = args.entries - n_envs - n_datasets - n_codebases
    args.out.mkdir(parents=True, exist_ok=True)

    def phrase(low: int, high: int) -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(low, high)))

    def person() -> str:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"

    source = '[{ name = "synthetic", line = %d }]'  # line numbers start at 1
    with open(args.out / "environments.toml", "w", encoding="utf-8") as out:
        for i in range(n_envs):
            out.write(
                f'[[environment]]\nid = "env-{i}"\nname = "Env {phrase(1, 2)} {i}"\nsources = {source % (i + 1)}\n\n'
            )
    with open(args.out / "datasets.toml", "w", encoding="utf-8") as out:
        for i in range(n_datasets):
            out.write(
                f'[[dataset]]\nid = "ds-{i}"\nname = "{phrase(1, 3)} {i}"\n'
                f'url = "https://example.org/datasets/{i}"\nkeywords = {toml_list([phrase(1, 4) for _ in range(2)])}\n'
                f"sources = {source % (i + 1)}\n\n"
            )
    with open(args.out / "papers.toml", "w", encoding="utf-8") as out:
        for i in range(n_papers):
            year = rng.randint(2017, 2025)
            arxiv = f"{year % 100:02d}{rng.randint(1, 12):02d}.{rng.randint(10000, 99999)}"
            datasets = sorted({f"ds-{rng.randrange(n_datasets)}" for _ in range(rng.randint(0, 3))})
            envs = [f"env-{rng.randrange(n_envs)}"] if rng.random() < 0.2 else []
            official = str(rng.random() < 0.8).lower()
            link = f'{{ url = "https://github.com/example/paper-{i}", official = {official} }}'
            code = f"code = [{link}]\n" if rng.random() < 0.5 else ""
            out.write(
                f'[[paper]]\nid = "paper-{i}"\ntitle = {toml_string(phrase(5, 12).capitalize())}\nyear = {year}\n'
                f'url = "https://arxiv.org/abs/{arxiv}"\narxiv = "{arxiv}"\n'
                f"authors = {toml_list([person() for _ in range(rng.randint(1, 6))])}\n"
                f"keywords = {toml_list([phrase(1, 4) for _ in range(rng.randint(1, 4))])}\n"
                f"{code}datasets = {toml_list(datasets)}\nenvs = {toml_list(envs)}\n"
                f"sources = {source % (i + 1)}\n\n"
            )
    with open(args.out / "codebases.toml", "w", encoding="utf-8") as out:
        for i in range(n_codebases):
            papers = [f"paper-{rng.randrange(n_papers)}"] if rng.random() < 0.5 else []
            out.write(
                f'[[codebase]]\nid = "code-{i}"\nname = "{phrase(1, 2).lower()}-{i}"\n'
                f'url = "https://github.com/example/code-{i}"\n'
                f"keywords = {toml_list([phrase(1, 3) for _ in range(3)])}\n"
                f"datasets = {toml_list(sorted({f'ds-{rng.randrange(n_datasets)}' for _ in range(2)}))}\n"
                f"papers = {toml_list(papers)}\nsources = {source % (i + 1)}\n\n"
            )
    size = sum(path.stat().st_size for path in args.out.glob("*.toml"))
    print(f"{args.entries} entries ({n_papers} papers) in {args.out}, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

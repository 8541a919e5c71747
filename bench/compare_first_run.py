"""The first run and the run after an edit of two versions of rlhf, side by side in one run.

Each round runs, in turn: bench/naive_load.py, then for each version (the source folder given,
and this checkout) `rlhf search ppo` on an empty cache (first run), again after a comment is
inserted in papers.toml (after an edit: no entry changes), and again after one paper's title is
changed (after an entry edit). Medians and peak memory; ratios of first runs to the naive load,
of runs after an edit to `python -c pass`. The catalogue folder is edited in place: use a copy.

    git archive main | tar -x -C /tmp/rlhf-before
    python bench/compare_first_run.py --before /tmp/rlhf-before/src --catalog /tmp/rlhf-bench/catalog-100000-v2
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from perf import edit_an_entry, edit_in_the_middle  # noqa: E402  (bench/ is not a package)


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak MiB of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="the other version's src/ folder")
    parser.add_argument("--catalog", type=Path, required=True, help="a folder made by bench/generate.py")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    versions = {"before": str(args.before.resolve()), "after": str(HERE.parent / "src")}
    base = {k: v for k, v in os.environ.items() if not k.startswith("RLHF_") and k != "PYTHONDONTWRITEBYTECODE"}
    catalogue = ["--no-bundled", "--catalog", str(args.catalog)]
    results: dict[str, list[tuple[float, float]]] = {}
    for counter in range(args.rounds):
        results.setdefault("python -c pass", []).append(run([sys.executable, "-c", "pass"], base))
        naive = [sys.executable, str(HERE / "naive_load.py"), str(args.catalog)]
        results.setdefault("naive load", []).append(run(naive, base))
        for version, source in versions.items():
            cache = tempfile.mkdtemp(prefix="rlhf-compare-")
            env = base | {"PYTHONPATH": source, "RLHF_CACHE_DIR": cache}
            command = [sys.executable, "-m", "rlhf_cli", "search", "ppo", *catalogue]
            results.setdefault(f"{version}: first run", []).append(run(command, env))
            edit_in_the_middle(args.catalog / "papers.toml", counter)
            results.setdefault(f"{version}: after an edit", []).append(run(command, env))
            edit_an_entry(args.catalog / "papers.toml", counter)
            results.setdefault(f"{version}: after an entry edit", []).append(run(command, env))
            shutil.rmtree(cache, ignore_errors=True)
    floor = statistics.median(t for t, _ in results["python -c pass"])
    naive_time = statistics.median(t for t, _ in results["naive load"])
    print(f"{'run':<34} {'median':>9} {'ratio':>8} {'peak':>8}")
    for name, runs in results.items():
        median = statistics.median(t for t, _ in runs)
        ratio = f"{median / naive_time:.2f}x nv" if "first run" in name else f"{median / floor:.0f}x"
        print(f"{name:<34} {median:8.2f}s {ratio:>8} {max(m for _, m in runs):6.0f}MiB")


if __name__ == "__main__":
    main()

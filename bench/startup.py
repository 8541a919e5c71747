"""Start-up benchmark: median wall time of rlhf commands against the bare interpreter.

Runs every command in turn, round after round, so that all of them see the same machine load,
then prints each median and its ratio to `python -c pass` of the same environment.

    python bench/startup.py [--rounds 30]

Targets (issue 2): `rlhf search ppo` within 10x of `python -c pass`, `rlhf --version` within 6x.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"rlhf --version": 6.0, "rlhf search ppo": 10.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30, help="runs of each command (default 30)")
    args = parser.parse_args()

    bin_dir = Path(sys.executable).parent
    rlhf = str(bin_dir / "rlhf")
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RLHF_")} | {"RLHF_CACHE_DIR": cache}
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "rlhf --version": [rlhf, "--version"],
            "rlhf search ppo": [rlhf, "search", "ppo"],
            "rlhf papers --year 2022 --env atari": [rlhf, "papers", "--year", "2022", "--env", "atari"],
            "rlhf search ppo --format table": [rlhf, "search", "ppo", "--format", "table"],
        }
        for command in commands.values():  # warm the cache and the OS file cache
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[name].append(time.perf_counter() - start)

        cold_times = []
        for _ in range(max(3, args.rounds // 5)):
            with tempfile.TemporaryDirectory() as empty_cache:
                cold_env = env | {"RLHF_CACHE_DIR": empty_cache}
                start = time.perf_counter()
                subprocess.run(commands["rlhf search ppo"], env=cold_env, stdout=subprocess.DEVNULL)
                cold_times.append(time.perf_counter() - start)
        times["rlhf search ppo (cold cache)"] = cold_times

    floor = statistics.median(times["python -c pass"])
    print(f"{'command':<40} {'median':>9} {'ratio':>7}  target")
    for name, samples in times.items():
        median = statistics.median(samples)
        target = TARGETS.get(name)
        verdict = "" if target is None else f"<= {target:.0f}x  {'met' if median / floor <= target else 'MISSED'}"
        print(f"{name:<40} {median * 1000:7.1f}ms {median / floor:6.2f}x  {verdict}")


if __name__ == "__main__":
    main()

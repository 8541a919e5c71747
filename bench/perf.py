"""Performance benchmark: rlhf commands against the bare interpreter, side by side in one run.

Every command is run in turn, round after round, so that all of them see the same machine load;
the table gives each median wall time, its ratio to `python -c pass` of the same environment
(for a first run: to bench/naive_load.py, measured in the same run), peak memory, and the
target where one is set (issues 2, 5 and 11).

    python bench/perf.py             # bundled catalogue, then synthetic 10k and 100k entries
    python bench/perf.py --quick     # bundled catalogue only
    python bench/perf.py --sizes 1000 10000 --rounds 10
    python bench/perf.py --quick --check   # exit status 1 if a target is missed (a regression guard)
    python bench/perf.py --quick --before /tmp/rlhf-before/src   # and an earlier version's, side by side

"warm" runs find the catalogue's store in the cache; a run "after an edit" is the first after a change:
before each one a comment line is inserted before an entry of the papers file, at a different
place each time (a fifth, two fifths... of the way in), which changes no entry (the store is
reused); a run "after an entry edit" follows a change of one paper's title (the store is patched). A "first
run" starts from an empty cache. Synthetic catalogues come from bench/generate.py
(deterministic) and are kept in --work.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
RLHF = str(BIN / "rlhf")


@dataclass
class Case:
    name: str
    command: list[str]
    target: float | None = None  # ratio to the floor
    before: str | None = None  # a catalogue file to change before each run (cold runs) ...
    edit: Callable[[Path, int], None] | None = None  # ... and how (default: edit_in_the_middle)
    empty_cache: bool = False  # run each time with a new, empty cache folder
    env: dict[str, str] = field(default_factory=dict)  # extra environment for this command
    exit_code: int = 0  # what the command should exit with
    max_mib: float | None = None  # a target for peak memory
    times: list[float] = field(default_factory=list)
    peak_kib: int = 0


def run_once(case: Case, env: dict[str, str], counter: int, record: bool = True) -> None:
    if case.before:
        (case.edit or edit_in_the_middle)(Path(case.before), counter)
    run_env = env | case.env
    if case.empty_cache:
        run_env["RLHF_CACHE_DIR"] = tempfile.mkdtemp(prefix="rlhf-bench-cache-")
    start = time.perf_counter()
    process = subprocess.Popen(case.command, env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if record:
        case.times.append(time.perf_counter() - start)
        case.peak_kib = max(case.peak_kib, usage.ru_maxrss)
    if case.empty_cache:
        shutil.rmtree(run_env["RLHF_CACHE_DIR"], ignore_errors=True)
    if os.waitstatus_to_exitcode(status) != case.exit_code:
        sys.exit(f"benchmark command failed: {' '.join(case.command)}")


def edit_in_the_middle(path: Path, counter: int) -> None:
    """Insert a comment line before the entry found 1/5, 2/5, ... of the way into the file."""
    text = path.read_text(encoding="utf-8")
    place = text.find("\n[[", len(text) * (counter % 4 + 1) // 5) + 1
    path.write_text(f"{text[:place]}# benchmark change {counter}\n{text[place:]}", encoding="utf-8")


def edit_an_entry(path: Path, counter: int) -> None:
    """Change the title of the paper found 1/5, 2/5, ... of the way into the file (a real edit)."""
    text = path.read_text(encoding="utf-8")
    start = 'title = "'
    place = text.find(f"\n{start}", len(text) * (counter % 4 + 1) // 5) + 1
    path.write_text(f"{text[:place]}{start}Edited {counter} {text[place + len(start) :]}", encoding="utf-8")


def measure(cases: list[Case], rounds: int, env: dict[str, str]) -> None:
    for counter, case in enumerate(cases):  # warm the store and the OS file cache; not counted
        if not case.before and not case.empty_cache:
            run_once(case, env, counter, record=False)
    for counter in range(rounds):
        for case in cases:
            run_once(case, env, counter)


def synthetic(work: Path, entries: int) -> Path:
    folder = work / f"catalog-{entries}-v2"  # v2: source lines from 1 (line 0 is a problem since issue 15)
    if not (folder / "papers.toml").exists():
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--entries", str(entries), "--out", str(folder)], check=True
        )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15, help="runs of each quick command (default 15)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="synthetic catalogue sizes")
    parser.add_argument("--quick", action="store_true", help="bundled catalogue only")
    parser.add_argument("--check", action="store_true", help="exit with status 1 if any target is missed")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "rlhf-bench", help="for catalogues")
    parser.add_argument(
        "--before",
        type=Path,
        help="an earlier version's src/ (git archive): the bundled rows run it too, in the same rounds",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    floor = Case("python -c pass", [sys.executable, "-c", "pass"])
    bundled = [
        floor,
        Case("rlhf --version", [RLHF, "--version"], target=2.0),
        Case("rlhf search ppo", [RLHF, "search", "ppo"], target=6.0),
        Case("rlhf search ppo --format table", [RLHF, "search", "ppo", "--format", "table"]),
        Case(
            "rlhf papers --year 2022 --env atari",
            [RLHF, "papers", "--year", "2022", "--env", "atari"],
            target=6.0,
            exit_code=1,
        ),
        Case("rlhf datasets --used-by InstructGPT", [RLHF, "datasets", "--used-by", "InstructGPT"], target=6.0),
        Case("rlhf show instructgpt", [RLHF, "show", "instructgpt"], target=6.0),
    ]
    completion = [RLHF, "papers", "--env", ""]
    completion_env = {"_RLHF_COMPLETE": "complete_bash", "COMP_WORDS": "rlhf papers --env ", "COMP_CWORD": "3"}
    with tempfile.TemporaryDirectory() as cache:
        # An installed rlhf runs from bytecode that `pip install` compiled. PYTHONDONTWRITEBYTECODE
        # would make an editable checkout compile every module on every run instead, so it is
        # dropped here: the warm-up run writes the bytecode, as the first run after a pip install would.
        env = {k: v for k, v in os.environ.items() if not k.startswith("RLHF_") and k != "PYTHONDONTWRITEBYTECODE"}
        env["RLHF_CACHE_DIR"] = cache
        if _has_completion(env | completion_env, completion):
            bundled.append(Case("completion: rlhf papers --env <TAB>", completion, target=5.0, env=completion_env))
        if args.before is not None:
            earlier = {"PYTHONPATH": str(args.before.resolve())}
            bundled += [
                Case(f"before: {case.name}", case.command, env=case.env | earlier, exit_code=case.exit_code)
                for case in bundled[1:]
            ]
        measure(bundled, args.rounds, env)
        report = [(case, floor) for case in bundled]
        if not args.quick:
            report += scale_cases(args, env, floor)
    missed = print_table(report)
    if args.check and missed:
        sys.exit(f"targets missed: {', '.join(missed)}")


# What every warm command at 100,000 entries is run as (issue 11), on bench/generate.py's
# catalogue: its papers use env-0 ... env-49 and cite ds-0 ... (a query with no match exits 1).
SCALE_COMMANDS: list[tuple[str, list[str], int]] = [
    ("search ppo", ["search", "ppo"], 0),
    ("papers --year 2022 --env env-1", ["papers", "--year", "2022", "--env", "env-1"], 0),
    ("papers --year 2022 --limit 20", ["papers", "--year", "2022", "--limit", "20"], 0),
    ("datasets --used-by paper-0", ["datasets", "--used-by", "paper-0"], 0),
    ("show paper-0", ["show", "paper-0"], 0),
    ("related paper-0", ["related", "paper-0"], 0),
    ("stats --by year", ["stats", "--by", "year"], 0),
    ("search 'kw:ppo year:2022'", ["search", "kw:ppo year:2022"], 0),
]


def scale_cases(args: argparse.Namespace, env: dict[str, str], floor: Case) -> list[tuple[Case, Case]]:
    """Warm commands, then a run after an edit, then first runs beside the naive load script."""
    results: list[tuple[Case, Case]] = []
    warm_by_size: dict[int, Case] = {}
    for size in args.sizes:
        folder = synthetic(args.work, size)
        catalogue = ["--no-bundled", "--catalog", str(folder)]
        big = size >= 100_000
        # The warm rows' yardstick, measured in their own rounds (and printed, so each ratio can be checked).
        quick_floor = Case(f"{size:,} entries: python -c pass", floor.command)
        warm = [
            Case(
                f"{size:,} entries: {name} (warm)",
                [RLHF, *command, *catalogue],
                target=25.0 if big else None,
                exit_code=code,
                max_mib=100.0 if big else None,
            )
            for name, command, code in SCALE_COMMANDS
        ]
        completion_env = {
            "_RLHF_COMPLETE": "complete_bash",
            "COMP_WORDS": "rlhf papers --env ",
            "COMP_CWORD": "3",
            "RLHF_CATALOG": str(folder),
            "RLHF_NO_BUNDLED": "1",
        }
        warm.append(
            Case(
                f"{size:,} entries: completion papers --env (warm)",
                [RLHF, "papers", "--env", ""],
                target=25.0 if big else None,
                env=completion_env,
                max_mib=100.0 if big else None,
            )
        )
        base = [RLHF, "search", "ppo", *catalogue]
        cold = Case(
            f"{size:,} entries: search ppo (after an edit)",
            base,
            target=150.0 if big else None,
            before=str(folder / "papers.toml"),
        )
        edited = Case(
            f"{size:,} entries: search ppo (after an entry edit)",
            base,
            target=150.0 if big else None,
            before=str(folder / "papers.toml"),
            edit=edit_an_entry,
        )
        naive = Case(
            f"{size:,} entries: naive load (bench/naive_load.py)",
            [sys.executable, str(HERE / "naive_load.py"), str(folder)],
        )
        first = Case(
            f"{size:,} entries: search ppo (first run)",
            base,
            target=2.0 if big else None,
            empty_cache=True,
            max_mib=250.0 if big else None,
        )
        measure([quick_floor, *warm], max(3, args.rounds // (size // 10_000 or 1)), env)
        measure([cold, edited], 3, env)
        measure([naive, first], 2, env)
        results += [(quick_floor, quick_floor), *((case, quick_floor) for case in warm)]
        results += [(cold, quick_floor), (edited, quick_floor), (naive, quick_floor), (first, naive)]
        warm_by_size[size] = warm[0]
    if {10_000, 100_000} <= warm_by_size.keys():
        growth = statistics.median(warm_by_size[100_000].times) / statistics.median(warm_by_size[10_000].times)
        print(f"warm search time from 10,000 to 100,000 entries grew {growth:.1f}x (linear would be 10x)")
    return results


def _has_completion(env: dict[str, str], command: list[str]) -> bool:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    return done.returncode == 0 and bool(done.stdout.strip())


def print_table(report: list[tuple[Case, Case]]) -> list[str]:
    """Print the table; return the names of the cases that missed a target.

    Each ratio is to the row's yardstick: `python -c pass`, or for a first run the naive load.
    """
    missed: list[str] = []
    print(f"{'command':<56} {'median':>9} {'ratio':>7} {'of':<6} {'peak':>7}  target")
    for case, floor in report:
        median = statistics.median(case.times)
        ratio = median / statistics.median(floor.times)
        met = case.target is None or ratio <= case.target
        verdict = "" if case.target is None else f"<= {case.target:g}x {'met' if met else 'MISSED'}"
        if case.max_mib is not None:
            small = case.peak_kib < case.max_mib * 1024
            met = met and small
            verdict += f"; peak < {case.max_mib:g} MiB {'met' if small else 'MISSED'}"
        if not met:
            missed.append(case.name)
        yardstick = "naive" if floor.name.endswith("(bench/naive_load.py)") else "pass"
        peak = case.peak_kib / 1024
        print(f"{case.name:<56} {median * 1000:7.1f}ms {ratio:6.2f}x {yardstick:<6} {peak:5.0f}MiB  {verdict}")
    return missed


if __name__ == "__main__":
    main()

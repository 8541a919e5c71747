"""After a real edit of a few entries, the store is patched (loading/patch.py) rather than built
again, and the patched store is, table by table and row by row, the one a full build of the
edited files writes; its answers are a fresh build's. Edits a patch cannot be sure of fall back
to a full build, which answers right and reports problems as before."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rlhf_cli.loading import loader, patch, schema, store

BUNDLED = Path(__file__).resolve().parents[1] / "catalog"

COMMANDS = [
    ["search", "reward model", "-n", "60"],
    ["search", "preference optimization", "-n", "60"],
    ["search", "ppo", "-n", "60"],
    ["search", "edited title words", "-n", "20"],
    ["search", "kw:rlhf year:2023", "-n", "60"],
    ["papers", "--year", "2022", "--sort", "id"],
    ["show", "instructgpt"],
    ["show", "hh-rlhf"],
    ["related", "instructgpt"],
    ["datasets", "--used-by", "instructgpt"],
    ["datasets", "--sort", "uses"],
    ["stats", "--by", "year"],
    ["stats", "--by", "dataset"],
    ["stats", "--by", "keyword"],
]
# Enough to see that an edit a patch leaves to a full build is answered right.
FEW_COMMANDS = [COMMANDS[0], COMMANDS[6], COMMANDS[9], COMMANDS[11]]


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of 60 tables and search segments of 150 entries: the bundled catalogue (about
    1,100 entries) then has a dozen pieces and seven segments."""
    monkeypatch.setattr(loader, "PIECE_TABLES", 60)
    monkeypatch.setattr(schema, "SEGMENT_ENTRIES", 150)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times a store was built in full, and patched."""
    calls = {"builds": 0, "patches": 0}
    build, patched = loader._build, patch.patched

    def counted_build(*args: Any, **kwargs: Any) -> Any:
        calls["builds"] += 1
        return build(*args, **kwargs)

    def counted_patch(*args: Any, **kwargs: Any) -> Any:
        found = patched(*args, **kwargs)
        calls["patches"] += found is not None
        return found

    monkeypatch.setattr(loader, "_build", counted_build)
    monkeypatch.setattr(patch, "patched", counted_patch)
    return calls


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes], bytes]:
    """A copy of the bundled catalogue (one folder for the module: a store is of its files'
    paths), its files' bytes, and the bytes of its store, built once with small pieces."""
    folder = tmp_path_factory.mktemp("patch") / "catalog"
    shutil.copytree(BUNDLED, folder, ignore=shutil.ignore_patterns("LICENSE*", "*.md"))
    cache = folder.parent / "cache"
    with pytest.MonkeyPatch.context() as patches:
        patches.setattr(loader, "PIECE_TABLES", 60)
        patches.setattr(schema, "SEGMENT_ENTRIES", 150)
        patches.setenv("RLHF_CACHE_DIR", str(cache))
        loader.open_view([folder])
    (made,) = cache.glob("catalogue-*.sqlite")
    return folder, {path.name: path.read_bytes() for path in folder.iterdir()}, made.read_bytes()


def copy_catalogue(tmp_path: Path, built: tuple[Path, dict[str, bytes], bytes]) -> tuple[Path, Path]:
    """The module's catalogue as built, and a cache folder holding its store."""
    folder, files, made = built
    for name, content in files.items():
        if (folder / name).read_bytes() != content:
            (folder / name).write_bytes(content)
    cache = tmp_path / "patched-cache"
    cache.mkdir()
    (cache / store.set_name([str(path) for path in loader.catalogue_files([folder])])).write_bytes(made)
    return folder, cache


def edit(folder: Path, name: str, entry_id: str, change: Callable[[str], str]) -> None:
    """Apply `change` to the text of one entry's table in catalogue file `name`."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    start = re.search(rf'^id = "{re.escape(entry_id)}"$', text, re.M)
    assert start is not None, entry_id
    begin = text.rfind("\n[[", 0, start.start()) + 1
    end = text.find("\n[[", start.end())
    end = len(text) if end < 0 else end
    table = text[begin:end]
    changed = change(table)
    assert changed != table, f"the edit of {entry_id} changes nothing"
    path.write_text(text[:begin] + changed + text[end:], encoding="utf-8")


def store_tables(connection: Any) -> dict[str, list[Any]]:
    """Every table's rows, sorted (a patch appends rows a build writes in order); FTS5's own
    tables by what they hold (their b-trees are laid out by the order of writes)."""
    names = [
        row[0]
        for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if not row[0].startswith("search_fts")
    ]
    tables = {name: sorted(connection.execute(f"SELECT * FROM {name}").fetchall(), key=repr) for name in names}
    tables["search_fts"] = connection.execute(
        "SELECT rowid, id, title, texts FROM search_fts ORDER BY rowid"
    ).fetchall()
    for word in ("reward", "preference", "edited", "强化学习"):
        tables[f"search_fts MATCH {word}"] = connection.execute(
            "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid", (f'"{word}"',)
        ).fetchall()
    tables["schema"] = connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    tables["user_version"] = connection.execute("PRAGMA user_version").fetchall()
    return tables


def answers(run: Any, folder: Path, cache: Path, commands: list[list[str]] = COMMANDS) -> list[Any]:
    found = []
    for command in commands:
        result = run(*command, "--no-bundled", "-c", str(folder), "-f", "json", env={"RLHF_CACHE_DIR": str(cache)})
        found.append((command, result.exit_code, json.loads(result.stdout) if result.exit_code == 0 else result.stderr))
    return found


def assert_as_fresh(
    run: Any, folder: Path, cache: Path, tmp_path: Path, label: str, commands: list[list[str]] = COMMANDS
) -> None:
    """The store in `cache` for `folder` (made by its first command), and its answers, are those
    of a store built afresh."""
    import sqlite3

    mine = answers(run, folder, cache, commands)
    fresh = tmp_path / f"fresh-{len(list(tmp_path.glob('fresh-*')))}"
    theirs = answers(run, folder, fresh, commands)
    assert mine == theirs, label
    (patched_store,) = cache.glob("catalogue-*.sqlite")
    (fresh_store,) = fresh.glob("catalogue-*.sqlite")
    patched_rows, fresh_rows = store_tables(sqlite3.connect(patched_store)), store_tables(sqlite3.connect(fresh_store))
    assert patched_rows.keys() == fresh_rows.keys()
    for table in fresh_rows:
        assert patched_rows[table] == fresh_rows[table], f"{label}: table {table} differs"
    shutil.rmtree(fresh)


def _sub(pattern: str, replacement: str) -> Callable[[str], str]:
    return lambda table: re.sub(pattern, replacement, table, count=1, flags=re.M)


# Real edits of entries, each a patch: (file, entry, change, what the edit is).
EDITS: list[tuple[str, str, Callable[[str], str], str]] = [
    ("papers.toml", "instructgpt", _sub(r'^title = ".*"$', 'title = "Edited title words"'), "title"),
    (
        "papers.toml",
        "instructgpt",
        lambda t: t.replace("year = 2022", "year = 2023").replace('arxiv = "2203.02155"', 'arxiv = "2303.02155"'),
        "year (and its arXiv id)",
    ),
    (
        "papers.toml",
        "direct-preference-optimization-your",
        _sub(r"^authors = \[", 'authors = ["Ada Lovelace", '),
        "authors",
    ),
    ("papers.toml", "instructgpt", _sub(r"^keywords = \[", 'keywords = ["edited keyword", "GRPO", '), "keywords"),
    ("papers.toml", "instructgpt", _sub(r"^datasets = \[", 'datasets = ["hh-rlhf", '), "a dataset reference"),
    ("papers.toml", "instructgpt", _sub("^venue = .*$", 'venue = "An Edited Venue 2022"'), "venue"),
    ("papers.toml", "instructgpt", _sub("^notes = .*$", 'notes = "An edited note."'), "notes"),
    (
        "papers.toml",
        "instructgpt",
        _sub(r"^code = \[", 'code = [{ url = "https://github.com/anthropics/hh-rlhf", official = false }, '),
        "a code link to a dataset's repository",
    ),
    ("papers.toml", "instructgpt", _sub(r"^code = \[.*\]\n", ""), "code links removed"),
    ("datasets.toml", "hh-rlhf", _sub(r'^name = ".*"$', 'name = "Edited HH name"'), "a dataset's name"),
    (
        "codebases.toml",
        "following-instructions-human-feedback",
        _sub(r"^papers = \[.*\]$", 'papers = ["direct-preference-optimization-your"]'),
        "what a codebase implements",
    ),
    ("blogs.toml", "chatgpt-blog", _sub(r'^title = ".*"$', 'title = "An edited blog title"'), "a blog's title"),
]


@pytest.mark.slow
def test_each_real_edit_is_patched_into_the_store_a_full_build_writes(
    run: Any, tmp_path: Path, built: Any, small_pieces: None, counted: dict[str, int]
) -> None:
    folder, cache = copy_catalogue(tmp_path, built)
    import sqlite3

    (made,) = cache.glob("catalogue-*.sqlite")
    connection = sqlite3.connect(made)
    assert connection.execute("SELECT count(*) FROM pieces").fetchone()[0] > 10
    assert connection.execute("SELECT count(*) FROM search_segments").fetchone()[0] > 5
    connection.close()
    for number, (name, entry_id, change, what) in enumerate(EDITS, 1):
        edit(folder, name, entry_id, change)
        # Every table equal implies every answer equal: a few commands each time, all at the end.
        assert_as_fresh(run, folder, cache, tmp_path, what, COMMANDS if number == len(EDITS) else FEW_COMMANDS)
        assert counted["patches"] == number, f"{what}: not patched"


def test_edits_of_several_entries_at_once_in_several_files_are_patched(
    run: Any, tmp_path: Path, built: Any, small_pieces: None, counted: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, cache = copy_catalogue(tmp_path, built)
    made: list[Any] = []  # the search segments, by the forked helper (not made again here)
    helper = patch._made_by_helper

    def recorded(*args: Any) -> Any:
        made.append(helper(*args))
        return made[-1]

    monkeypatch.setattr(patch, "_made_by_helper", recorded)
    edit(folder, "papers.toml", "instructgpt", _sub(r'^title = ".*"$', 'title = "Edited title words"'))
    edit(folder, "papers.toml", "direct-preference-optimization-your", _sub(r"^keywords = \[", 'keywords = ["PPO", '))
    edit(folder, "datasets.toml", "hh-rlhf", _sub(r'^name = ".*"$', 'name = "Edited HH name"'))
    edit(folder, "environments.toml", "atari", _sub(r'^name = ".*"$', 'name = "Edited Atari"'))
    assert_as_fresh(run, folder, cache, tmp_path, "four entries in three files")
    assert counted == {"builds": 1, "patches": 1}  # the fresh build compared with
    assert len(made) == 1 and made[0] and len({segment for segment, _, _ in made[0]}) > 1


def test_a_paper_one_of_two_codebases_no_longer_implements_is_recounted(
    run: Any, tmp_path: Path, built: Any, small_pieces: None, counted: dict[str, int]
) -> None:
    """Two codebases implement InstructGPT; one edit makes one of them implement DPO instead,
    and changes the other (still implementing it): InstructGPT has one implementation fewer,
    which its ranking counts (the search index's links), though the set of papers the changed
    codebases implement before and after is the same but for DPO."""
    folder, cache = copy_catalogue(tmp_path, built)
    edit(folder, "codebases.toml", "verl", _sub(r"^papers = \[.*\]$", 'papers = ["instructgpt"]'))
    assert_as_fresh(run, folder, cache, tmp_path, "a second implementation", FEW_COMMANDS)
    edit(
        folder,
        "codebases.toml",
        "following-instructions-human-feedback",
        _sub(r"^papers = \[.*\]$", 'papers = ["direct-preference-optimization-your"]'),
    )
    edit(folder, "codebases.toml", "verl", _sub(r'^name = ".*"$', 'name = "Edited veRL"'))
    assert_as_fresh(run, folder, cache, tmp_path, "one implementation fewer", FEW_COMMANDS)
    assert counted["patches"] == 2


# Edits a patch does not make: each falls back to a full build, which answers as a fresh one.
FALLBACKS: list[tuple[str, str, Callable[[str], str], str]] = [
    ("datasets.toml", "hh-rlhf", _sub(r'^url = ".*"$', 'url = "https://example.org/edited-hh"'), "a URL"),
    ("methods.toml", "policy-gradient", _sub(r'^name_en = ".*"$', 'name_en = "Edited Gradient"'), "a method"),
    (
        "papers.toml",
        "instructgpt",
        _sub(r"^categories = \[", 'categories = [{ source = "awesome-rlhf-en-2025", path = "Edited" }, '),
        "list headings, with methods in the catalogue",
    ),
    ("papers.toml", "instructgpt", _sub('^id = "instructgpt"$', 'id = "instructgpt-renamed"'), "an id"),
    (
        "papers.toml",
        "instructgpt",
        lambda t: t + t.replace('id = "instructgpt"', 'id = "instructgpt-2"'),
        "an added entry",
    ),
]


@pytest.mark.parametrize("edit_of", FALLBACKS, ids=[what for *_, what in FALLBACKS])
def test_an_edit_a_patch_is_not_sure_of_is_built_again_and_answers_right(
    run: Any, tmp_path: Path, built: Any, small_pieces: None, counted: dict[str, int], edit_of: Any
) -> None:
    name, entry_id, change, what = edit_of
    folder, cache = copy_catalogue(tmp_path, built)
    edit(folder, name, entry_id, change)
    if what == "an added entry":  # the copy's names are the original's: make them its own
        path = folder / name
        text = path.read_text(encoding="utf-8")
        cut = text.index('id = "instructgpt-2"')
        tail = re.sub(r'^(title|short_name) = "(.*)"$', r'\1 = "\2 again"', text[cut:], count=2, flags=re.M)
        path.write_text(text[:cut] + tail, encoding="utf-8")
    assert_as_fresh(run, folder, cache, tmp_path, what, FEW_COMMANDS)
    assert counted == {"builds": 2, "patches": 0}  # the fallback, and the fresh one


# Edits that make a problem: not patched, and the problem is reported as a fresh build reports it.
PROBLEMS: list[tuple[str, str, Callable[[str], str], str]] = [
    ("papers.toml", "instructgpt", _sub("^year = 2022$", "year = 2023"), "a year its arXiv id disagrees with"),
    ("papers.toml", "instructgpt", _sub(r"^datasets = \[", 'datasets = ["no-such-dataset", '), "a dangling reference"),
    ("papers.toml", "instructgpt", _sub(r"^datasets = \[", 'datasets = ["atari", '), "a reference of the wrong kind"),
    ("papers.toml", "instructgpt", _sub(r"^datasets = \[", 'datasets = ["truthfulqa", '), "a reference listed twice"),
    ("papers.toml", "instructgpt", _sub(r'^short_name = ".*"$', 'short_name = "HH-RLHF"'), "another entry's name"),
    ("papers.toml", "instructgpt", _sub(r'^short_name = ".*"$', 'short_name = "Policy-Gradient"'), "a method's name"),
    ("papers.toml", "instructgpt", _sub("^year = 2022$", 'year = "2022"'), "a type"),
    ("papers.toml", "instructgpt", _sub("^year = 2022$", "year = 2022\nunknown_key = 1"), "an unknown key"),
]


@pytest.mark.parametrize("edit_of", PROBLEMS, ids=[what for *_, what in PROBLEMS])
def test_an_edit_that_makes_a_problem_is_reported_as_a_fresh_build_reports_it(
    run: Any, tmp_path: Path, built: Any, small_pieces: None, counted: dict[str, int], edit_of: Any
) -> None:
    name, entry_id, change, what = edit_of
    folder, cache = copy_catalogue(tmp_path, built)
    edit(folder, name, entry_id, change)
    env = {"RLHF_CACHE_DIR": str(cache)}
    mine = run("papers", "--no-bundled", "-c", str(folder), "-f", "ids", env=env)
    theirs = run(
        "papers", "--no-bundled", "-c", str(folder), "-f", "ids", env={"RLHF_CACHE_DIR": str(tmp_path / "fresh")}
    )
    assert mine.exit_code == theirs.exit_code == 3, what
    assert mine.stderr == theirs.stderr and mine.stderr.strip()
    assert counted["patches"] == 0


def test_a_store_of_another_shape_or_damaged_is_built_again(
    run: Any, tmp_path: Path, built: Any, small_pieces: None, counted: dict[str, int]
) -> None:
    """A store whose rows are not what its build wrote (a derived row missing, a table gone) is
    not patched: the patch fails on an sqlite3.Error and the store is built again."""
    import sqlite3

    folder, cache = copy_catalogue(tmp_path, built)
    (made,) = cache.glob("catalogue-*.sqlite")
    for number, damage in enumerate(
        [
            "DELETE FROM names WHERE name = 'instructgpt'",
            "DROP TABLE code",
        ]
    ):
        connection = sqlite3.connect(made)
        connection.execute(damage)
        connection.commit()
        connection.close()
        edit(folder, "papers.toml", "instructgpt", _sub(r'^title = ".*"$', f'title = "Edited title words {number}"'))
        assert_as_fresh(run, folder, cache, tmp_path, damage, FEW_COMMANDS)
        assert counted["patches"] == 0, damage
        (made,) = cache.glob("catalogue-*.sqlite")


def _with_code(url: str) -> Callable[[str], str]:
    """A paper's code links replaced by one to `url`."""
    link = f'code = [{{ url = "{url}", official = false }}]\n'
    return lambda table: re.sub(
        r"^sources = ", link + "sources = ", re.sub(r"^code = .*\n", "", table, flags=re.M), flags=re.M
    )


@pytest.mark.slow
def test_random_edits_of_a_generated_catalogue_are_patched_into_a_full_builds_store(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: dict[str, int]
) -> None:
    """bench/generate.py's catalogue (the benchmark's shape), 600 entries in pieces of 50 and
    segments of 100; rounds of three random edits of papers, codebases and datasets (titles,
    keywords, datasets, environments, code links to codebases and datasets, what a codebase
    implements, a dataset's name), each round patched into a full build's store."""
    import random
    import subprocess
    import sys

    monkeypatch.setattr(loader, "PIECE_TABLES", 50)
    monkeypatch.setattr(schema, "SEGMENT_ENTRIES", 100)
    folder = tmp_path / "generated"
    generate = Path(__file__).resolve().parents[1] / "bench" / "generate.py"
    subprocess.run(
        [sys.executable, str(generate), "--entries", "600", "--out", str(folder)], check=True, capture_output=True
    )
    cache = tmp_path / "patched-cache"
    commands = [["search", "reward", "-n", "50"], ["datasets", "--used-by", "paper-3"], ["stats", "--by", "dataset"]]
    answers(run, folder, cache, commands)
    rng = random.Random(11)
    datasets, papers, codebases = 60, 480, 60  # generate.py's shares of 600 entries
    for round_ in range(6):
        for step in range(3):
            kind = rng.choice(["paper", "paper", "codebase", "dataset"])
            mark = f"{round_} {step}"
            if kind == "paper":
                entry_id, name = f"paper-{rng.randrange(papers)}", "papers.toml"
                ds = sorted({f'"ds-{rng.randrange(datasets)}"' for _ in range(rng.randint(0, 3))})
                link = rng.choice(
                    [
                        f"https://example.org/datasets/{rng.randrange(datasets)}",
                        f"https://github.com/example/code-{rng.randrange(codebases)}",
                    ]
                )
                changes = [
                    _sub(r"^title = .*$", f'title = "Edited paper title {mark}"'),
                    _sub(r"^keywords = .*$", f'keywords = ["edited keyword {mark}", "PPO"]'),
                    _sub(r"^datasets = .*$", f"datasets = [{', '.join(ds)}]"),
                    _sub(r"^envs = .*$", f'envs = ["env-{rng.randrange(2)}"]'),
                    _with_code(link),
                ]
            elif kind == "codebase":
                entry_id, name = f"code-{rng.randrange(codebases)}", "codebases.toml"
                changes = [
                    _sub(r"^papers = .*$", f'papers = ["paper-{rng.randrange(papers)}"]'),
                    _sub(r"^datasets = .*$", f'datasets = ["ds-{rng.randrange(datasets)}"]'),
                ]
            else:
                entry_id, name = f"ds-{rng.randrange(datasets)}", "datasets.toml"
                changes = [_sub(r"^name = .*$", f'name = "Edited dataset name {mark}"')]
            change = rng.choice(changes)
            try:
                edit(folder, name, entry_id, change)
            except AssertionError:  # the random change happened to change nothing
                continue
        assert_as_fresh(run, folder, cache, tmp_path, f"round {round_}", commands)
        assert counted["patches"] == round_ + 1, f"round {round_}: not patched"

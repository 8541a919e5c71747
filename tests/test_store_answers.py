"""Whatever the edit, every answer from a catalogue's store (store.py) is the one a fresh read of
the whole catalogue gives, and the one an in-memory store (no cache folder) gives."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlhf_cli.loading import loader, store

from .conftest import Run


def paper(n: int, title: str | None = None, datasets: tuple[str, ...] = ("hh",), notes: str | None = None) -> str:
    links = ", ".join(f'"{d}"' for d in datasets)
    text = (
        f'[[paper]]\nid = "p{n}"\ntitle = "{title or f"Paper {n} on reward model number {n}"}"\nyear = 2022\n'
        f'url = "https://example.org/p{n}"\nkeywords = ["kw{n % 5}", "PPO"]\ndatasets = [{links}]\n'
        f'envs = ["gym"]\nsources = [{{ name = "test" }}]\n'
    )
    if notes is not None:
        text += f'notes = """\n{notes}\n"""\n'
    return text + "\n"


DATASETS = """
[[dataset]]
id = "hh"
name = "Helpful and Harmless"
sources = [{ name = "test" }]

[[dataset]]
id = "shp"
name = "Stanford Human Preferences"
sources = [{ name = "test" }]
"""
ENVS = '[[environment]]\nid = "gym"\nname = "OpenAI Gym"\nsources = [{ name = "test" }]\n'


def catalogue(folder: Path, papers: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "papers.toml").write_text(papers, encoding="utf-8")
    (folder / "datasets.toml").write_text(DATASETS, encoding="utf-8")
    (folder / "environments.toml").write_text(ENVS, encoding="utf-8")
    return folder


COMMANDS = [
    ["search", "reward model", "-n", "100"],
    ["search", "ppo", "-n", "100"],
    ["search", "helpful harmless", "-n", "100"],
    ["search", "paper 7", "-n", "100"],
    ["search", '"reward model number"', "-n", "100"],
    ["papers", "--sort", "id"],
    ["papers", "kw:kw3", "--sort", "title"],
    ["datasets", "--sort", "uses"],
    ["envs"],
    ["show", "p3"],
    ["show", "hh"],
    ["related", "p4"],
    ["related", "hh"],
    ["datasets", "--used-by", "p5"],
    ["papers", "--year", "2022", "--limit", "3"],
    ["papers", "kw:ppo year:2022 -kw:kw1", "--sort", "title"],
    ["search", "kw:kw2 OR ds:shp", "-n", "100"],
    ["stats", "--by", "keyword"],
    ["stats", "--by", "dataset"],
    ["stats", "--by", "year"],
]


def answers(run: Any, folder: Path, env: dict[str, str] | None = None) -> list[Any]:
    found = []
    for command in COMMANDS:
        result = run(*command, "--no-bundled", "-c", str(folder), "-f", "json", env=env)
        found.append((result.exit_code, json.loads(result.stdout) if result.exit_code == 0 else result.stderr))
    # The graph lists entries in catalogue order, which the pieces must keep.
    graph = run("graph", "kind:paper OR kind:dataset", "--no-bundled", "-c", str(folder), env=env)
    found.append((graph.exit_code, graph.stdout))
    return found


def fresh_answers(run: Any, folder: Path, tmp_path: Path) -> list[Any]:
    """The answers of a run that cannot use the cache: the store is built in memory."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a cache folder would be", encoding="utf-8")
    return answers(run, folder, env={"RLHF_CACHE_DIR": str(blocker / "cache")})


def test_a_warm_store_answers_as_a_fresh_read_does(run, tmp_path: Path, isolated_environment: Path) -> None:  # type: ignore[no-untyped-def]
    folder = catalogue(tmp_path / "cat", "".join(paper(n) for n in range(40)))
    cached = answers(run, folder)
    assert len(list(isolated_environment.glob("catalogue-*.sqlite"))) == 1
    assert answers(run, folder) == cached  # warm
    assert fresh_answers(run, folder, tmp_path) == cached


@pytest.mark.slow  # six edits, each answered warm and fresh
def test_every_edit_gives_the_answers_of_a_fresh_read(run, tmp_path: Path, isolated_environment: Path) -> None:  # type: ignore[no-untyped-def]
    papers = [paper(n) for n in range(40)]
    folder = catalogue(tmp_path / "cat", "".join(papers))
    answers(run, folder)

    def at(n: int) -> int:
        return next(i for i, text in enumerate(papers) if f'id = "p{n}"\n' in text)

    edits: list[Callable[[list[str]], object]] = [
        lambda ps: ps.__setitem__(at(20), paper(20, title="A retitled paper on reward model number 20")),
        lambda ps: ps.insert(0, paper(99, datasets=("shp",))),
        lambda ps: ps.pop(at(30)),
        lambda ps: ps.append("# a comment at the end\n"),
        lambda ps: ps.__setitem__(at(5), paper(5, datasets=("hh", "shp"))),
    ]
    for number, edit in enumerate(edits):
        edit(papers)
        (folder / "papers.toml").write_text("".join(papers), encoding="utf-8")
        assert answers(run, folder) == fresh_answers(run, folder, tmp_path), f"edit {number}"
    # A dataset renamed: the papers that use it are found by its new name.
    (folder / "datasets.toml").write_text(DATASETS.replace("Helpful and Harmless", "Kind and Careful"), "utf-8")
    renamed = answers(run, folder)
    assert renamed == fresh_answers(run, folder, tmp_path)
    hits = run.json("search", "kind careful", "-n", "100", "--no-bundled", "-c", str(folder))
    assert {"p1", "p2", "p3"} <= {hit["id"] for hit in hits}


def test_a_header_inside_a_multiline_string_is_text(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkey_notes = 'a note that quotes a header:\n[[paper]]\nid = "not-an-entry"'
    text = "".join(paper(n, notes=monkey_notes if n % 3 == 0 else None) for n in range(12))
    folder = catalogue(tmp_path / "cat", text)
    cached = answers(run, folder)
    assert cached == fresh_answers(run, folder, tmp_path)
    shown = run.json("show", "p3", "--no-bundled", "-c", str(folder))
    assert "[[paper]]" in json.dumps(shown)


def test_kinds_interleaved_in_a_file_keep_the_file_order(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mixed = (
        "".join(paper(n) for n in range(6))
        + '[[dataset]]\nid = "mixed"\nname = "Mixed In"\nsources = [{ name = "test" }]\n\n'
        + "".join(paper(n) for n in range(6, 12))
    )
    folder = catalogue(tmp_path / "cat", mixed)
    assert answers(run, folder) == fresh_answers(run, folder, tmp_path)
    hits = run.json("search", "mixed in paper", "-n", "100", "--no-bundled", "-c", str(folder))
    assert "mixed" in [hit["id"] for hit in hits]


def test_a_static_array_before_its_tables_is_an_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # This file is invalid TOML (`paper` cannot be both).
    text = 'paper = []\n[[dataset]]\nid = "d1"\nname = "D one"\nsources = [{ name = "test" }]\n\n'
    text += "".join(paper(n) for n in range(8))
    folder = catalogue(tmp_path / "cat", text)
    result = run("papers", "--no-bundled", "-c", str(folder))
    assert result.exit_code == 3
    assert "papers.toml" in result.stderr and "invalid TOML" in result.stderr


def test_a_problem_after_a_warm_run_is_reported_as_a_fresh_read_reports_it(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    papers = [paper(n) for n in range(30)]
    folder = catalogue(tmp_path / "cat", "".join(papers))
    answers(run, folder)
    papers[25] = papers[25].replace("year = 2022", "year = 1066")
    (folder / "papers.toml").write_text("".join(papers), encoding="utf-8")
    cached = run("validate", str(folder), "--no-bundled")
    result = run("papers", "--no-bundled", "-c", str(folder))
    line = "".join(papers).splitlines().index('id = "p25"') + 1
    assert result.exit_code == 3
    assert f"papers.toml:{line}: entry 'p25': year: 1066 is not a plausible year" in result.stderr
    assert cached.exit_code == 3 and f"papers.toml:{line}: entry 'p25'" in cached.stdout


NOTE_LINES = st.sampled_from(
    ["[[paper]]", "[[dataset]]", "  [[paper]]  # not a header here", 'id = "p0"', "paper = []", "# a comment", "", "x"]
)
ENTRY = st.tuples(st.booleans(), st.lists(NOTE_LINES, max_size=4), st.sampled_from(["", "\n", "# between\n"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ENTRY, min_size=1, max_size=14))
def test_any_file_loads_through_the_store_as_it_loads_in_memory(entries: list[Any]) -> None:
    import os
    import tempfile

    from rlhf_cli.errors import CatalogError

    text = ""
    for number, (with_notes, lines, gap) in enumerate(entries):
        body = paper(number).rstrip("\n") + "\n"
        if with_notes:  # a multi-line literal string: anything may stand in it but '''
            body += "notes = '''\n" + "\n".join(lines) + "\n'''\n"
        text += body + gap

    def loaded(cache: str) -> Any:
        os.environ["RLHF_CACHE_DIR"] = cache
        try:
            catalogue = loader.load([folder])
        except CatalogError as error:
            return [str(problem) for problem in error.problems]
        return [(e.KIND, e.id, e.display_name, getattr(e, "notes", None)) for e in catalogue.entries]

    saved = os.environ.get("RLHF_CACHE_DIR")
    try:
        with tempfile.TemporaryDirectory() as directory:
            folder = catalogue(Path(directory) / "cat", text)
            blocker = Path(directory) / "blocker"
            blocker.write_text("not a folder", encoding="utf-8")
            whole = loaded(str(blocker / "cache"))
            assert loaded(str(Path(directory) / "cache")) == whole  # built into the cache
            assert loaded(str(Path(directory) / "cache")) == whole  # and read back from it
    finally:
        if saved is not None:
            os.environ["RLHF_CACHE_DIR"] = saved


GOLDEN = Path(__file__).parent / "golden" / "store_answers.json"


def _reasons_as_sets(value: Any) -> Any:
    """The answers with each `related` record's reasons sorted: the former cache listed shared
    datasets, authors and keywords in a set's order, which changed from run to run."""
    if isinstance(value, dict):
        return {key: sorted(item) if key == "reasons" else _reasons_as_sets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_reasons_as_sets(item) for item in value]
    return value


def test_answers_are_those_of_the_former_cache(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """tests/golden/store_answers.json holds the answers of 20 commands for one catalogue: first
    those of the code before the SQLite store (commit 0f034b4, the file-based cache), which the
    store gave identically (commit d6dfa42); since then, with the search ranking of issue 12
    (where a match is, what it covers, how connected the entry is). When answers change on
    purpose, `RLHF_WRITE_GOLDEN=1 pytest tests/test_store_answers.py` writes them anew: review
    the diff of the file before committing it."""
    papers = "".join(paper(n, datasets=("hh", "shp") if n % 4 == 0 else ("hh",)) for n in range(40))
    folder = catalogue(tmp_path / "cat", papers)
    found = json.loads(json.dumps(answers(run, folder)))  # tuples become lists, as in the file
    if os.environ.get("RLHF_WRITE_GOLDEN"):
        GOLDEN.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert len(found) == len(expected)
    for number, (mine, former) in enumerate(zip(found, expected, strict=True)):
        assert _reasons_as_sets(mine) == _reasons_as_sets(former), (
            COMMANDS[number] if number < len(COMMANDS) else "graph"
        )


def test_an_edit_that_changes_no_entry_reuses_the_store_and_answers_as_a_fresh_read(
    run: Run, tmp_path: Path, isolated_environment: Path, monkeypatch: Any
) -> None:
    """A comment, blank lines or another spelling of a value in one piece: only that piece is
    parsed again, the store is copied under the new key (no build), and every answer is a fresh
    read's. An edit that changes an entry is patched (tests/test_patch.py); one that makes a
    problem, or a store with problems, is built again."""
    monkeypatch.setattr(loader, "PIECE_TABLES", 4)  # 40 papers: 10 pieces
    builds: list[int] = []
    build = loader._build

    def counted(*args: Any, **kwargs: Any) -> Any:
        if store.cache_dir() == isolated_environment:  # a store for the cache, not a fresh read's
            builds.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(loader, "_build", counted)
    papers = [paper(n) for n in range(40)]
    folder = catalogue(tmp_path / "cat", "".join(papers))
    answers(run, folder)
    assert len(builds) == 1
    unchanged: list[Callable[[list[str]], object]] = [
        lambda ps: ps.__setitem__(17, "# a comment in the middle\n\n" + ps[17]),
        lambda ps: ps.__setitem__(3, ps[3].replace("year = 2022", "year   =   2_022 # the same year")),
        lambda ps: ps.append("\n# a comment at the end\n"),
    ]
    for number, edit in enumerate(unchanged):
        edit(papers)
        (folder / "papers.toml").write_text("".join(papers), encoding="utf-8")
        assert answers(run, folder) == fresh_answers(run, folder, tmp_path), f"edit {number}"
        assert len(builds) == 1, f"edit {number} rebuilt the store"
    (store_path,) = isolated_environment.glob("catalogue-*.sqlite")
    # An entry changed in one piece: the store is patched, not built again (loading/patch.py),
    # and the answers are a fresh read's.
    papers[22] = paper(22, title="A retitled paper on reward model number 22")
    (folder / "papers.toml").write_text("".join(papers), encoding="utf-8")
    assert answers(run, folder) == fresh_answers(run, folder, tmp_path)
    assert len(builds) == 1
    hits = run.json("search", "retitled", "--no-bundled", "-c", str(folder))
    assert hits[0]["id"] == "p22"
    # A store with a problem (a dangling link) is never reused: its problems name lines.
    papers[30] = paper(30, datasets=("missing",))
    (folder / "papers.toml").write_text("".join(papers), encoding="utf-8")
    first = run("papers", "--no-bundled", "-c", str(folder), "-f", "ids")
    papers.insert(0, "# a comment that moves every line\n")
    (folder / "papers.toml").write_text("".join(papers), encoding="utf-8")
    moved = run("papers", "--no-bundled", "-c", str(folder), "-f", "ids")
    assert len(builds) == 3  # the dangling link is not patched: built, and again once moved
    assert first.exit_code == moved.exit_code == 3
    assert first.stderr != moved.stderr  # the problem's line moved by one
    assert store_path.exists()


def _store_rows(folder: Path) -> dict[str, list[Any]]:
    connection = loader.open_view([folder])._connection
    tables = ["entries", "names", "lookup_keys", "terms", "links", "code", "search_index", "search_segments"]
    rows = {table: connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in tables}
    rows["fts"] = connection.execute("SELECT rowid, * FROM search_fts ORDER BY rowid").fetchall()
    return rows


def test_a_store_built_by_two_processes_is_the_one_built_by_one(
    run: Run, tmp_path: Path, isolated_environment: Path, monkeypatch: Any, forks: list[int]
) -> None:
    from rlhf_cli.loading import forked, schema

    folder = catalogue(tmp_path / "cat", "".join(paper(n) for n in range(40)))
    monkeypatch.setattr(schema, "SEGMENT_ENTRIES", 7)  # 43 entries: 7 segments, the helper makes 3
    monkeypatch.setattr(schema, "PARALLEL_ENTRIES", 10)
    monkeypatch.setattr(forked, "usable_cores", lambda: 2)
    assert schema._split(43) == 28
    parallel, parallel_answers = _store_rows(folder), answers(run, folder)
    assert len(forks) == 1
    for store_file in isolated_environment.glob("catalogue-*.sqlite"):
        store_file.unlink()
    monkeypatch.setattr(schema, "PARALLEL_ENTRIES", 10**9)
    assert _store_rows(folder) == parallel
    assert len(forks) == 1  # built by this process alone
    assert answers(run, folder) == parallel_answers == fresh_answers(run, folder, tmp_path)
    assert len(parallel["search_segments"]) == 7 and len(parallel["entries"]) == 43


@pytest.mark.parametrize("fault", ["the helper fails", "no process can be forked"])
def test_a_store_whose_helper_fails_is_the_one_built_by_one(
    tmp_path: Path, isolated_environment: Path, monkeypatch: Any, forks: list[int], fault: str
) -> None:
    """The derived rows' helper only saves time: failing, or never starting, it changes no row,
    and the store is still kept in the cache (a refused fork once ended the command)."""
    import tempfile

    from rlhf_cli.loading import forked, schema

    folder = catalogue(tmp_path / "cat", "".join(paper(n) for n in range(40)))
    monkeypatch.setattr(schema, "SEGMENT_ENTRIES", 7)
    alone = _store_rows(folder)
    for store_file in isolated_environment.glob("catalogue-*.sqlite"):
        store_file.unlink()
    monkeypatch.setattr(schema, "PARALLEL_ENTRIES", 10)
    monkeypatch.setattr(forked, "usable_cores", lambda: 2)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    if fault == "the helper fails":

        def fails(self: object) -> tuple[()]:
            raise RuntimeError("the helper breaks")

        monkeypatch.setattr(schema._Helper, "_write_scratch", fails)
    else:

        def refused() -> int:
            raise BlockingIOError(11, "Resource temporarily unavailable")

        monkeypatch.setattr(os, "fork", refused)
    assert _store_rows(folder) == alone
    assert len(forks) == (1 if fault == "the helper fails" else 0)
    assert len(list(isolated_environment.glob("catalogue-*.sqlite"))) == 1
    assert list(scratch.iterdir()) == [], "the helper's scratch files are removed"

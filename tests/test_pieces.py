"""A big file is parsed and checked in pieces (loader._pieces): the answers and problems must be
those of parsing it whole, and a file whose pieces could read differently is parsed whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rlhf_cli.loading import loader, schema

BUNDLED = Path(__file__).resolve().parents[1] / "catalog"


def _both(monkeypatch: pytest.MonkeyPatch, contents: list[tuple[str, bytes]]) -> tuple[Any, Any]:
    """`_parse_and_check` of `contents` in pieces of two tables, and whole."""
    found = []
    for size in (2, 10**9):
        monkeypatch.setattr(loader, "PIECE_TABLES", size)
        entries, tables, problems = loader._parse_and_check(contents, schema.encode_table)
        found.append(([repr(entry) for entry in entries], tables, problems))  # entries compare by identity
    return found[0], found[1]


def _bundled() -> list[tuple[str, bytes]]:
    return [(str(path), path.read_bytes()) for path in sorted(BUNDLED.glob("*.toml"))]


def test_the_bundled_catalogue_in_pieces_is_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    contents = _bundled()
    papers = next(raw for path, raw in contents if path.endswith("papers.toml")).decode()
    monkeypatch.setattr(loader, "PIECE_TABLES", 2)
    texts = loader._piece_texts(papers)
    assert texts is not None and loader._pieces("papers.toml", texts, lambda: papers, schema.encode_table) is not None
    pieces, whole = _both(monkeypatch, contents)
    assert len(whole[0]) > 100
    assert pieces == whole


def _papers_edited(edit: str, before: int = 5) -> list[tuple[str, bytes]]:
    """The bundled catalogue with `edit` (a TOML text) placed before the `before`-th [[paper]] of papers.toml."""
    contents = []
    for path, raw in _bundled():
        if path.endswith("papers.toml"):
            text = raw.decode()
            place = -1
            for _ in range(before):
                place = text.index("[[paper]]", place + 1)
            raw = (text[:place] + edit + text[place:]).encode()
        contents.append((path, raw))
    return contents


@pytest.mark.parametrize(
    "edit",
    [
        # bad entries: a wrong type, an unknown key, a duplicate id, a link to nothing
        '[[paper]]\nid = "bad-year"\ntitle = "T"\nyear = "2020"\n\n',
        '[[paper]]\nid = "extra-key"\ntitle = "T"\nyear = 2020\nnonsense = 1\n\n',
        '[[paper]]\nid = "instructgpt"\ntitle = "Again"\nyear = 2022\n\n',
        '[[paper]]\nid = "linked"\ntitle = "T"\nyear = 2022\ndatasets = ["no-such-dataset"]\n\n',
        # headers that only look like split points: inside a multi-line string, and in another kind's run
        '[[paper]]\nid = "notes"\ntitle = "T"\nyear = 2022\nnotes = """\n[[paper]]\nid = "fake"\n"""\n\n',
        "[[paper]]\nid = \"literal\"\ntitle = \"T\"\nyear = 2022\nnotes = '''\n[[paper]]\n'''\n\n",
        '[[dataset]]\nid = "interleaved"\nname = "D"\n\n',
        # a table that is not an array of tables, and a broken file
        '[paper]\nid = "plain"\n\n',
        '[[paper]]\nid = "unclosed\ntitle = "T"\n\n',
    ],
)
def test_a_file_in_pieces_reads_as_the_whole(monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    pieces, whole = _both(monkeypatch, _papers_edited(edit))
    assert pieces == whole


def _built(monkeypatch: pytest.MonkeyPatch, cache: Path) -> list[str]:
    """The entries of the bundled catalogue's store, built afresh in `cache`."""
    monkeypatch.setenv("RLHF_CACHE_DIR", str(cache))
    monkeypatch.setenv("RLHF_NO_BUNDLED", "1")
    view = loader.open_view([BUNDLED])
    return [repr(entry) for entry in view.catalogue().entries]


def test_tables_staged_on_disk_leave_nothing_and_match_memory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    on_disk = _built(monkeypatch, tmp_path / "a")
    assert list((tmp_path / "scratch").iterdir()) == []  # the scratch file is gone

    def no_temporary_file(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", no_temporary_file)
    in_memory = _built(monkeypatch, tmp_path / "b")
    assert len(on_disk) > 100
    assert on_disk == in_memory


# Before the 800th paper: in a piece a helper reads.
LATE = 800


def _read(
    monkeypatch: pytest.MonkeyPatch, forks: list[int], contents: list[tuple[str, bytes]], cores: int
) -> tuple[Any, int]:
    """`_parse_and_check` of `contents` in pieces of two tables, with a helper process where
    `cores` allows one (forked.usable_cores); and how many processes it forked (`forks`: conftest)."""
    from rlhf_cli.loading import forked

    before = len(forks)
    monkeypatch.setattr(forked, "usable_cores", lambda: cores)
    monkeypatch.setattr(loader, "PIECE_TABLES", 2)
    digests: list[tuple[int, str, str]] = []
    entries, tables, problems = loader._parse_and_check(contents, schema.encode_table, digests=digests)
    return ([repr(entry) for entry in entries], tables, problems, digests), len(forks) - before


@pytest.mark.parametrize(
    "edit",
    [
        "",
        '[[paper]]\nid = "bad-year"\ntitle = "T"\nyear = "2020"\n\n',  # a wrong type
        '[[paper]]\nid = "instructgpt"\ntitle = "Again"\nyear = 2022\n\n',  # an id the parent's pieces hold
        '[[paper]]\nid = "linked"\ntitle = "T"\nyear = 2022\ndatasets = ["no-such-dataset"]\n\n',
        '[[paper]]\nid = "notes"\ntitle = "T"\nyear = 2022\nnotes = """\n[[paper]]\nid = "fake"\n"""\n\n',
        '[[paper]]\nid = "unclosed\ntitle = "T"\n\n',  # the helper's piece does not parse: the file is read whole
    ],
)
def test_pieces_a_helper_reads_are_those_read_here(
    monkeypatch: pytest.MonkeyPatch, forks: list[int], edit: str
) -> None:
    contents = _papers_edited(edit, LATE)
    helped, forked = _read(monkeypatch, forks, contents, cores=2)
    alone, not_forked = _read(monkeypatch, forks, contents, cores=1)
    assert forked > 0 and not_forked == 0  # a helper for each file of 8 pieces or more
    assert helped == alone
    assert len(helped[0]) > (100 if "unclosed" in edit else 800)  # the papers file left out, or not
    if edit:
        assert helped[2]  # the edit's problem, found by the helper, is reported as here


def test_a_helper_that_fails_changes_nothing(monkeypatch: pytest.MonkeyPatch, forks: list[int]) -> None:
    import os

    contents = _papers_edited('[[paper]]\nid = "bad-year"\ntitle = "T"\nyear = "2020"\n\n', LATE)
    alone, _ = _read(monkeypatch, forks, contents, cores=1)
    parent = os.getpid()
    checked_alone = loader._checked_alone

    def failing_in_the_helper(*args: Any) -> Any:
        if os.getpid() != parent:
            raise RuntimeError("the helper fails")
        return checked_alone(*args)

    monkeypatch.setattr(loader, "_checked_alone", failing_in_the_helper)
    failed, forked = _read(monkeypatch, forks, contents, cores=2)
    assert forked > 0
    assert failed == alone

    def no_temporary_file(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    import tempfile

    monkeypatch.setattr(tempfile, "mkstemp", no_temporary_file)  # no helper can start: all read here
    unhelped, forked = _read(monkeypatch, forks, contents, cores=2)
    assert forked == 0
    assert unhelped == alone


def test_a_pieces_content_digest_is_made_from_its_tables_encodings(monkeypatch: pytest.MonkeyPatch) -> None:
    """loader._encoded builds the content's JSON from each table's, once: the digest must be the
    one of encoding the whole piece (`_digests`, which patch.py and a reuse compare with)."""
    import tomli

    monkeypatch.setattr(loader, "PIECE_TABLES", 50)
    pieces = [piece for path, raw in _bundled() for piece in (loader._piece_texts(raw.decode()) or [raw.decode()])]
    pieces.append('[[paper]]\nid = "ü"\ntitle = "引号 \\" \\\\ \\u2028"\ncode = [{ url = "u", official = false }]\n')
    pieces.append("[[dataset]]\n[[paper]]\n")  # tables of two kinds, and nearly empty ones
    assert len(pieces) > 20
    for piece in pieces:
        data = tomli.loads(piece)
        content, encoded = loader._encoded(data)
        assert content == loader._digests(piece, data)[1]
        assert sorted(encoded.values()) == sorted(schema.encode_table(t) for tables in data.values() for t in tables)


def test_a_big_files_text_is_read_back_only_to_locate_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """While a big file is checked in pieces, its text waits in a temporary file (loader._spilled),
    and is read back only when a problem needs a line: the line is the one in the file."""
    from rlhf_cli.loading import forked

    reads: list[str] = []
    spilled = loader._spilled

    def counted(text: str, spills: Any) -> Any:
        read = spilled(text, spills)

        def counted_read() -> str:
            reads.append(text[:9])
            return read()

        return counted_read

    monkeypatch.setattr(loader, "_spilled", counted)
    monkeypatch.setattr(forked, "usable_cores", lambda: 1)  # problems are located in this process
    monkeypatch.setattr(loader, "PIECE_TABLES", 2)
    assert loader._parse_and_check(_bundled(), schema.encode_table)[2] == []
    assert reads == []
    contents = _papers_edited('[[paper]]\nid = "bad-year"\ntitle = "T"\nyear = "2020"\n\n', LATE)
    problems = loader._parse_and_check(contents, schema.encode_table)[2]
    papers = next(raw for path, raw in contents if path.endswith("papers.toml")).decode()
    line = papers[: papers.index('id = "bad-year"')].count("\n") + 1
    assert problems and {(problem.entry, problem.line) for problem in problems} == {("bad-year", line)}
    assert len(reads) == 1  # by the piece with the problems


def test_a_big_file_is_checked_without_a_temporary_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """If its text cannot be written to a temporary file, it is kept in memory: the same answers."""
    import tempfile

    contents = _papers_edited('[[paper]]\nid = "bad-year"\ntitle = "T"\nyear = "2020"\n\n', LATE)
    monkeypatch.setattr(loader, "PIECE_TABLES", 2)
    spilled = loader._parse_and_check(list(contents), schema.encode_table)

    def no_temporary_file(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_temporary_file)
    in_memory = loader._parse_and_check(list(contents), schema.encode_table)
    assert [repr(entry) for entry in spilled[0]] == [repr(entry) for entry in in_memory[0]]
    assert spilled[1:] == in_memory[1:] and in_memory[2]

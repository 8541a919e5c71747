"""Tables on narrow terminals: ids never wrap; optional columns drop; a list when no table fits."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("width", ["200", "100", "70", "50"])
def test_ids_are_never_broken(run, width: str) -> None:  # type: ignore[no-untyped-def]
    ids = run("papers", "--env", "atari", "-f", "ids").stdout.split()
    table = run("papers", "--env", "atari", "-f", "table", env={"COLUMNS": width}).stdout
    assert all(entry_id in table for entry_id in ids), table
    if "┃" in table:  # a table fits the width (a list's long lines are the terminal's to wrap)
        assert all(len(line) <= int(width) for line in table.splitlines())


def test_optional_columns_drop_before_the_title_and_id(run) -> None:  # type: ignore[no-untyped-def]
    wide = run("papers", "--env", "atari", "-f", "table", env={"COLUMNS": "160"}).stdout
    narrow = run("papers", "--env", "atari", "-f", "table", env={"COLUMNS": "70"}).stdout
    assert "Authors" in wide and "Authors" not in narrow
    assert "Title" in narrow and "ID" in narrow


def test_too_narrow_for_a_table_gives_a_list(run) -> None:  # type: ignore[no-untyped-def]
    out = run("papers", "--env", "atari", "-f", "table", env={"COLUMNS": "40"}).stdout
    assert "┃" not in out and "ID: deep-tamer" in out and "Title: Deep TAMER" in out

"""Long tables page through $PAGER on a terminal, never in a pipe, and never with --no-pager."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

from .test_entry_point import RLHF, rlhf_env


def _on_a_terminal(args: list[str], env: dict[str, str]) -> None:
    """Run rlhf with stdin and stdout on a pseudo-terminal of 20 lines, reading all it prints."""
    main, terminal = pty.openpty()
    process = subprocess.Popen([RLHF, *args], stdin=terminal, stdout=terminal, stderr=subprocess.DEVNULL, env=env)
    os.close(terminal)
    try:
        while True:
            try:
                if not os.read(main, 65536):
                    break
            except OSError:  # the terminal closed: the process is done
                break
    finally:
        os.close(main)
    assert process.wait(timeout=60) == 0


def test_a_long_table_pages_on_a_terminal_only(tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    env = rlhf_env(tmp_path, PAGER=f"cat > '{paged}'", LINES="20", COLUMNS="100", TERM="dumb")
    _on_a_terminal(["papers", "-f", "table", "--year", "2024"], env)
    assert paged.exists() and "Title" in paged.read_text(encoding="utf-8")

    paged.unlink()
    _on_a_terminal(["--no-pager", "papers", "-f", "table", "--year", "2024"], env)
    assert not paged.exists()

    piped = subprocess.run([RLHF, "papers", "-f", "table", "--year", "2024"], env=env, capture_output=True, text=True)
    assert piped.returncode == 0 and "Title" in piped.stdout and not paged.exists()


def test_a_short_table_is_not_paged(tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    env = rlhf_env(tmp_path, PAGER=f"cat > '{paged}'", LINES="200", COLUMNS="100", TERM="dumb")
    _on_a_terminal(["papers", "-f", "table", "--env", "atari"], env)
    assert not paged.exists()

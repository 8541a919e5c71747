"""The `rlhf` entry point."""

from __future__ import annotations

import errno
import os
import sys

# What writing to a closed (EBADF), full (ENOSPC, EDQUOT) or failing (EIO) stdout raises.
_OUTPUT_FAILURES = frozenset({errno.EBADF, errno.ENOSPC, errno.EDQUOT, errno.EIO})


def main() -> None:
    """Run the CLI; answer `rlhf --version` without importing the CLI framework at all."""
    _standard_streams()
    try:
        if sys.argv[1:] in (["--version"], ["-V"]):
            from .version import __version__

            sys.stdout.write(f"rlhf {__version__}\n")
            sys.stdout.flush()
            return
        from .hotpath import run

        # The commonest command lines and completion requests are answered without Typer (see hotpath.py).
        code = run(sys.argv[1:])
        if code is not None:
            sys.exit(code)
        from .cli.typer_app import ClickUsageError, build_app, usage_line

        # Only the command being run is built (see cli.build_app); anything else gets the full app.
        app = build_app(sys.argv[1] if len(sys.argv) > 1 else None)
        try:
            code = app(prog_name="rlhf", standalone_mode=False)
        except ClickUsageError as error:
            line = usage_line(error)
            if line is None:
                error.show()  # type: ignore[attr-defined]  # Click's: `rlhf` alone prints the help
            else:
                from .output.render import error as say

                say(line)
            sys.exit(2)
        if isinstance(code, int) and code:
            sys.exit(code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        from .output.render import drop_stdout

        drop_stdout()
    except OSError as error:
        # Our own output fails inside the error boundary (render.write); this is what Typer
        # itself writes (help, usage) and --version. An OSError naming a file is someone else's.
        if error.errno not in _OUTPUT_FAILURES or error.filename is not None:
            raise
        from .errors import ExitCode
        from .output.render import drop_stdout
        from .output.render import error as report

        drop_stdout()
        report(f"cannot write to stdout: {error.strerror}")
        sys.exit(ExitCode.WRITE)


def _standard_streams() -> None:
    """Make stdin, stdout and stderr safe to use whatever state the caller left them in.

    A closed descriptor (`rlhf papers >&-`) leaves Python's stream as None, and the next file
    opened would take its number (so a library writing to fd 2 would write into that file).
    Each closed one is taken by /dev/null opened read-only: reading gives end of file, writing
    fails with EBADF, which is reported like a full disk. Without stderr, messages are lost but
    exit codes stay. An encoding that cannot show every character (PYTHONIOENCODING=ascii, a
    Latin-1 locale) gets backslash escapes instead of an exception.
    """
    for number, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is not None:
            continue
        try:
            os.fstat(number)
        except OSError:
            placeholder = os.open(os.devnull, os.O_RDONLY)
            if placeholder != number:
                os.dup2(placeholder, number)
                os.close(placeholder)
        target: str | int = os.devnull if name == "stderr" else number
        stream = open(target, "r" if name == "stdin" else "w", encoding="utf-8", closefd=name == "stderr")  # noqa: SIM115  # kept for the whole run, like sys.stdout itself
        setattr(sys, name, stream)
    for output in (sys.stdout, sys.stderr):
        encoding = (getattr(output, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if encoding not in ("utf8", "utf16", "utf32") and hasattr(output, "reconfigure"):
            output.reconfigure(errors="backslashreplace")

"""Work done by a forked helper process beside this one, on a machine with a second core.

A first build of a big catalogue has work that splits cleanly: its pieces are parsed and
checked independently (loader._pieces). A forked child shares everything the parent had (the
files' text, the loaded modules) without pickling any of it, and hands back only its result,
pickled into a temporary file item by item, and read back the same way (so that neither process
holds all of it at once). The helper only ever saves time: if it fails in any way (an
exception, a signal, no result), the caller does the work itself, so nothing a helper does can
change an answer.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator


def usable_cores() -> int:
    """The cores this process may run on, if it can fork (a helper process needs both)."""
    if not hasattr(os, "fork"):
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def start(work: Callable[[], Iterable[object]]) -> Helper | None:
    """A helper process running `work()`, or None where one cannot help (a single core, no fork)
    or cannot be had (no temporary file, no process to spare): the caller then does the work."""
    if usable_cores() < 2:
        return None
    try:
        return Helper(work)
    except OSError:
        return None


class Helper:
    """A forked process running `work()`; `results()` waits for it, then reads what it made.

    Use it as a context manager: leaving the block (an error, Ctrl-C) stops a helper still at work
    and removes its file.
    """

    def __init__(self, work: Callable[[], Iterable[object]]) -> None:
        handle, self._path = tempfile.mkstemp(prefix="rlhf-helper-", suffix=".pickle")
        os.close(handle)
        try:
            self._pid = os.fork()
        except OSError:
            os.unlink(self._path)
            raise
        if self._pid == 0:  # the helper: never returns, and touches nothing of its parent's
            code = 1
            try:
                with open(self._path, "wb") as out:
                    for item in work():
                        pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)

    def results(self) -> Iterator[object] | None:
        """The items `work()` made, read one at a time; None if the helper failed (then nothing
        it made is used)."""
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        try:
            stream = open(self._path, "rb")  # noqa: SIM115  # closed by _items, once read
        except OSError:
            return None
        return self._items(stream)

    @staticmethod
    def _items(stream: io.BufferedReader) -> Iterator[object]:
        with stream:
            while stream.peek(1):
                yield pickle.load(stream)

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helper if it is still at work, and remove its file."""
        if self._pid:  # not waited for: stop it
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
        with contextlib.suppress(OSError):
            os.unlink(self._path)

"""Replacing a file safely: the one way this tool writes a file whole or not at all.

A write goes to a temporary file beside the real one, which is then renamed over it, so an
interrupted write leaves the old file whole (exports, imports and the cache's stores all write
this way). A user's file must be a plain file: renaming over `/dev/null` (as root) or a FIFO
would replace the node itself (`writable_destination`). A link is followed, so the link stays
and the file it names is replaced. The new file keeps the mode (and, for root, the owner) of the
file it replaces; a new file gets the mode the umask allows, as `>` in a shell would, unless the
caller names one.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import UsageError


def writable_destination(destination: Path, looks_like: Callable[[bytes], bool], what: str, force: bool) -> Path:
    """The real path to write `destination` to; UsageError if it must not be replaced.

    `looks_like` tells from a file's first bytes whether it already holds `what` (a file of
    another kind is replaced only with `force`).
    """
    target = destination.resolve()
    if not target.parent.is_dir():
        raise UsageError(f"the folder {target.parent} does not exist")
    try:
        info = target.stat()
    except FileNotFoundError:
        return target
    except OSError as error:
        raise UsageError(f"cannot use {destination}: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{destination} is a folder; give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{destination} is not a regular file (a device, FIFO or socket); refusing to replace it")
    if not force and info.st_size > 0:
        try:
            with target.open("rb") as stream:
                head = stream.read(8192)
        except OSError as error:
            raise UsageError(f"cannot read {destination}: {error.strerror or error}") from None
        if not looks_like(head):
            raise UsageError(f"{destination} does not hold {what}; refusing to replace it (use --force to replace it)")
    return target


def replace_file(
    target: Path, write: Callable[[Path], object], *, durable: bool = False, new_mode: int | None = None
) -> None:
    """Have `write` fill a temporary file beside `target`, then rename it over `target`.

    A link is followed (its file is replaced, the link stays). With `durable`, the file's bytes
    are on disk before it takes the name (what a cache that is trusted after a crash needs).
    `new_mode` is the mode of a file that did not exist (else the umask decides).
    """
    target = target.resolve() if target.is_symlink() else target
    # The temporary's name starts with the target's stem, which the cache's pruning relies on.
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        _take_mode(temporary, target, new_mode)
        if durable:
            with open(temporary, "rb+") as stream:
                os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _take_mode(new: Path, old: Path, new_mode: int | None) -> None:
    try:
        info = old.stat()
    except FileNotFoundError:
        if new_mode is not None:
            new.chmod(new_mode)
            return
        umask = os.umask(0)
        os.umask(umask)
        new.chmod(0o666 & ~umask)
        return
    new.chmod(stat.S_IMODE(info.st_mode))
    if os.geteuid() == 0 and (info.st_uid, info.st_gid) != (0, 0):
        os.chown(new, info.st_uid, info.st_gid)

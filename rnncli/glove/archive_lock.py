"""One fetch at a time per archive: an exclusive lock that leaves no lock file behind.

Why not ``filelock`` (which torch installs): on Unix it never removes its lock file, and rnncli
promises that a finished fetch leaves nothing in the cache but the set; removing the file safely
needs the inode check below. It is also the cheaper one (``benchmarks/glove_formats.py``: a
fresh process that takes and drops the lock, 0.027 s of CPU against 0.061 s with filelock), and
filelock is no dependency of rnncli's own (torch before 2.0, which rnncli accepts, lacks it).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def archive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` so two fetches never write one ``.part``.

    The second fetch waits; when it gets the lock the first has finished (or died: the kernel
    drops a dead process's lock), and it finds the set in the cache or resumes the ``.part``.

    The lock file is removed when the holder is done, so a finished fetch, failed or not, leaves
    no ``.lock`` behind (and no empty ``downloads`` folder). Removing a lock file is safe only
    with the check below: a waiter may have opened the file just before it was unlinked, and
    would then hold a lock on a file nobody else can see while a third fetch locks a new one.
    So after ``flock`` returns, a fetch checks that the path still names the very file it
    locked (same device and inode) and otherwise starts over; only the holder unlinks, and it
    does so before it unlocks.
    """
    lock_path = path.with_name(path.name + ".lock")
    try:
        import fcntl  # noqa: F401 - only whether it exists
    except ImportError:  # pragma: no cover - Windows: no advisory locks, no waiting
        path.parent.mkdir(parents=True, exist_ok=True)
        yield
        return
    fd = _acquire(lock_path)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        os.close(fd)  # closing drops the flock
        with contextlib.suppress(OSError):  # only when empty: a .part or a kept archive stays
            os.rmdir(path.parent)


def _acquire(lock_path: Path) -> int:
    """Open and flock ``lock_path``, retrying until the locked file is the one the path names."""
    import fcntl

    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except FileNotFoundError:  # the folder was removed by the holder that just finished
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held = os.fstat(fd)
            try:
                named = os.stat(lock_path)
            except FileNotFoundError:
                named = None
        except BaseException:
            os.close(fd)
            raise
        if named is not None and (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino):
            return fd
        os.close(fd)  # unlinked (or replaced) by the previous holder: lock the current one

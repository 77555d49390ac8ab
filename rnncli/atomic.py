"""Write files so that a failed or interrupted run never leaves a half-written one in place.

Everything rnncli saves (vocabularies, exported embeddings, the GloVe cache) goes through here:
the data is written to a temporary file in the target's own folder, flushed to disk, then renamed
over the target in one step. Readers see the old file or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Union

from rnncli.errors import RnncliError

PathLike = Union[str, "os.PathLike[str]"]


@contextlib.contextmanager
def atomic_path(target: PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` if the block succeeds.

    For writers that want a path (``torch.save``, ``numpy.save``). On any exception the
    temporary file is removed and ``target`` is untouched. A folder that cannot be made or
    written, or a full disk, is a :class:`~rnncli.errors.RnncliError` naming ``target``, not
    the temporary file.
    """
    target = Path(target)
    blocked = file_in_the_way(target)
    if blocked is not None:
        raise RnncliError(f"cannot write {target}: {blocked} is not a folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=target.parent
        )
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    os.close(fd)
    tmp = Path(tmp_name)
    _plain_permissions(tmp)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(exc, OSError) and (
            exc.filename in (tmp_name, str(tmp), str(target)) or exc.errno in _WRITE_ERRNOS
        ):
            raise _cannot_write(target, exc) from None
        raise


def file_in_the_way(target: PathLike) -> Path | None:
    """The file (not a folder) among ``target``'s parents that keeps it from being written,
    if any: ``--save notes.txt/run.svg`` when notes.txt is a file."""
    for part in Path(target).parents:
        if part.exists():
            return None if part.is_dir() else part
        if part.is_symlink():  # a dangling link: mkdir will say why
            return None
    return None


#: Errors of writing itself: they name the target even when the OSError carries no file name.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def atomic_torch_save(obj: object, target: PathLike, suffix: str = "") -> Path:
    """``torch.save(obj)`` to ``target`` atomically; a failed write names ``target``.

    torch's zip writer reports a full disk as a ``RuntimeError`` ("unexpected pos ..."), not an
    OSError, so it is turned into the same :class:`~rnncli.errors.RnncliError` here.
    """
    import torch

    try:
        with atomic_path(target, suffix=suffix) as tmp:
            torch.save(obj, tmp)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RnncliError(f"cannot write {target}: torch.save failed ({first})") from None
    return Path(target)


def _cannot_write(target: Path, exc: OSError) -> RnncliError:
    return RnncliError(f"cannot write {target}: {exc.strerror or exc}")


@contextlib.contextmanager
def atomic_write(target: PathLike, mode: str = "w", encoding: str = "utf-8") -> Iterator[IO]:
    """Open a temporary file for writing; it replaces ``target`` only if the block succeeds."""
    with atomic_path(target) as tmp:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": "\n"}
        with open(tmp, mode, **kwargs) as handle:
            yield handle


def _plain_permissions(path: Path) -> None:
    """``mkstemp`` makes owner-only files; give the permissions a plain ``open`` would."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())

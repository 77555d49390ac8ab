"""Files a user names on the command line: one wording, and whose mistake it is.

A corpus, a vocabulary or a GloVe file that is missing, a folder or unreadable is the user's
mistake (a :class:`~rnncli.errors.UsageError` on the option that named it, exit 2); a file rnncli
made itself that vanished is a failure (:class:`~rnncli.errors.RnncliError`, exit 1). Every
command says it the same way: ``--from: cannot read glove.zip: no such file``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, Optional

from rnncli.errors import RnncliError, UsageError


def unreadable(path: Path, why: str, option: Optional[str] = None) -> RnncliError:
    """``cannot read PATH: WHY``, a UsageError on ``option`` when the user named the file."""
    message = f"cannot read {path}: {why}"
    return UsageError(message, option) if option else RnncliError(message)


def open_error(path: Path, exc: OSError, option: Optional[str] = None) -> RnncliError:
    """The error for an ``open(path)`` that raised ``exc``."""
    if isinstance(exc, FileNotFoundError):
        return unreadable(path, "no such file", option)
    if isinstance(exc, IsADirectoryError):
        return unreadable(path, "it is a folder", option)
    return unreadable(path, str(exc.strerror or exc).lower(), option)


def check_readable(path: Path, option: Optional[str] = None) -> None:
    """Fail early, before any work, when ``path`` is missing, a folder or unreadable."""
    path = Path(path)
    if path.is_dir():
        raise unreadable(path, "it is a folder", option)
    if not path.exists():
        raise unreadable(path, "no such file", option)
    if not os.access(path, os.R_OK):
        raise unreadable(path, "permission denied", option)


def _stdin_closed(option: Optional[str]) -> UsageError:
    return UsageError(
        "- reads stdin, but stdin is closed: pipe the input in (... | rnncli ...)",
        option,
    )


def stdin_binary(option: Optional[str] = None) -> IO[bytes]:
    """The process's stdin as bytes; a UsageError on ``option`` when there is none (``<&-``)."""
    stream = sys.stdin
    if stream is None or getattr(stream, "closed", False):
        raise _stdin_closed(option)
    binary = getattr(stream, "buffer", None)
    return binary if binary is not None else stream  # type: ignore[return-value]


def read_stdin(option: Optional[str] = None) -> str:
    """All of stdin as text, without the byte-order mark a Windows editor puts first.

    A closed or absent stdin (``<&-``) is a UsageError on ``option``, never an AttributeError.
    """
    stream = sys.stdin
    if stream is None or getattr(stream, "closed", False):
        raise _stdin_closed(option)
    try:
        text = stream.read()
    except (OSError, ValueError):  # a descriptor closed under Python's stream object
        raise _stdin_closed(option) from None
    return text[1:] if text.startswith("\ufeff") else text


def check_writable_place(path: Path, option: Optional[str] = None) -> None:
    """Fail early, before any work, when ``path`` cannot be written because one of its parents
    is a file, not a folder (a UsageError on ``option``); missing folders are made later."""
    from rnncli.atomic import file_in_the_way

    blocked = file_in_the_way(path)
    if blocked is not None:
        raise UsageError(f"cannot write {path}: {blocked} is not a folder", option)
    if Path(path).is_dir():
        raise UsageError(f"cannot write {path}: it is a folder; name a file", option)

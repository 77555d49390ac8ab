"""Open a GloVe source the user has (text, zip or gzip) as one stream of bytes for the parser.

The kind is told by the first bytes, not the file name: a ``.zip`` that is really an HTML error
page (a common result of a failed download) is reported as such, and a gzip named ``.txt`` still
works. From a zip only the needed member is read (``glove.6B.50d.txt`` out of the 822 MB
``glove.6B.zip``), streamed through :mod:`zipfile`, which checks the member's CRC-32 when it
reaches the end. Any damage found while reading (bad CRC, truncated data) becomes an
:class:`ArchiveError` with the file's name, never a traceback; since the store writes a set
under a temporary name, an error half-way leaves the cache as it was.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, Optional

from rnncli import input_files
from rnncli.errors import RnncliError

#: ``progress(done, total)``: bytes read so far, and the total when it is known.
ByteProgress = Callable[[int, Optional[int]], None]

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
GZIP_MAGIC = b"\x1f\x8b"
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<!--", b"<title")
_READ_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error, OSError, NotImplementedError)


class ArchiveError(RnncliError):
    """The file is damaged or is not what it claims to be (truncated, bad CRC, an HTML page)."""


def looks_like_html(head: bytes) -> bool:
    """True when ``head`` (the first bytes of a file) is an HTML or XML page."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(_HTML_STARTS)


def sniff(head: bytes) -> str:
    """``"zip"``, ``"gzip"``, ``"html"``, ``"binary"``, ``"empty"`` or ``"text"``, from a file's
    first bytes."""
    if not head:
        return "empty"
    if head.startswith(ZIP_MAGICS):
        return "zip"
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if looks_like_html(head):
        return "html"
    if looks_binary(head):
        return "binary"
    return "text"


def looks_binary(head: bytes) -> bool:
    """True when ``head`` is no text: a NUL byte, or bytes that are not UTF-8 before the last
    three (where a character may be cut by the read)."""
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 3
    return False


def check_readable(path: Path, option: Optional[str] = None) -> None:
    """Fail early when ``path`` is missing, a folder or unreadable (see :func:`detect_kind`)."""
    input_files.check_readable(path, option)


def detect_kind(path: Path, option: Optional[str] = None) -> str:
    """The kind of ``path`` by its magic bytes; raises :class:`ArchiveError` for useless files.

    A file that cannot be opened at all is a :class:`~rnncli.errors.UsageError` on ``option``
    (``--from``) when one is given, since the user named it; damaged content stays an
    :class:`ArchiveError` (exit 1).
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        raise input_files.open_error(path, exc, option) from None
    return _checked_kind(path, head)


def _checked_kind(path: Path, head: bytes) -> str:
    """The kind of a source whose first bytes are ``head``; useless ones are an ArchiveError."""
    kind = sniff(head)
    if kind == "empty":
        raise ArchiveError(f"{path}: the file is empty")
    if kind == "html":
        raise ArchiveError(
            f"{path}: this is an HTML page, not GloVe data (a web server's error or login page "
            "saved under the archive's name); download the archive again"
        )
    if kind == "binary":
        raise ArchiveError(
            f"{path}: not text, and not a zip or gzip archive either (it starts with "
            f"{head[:16]!r}); a GloVe source is the .zip, its .txt, or a .gz of the .txt"
        )
    if kind == "text" and path.suffix.lower() in (".zip", ".gz", ".gzip"):
        raise ArchiveError(
            f"{path}: named {path.suffix} but it is not a {path.suffix.lstrip('.')} archive "
            f"(it starts with {head[:16]!r})"
        )
    return kind


@dataclass
class OpenedSource:
    """A GloVe source opened for reading: ``stream`` yields the text's bytes, split on ``\\n``.

    ``total`` is the number of bytes the progress callback counts towards (the member's size for
    a zip, the compressed size for gzip, the file size for text), or None when unknown.
    """

    path: Path
    kind: str
    member: Optional[str]
    total: Optional[int]
    stream: BinaryIO
    _closers: list[Any] = field(default_factory=list, repr=False)

    @property
    def description(self) -> str:
        """``glove.6B.zip:glove.6B.50d.txt`` for a zip member, else the file name."""
        return f"{self.path.name}:{self.member}" if self.member else self.path.name

    def close(self) -> None:
        """Close the stream and the files under it."""
        for closer in [self.stream, *reversed(self._closers)]:
            # Closing after an error must not hide the error.
            with contextlib.suppress(Exception):
                closer.close()

    def __enter__(self) -> OpenedSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _GuardedReader(io.RawIOBase):
    """Reads from ``inner``, counts bytes for progress, and turns read errors into ArchiveError."""

    def __init__(
        self,
        inner: IO[bytes],
        what: str,
        total: Optional[int],
        progress: Optional[ByteProgress],
        position: Optional[Callable[[], int]] = None,
    ) -> None:
        super().__init__()
        self._inner = inner
        self._what = what
        self._total = total
        self._progress = progress
        self._position = position
        self._done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._inner.read(len(buffer))
        except NotImplementedError as exc:
            raise ArchiveError(
                f"{self._what}: {exc}; unpack it with another tool and pass the .txt to --from"
            ) from None
        except _READ_ERRORS as exc:
            raise ArchiveError(
                f"{self._what} is damaged or truncated ({exc}); download it again"
            ) from None
        count = len(data)
        buffer[:count] = data
        self._done += count
        if self._progress is not None:
            done = self._position() if self._position is not None else self._done
            self._progress(done, self._total)
        return count


def _zip_member(archive: zipfile.ZipFile, member: str, path: Path) -> zipfile.ZipInfo:
    names = [info for info in archive.infolist() if not info.is_dir()]
    for info in names:
        if info.filename == member:
            return info
    for info in names:  # the same file inside a folder of the zip
        if info.filename.rsplit("/", 1)[-1] == member:
            return info
    listing = ", ".join(info.filename for info in names) or "none"
    raise ArchiveError(f"{path.name} has no member {member} (its members: {listing})")


def open_source(
    path: str | Path,
    member: str,
    *,
    progress: Optional[ByteProgress] = None,
    option: Optional[str] = None,
) -> OpenedSource:
    """Open ``path`` (text, zip or gzip) and return the text of ``member`` as a binary stream.

    ``member`` is the text file's name (``glove.6B.50d.txt``); for a zip it picks the member,
    for text and gzip it is only recorded. ``option`` names the option the user gave the path
    with (``--from``): a file that cannot be opened is then a UsageError on it (exit 2). Use as
    a context manager so the files are closed.
    """
    path = Path(path)
    buffer_size = 1 << 20
    if path.exists() and not path.is_file() and not path.is_dir():
        return _open_pipe(path, progress, option, buffer_size)
    kind = detect_kind(path, option)
    if kind == "zip":
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ArchiveError(
                f"{path.name} is not a readable zip, probably truncated ({exc}); download it again"
            ) from None
        try:
            info = _zip_member(archive, member, path)
            inner = archive.open(info)
        except ArchiveError:
            archive.close()
            raise
        except (zipfile.BadZipFile, OSError, NotImplementedError, EOFError) as exc:
            archive.close()
            raise ArchiveError(f"{path.name}: cannot read {member} ({exc})") from None
        what = f"{path.name}:{info.filename}"
        raw = _GuardedReader(inner, what, info.file_size, progress)
        stream = io.BufferedReader(raw, buffer_size)
        return OpenedSource(path, kind, info.filename, info.file_size, stream, [inner, archive])
    handle = open(path, "rb")  # noqa: SIM115 - closed by OpenedSource.close
    total = path.stat().st_size
    if kind == "gzip":
        inner_gz = gzip.GzipFile(fileobj=handle, mode="rb")
        raw = _GuardedReader(inner_gz, path.name, total, progress, position=handle.tell)
        stream = io.BufferedReader(raw, buffer_size)
        return OpenedSource(path, kind, None, total, stream, [handle, inner_gz])
    raw = _GuardedReader(handle, path.name, total, progress)
    return OpenedSource(path, kind, None, total, io.BufferedReader(raw, buffer_size), [handle])


def _open_pipe(
    path: Path, progress: Optional[ByteProgress], option: Optional[str], buffer_size: int
) -> OpenedSource:
    """A pipe (``--from <(zcat glove.gz)``) is read once: its kind comes from the bytes the
    stream itself holds, since opening it a second time would lose what the first read took."""
    try:
        # Unbuffered: a read takes what the writer has sent so far, where a buffered one would
        # wait for a whole 1 MB (and hold back the error in a bad line before it).
        handle = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by OpenedSource.close
    except OSError as exc:
        raise input_files.open_error(path, exc, option) from None
    raw = _GuardedReader(handle, path.name, None, progress)
    stream = io.BufferedReader(raw, buffer_size)
    try:
        kind = _checked_kind(path, stream.peek(512)[:512])
        if kind == "zip":
            raise ArchiveError(f"{path}: a zip cannot be read from a pipe; save it to a file first")
    except BaseException:
        stream.close()
        handle.close()
        raise
    if kind == "gzip":
        inner_gz = gzip.GzipFile(fileobj=stream, mode="rb")
        unzipped = io.BufferedReader(_GuardedReader(inner_gz, path.name, None, None), buffer_size)
        return OpenedSource(path, kind, None, None, unzipped, [handle, stream, inner_gz])
    return OpenedSource(path, kind, None, None, stream, [handle])

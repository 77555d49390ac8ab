"""Download a GloVe archive into the cache: fall back across sources, resume, verify.

The archive is written to ``<cache>/downloads/<archive>.part``. When a ``.part`` is already there
(a dropped connection, a killed process) the next request asks for the rest with
``Range: bytes=N-``; a server that answers 200 instead of 206 sends the whole file again and the
download restarts from zero. A dropped connection is retried on the same source while it makes
progress; an HTTP error, an HTML page or a failed check moves on to the next source. When no
source can even be reached (DNS failure, connection refused, timeout on connect) the download
fails at once with the manual steps instead of waiting.

Only a verified archive is renamed from ``.part`` to its real name: the expected size where it is
known, the published SHA-1 where there is one (hashed while downloading, or over the existing
part first when resuming), a first-bytes check that catches HTML error pages, and the zip's
central directory and member list. The member's CRC-32 is checked while it is imported
(:mod:`rnncli.glove.archive`).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import ssl
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from rnncli import __version__
from rnncli.dataclass_dict import fields_dict
from rnncli.errors import RnncliError
from rnncli.glove.archive import looks_like_html

#: ``progress(done, total)``: bytes of the archive on disk so far, and its size when known.
DownloadProgress = Callable[[int, Optional[int]], None]

CONNECT_TIMEOUT = 10.0  #: seconds to wait for a server to accept the connection
READ_TIMEOUT = 60.0  #: seconds without a byte before the connection counts as dropped
CHUNK = 1 << 16
MAX_STALLED_RETRIES = 2  #: retries on one source after a drop that brought no new bytes


@dataclass
class SourceAttempt:
    """One try at one URL and how it ended."""

    url: str
    outcome: str  #: ``ok``, or what went wrong (``HTTP 404 Not Found``, ``unreachable: ...``)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DownloadReport:
    """What was downloaded from where, and which checks it passed."""

    url: str
    path: str
    bytes: int
    resumed_from: int  #: bytes already on disk from an earlier, interrupted download
    seconds: float
    sha1: str
    expected_sha1: Optional[str]
    expected_bytes: Optional[int]
    size_verified: bool  #: the size matched the published size (or Content-Length)
    sha1_verified: bool  #: the SHA-1 matched the published one
    zip_verified: bool  #: the zip's central directory opened and lists the member
    attempts: list[SourceAttempt] = field(default_factory=list)
    resumes: int = 0  #: dropped connections continued with a Range request during this call

    def to_dict(self) -> dict:
        return fields_dict(self, values={"seconds": round(self.seconds, 3)})


class DownloadError(RnncliError):
    """No source gave a good archive. ``offline`` is True when none could even be reached."""

    def __init__(self, message: str, attempts: list[SourceAttempt], offline: bool) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.offline = offline


class _Unreachable(Exception):
    """The server could not be contacted at all."""


class _SourceFailed(Exception):
    """The server answered, but not with a usable archive: try the next source."""


class _Dropped(Exception):
    """The connection broke during the body; the ``.part`` keeps what arrived."""


class _Restart(Exception):
    """The ``.part`` cannot be continued (bad range answer): start again from zero."""


class _Hasher:
    """SHA-1 of the ``.part`` so far, kept across resumed requests."""

    def __init__(self) -> None:
        self.sha = hashlib.sha1()
        self.count = 0

    def reset(self) -> None:
        self.sha = hashlib.sha1()
        self.count = 0

    def catch_up(self, part: Path, size: int) -> None:
        """Hash what is on disk when it is not what was hashed (a leftover from another run)."""
        if self.count == size:
            return
        self.reset()
        with open(part, "rb") as handle:
            while True:
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                self.sha.update(chunk)
                self.count += len(chunk)

    def update(self, data: bytes) -> None:
        self.sha.update(data)
        self.count += len(data)


def _describe_reason(reason: object) -> str:
    if isinstance(reason, socket.gaierror):
        return "host name not found"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "timed out connecting"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason)


def _content_range_start(value: Optional[str]) -> Optional[int]:
    # "bytes 100-199/200"
    if not value or not value.startswith("bytes "):
        return None
    try:
        return int(value[6:].split("-", 1)[0])
    except ValueError:
        return None


class _ReadTimeout:
    """A connection whose socket waits ``read_timeout`` for each read once it is connected.

    ``urlopen``'s one ``timeout`` is used for the connect and for every read; a mirror may be
    slow to send while one that cannot be reached should fail fast (``CONNECT_TIMEOUT``). The
    connection sets its own socket's timeout after connecting (``HTTPConnection.sock``), and
    the handlers below hand this class to urllib's ``do_open``, the hook urllib's own handlers
    use, so proxies, redirects and TLS stay urllib's.
    """

    def __init__(self, *args: Any, read_timeout: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.read_timeout = read_timeout

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        if self.read_timeout is not None:
            self.sock.settimeout(self.read_timeout)  # type: ignore[attr-defined]


class _HTTPConnection(_ReadTimeout, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_ReadTimeout, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, read_timeout: float) -> None:
        super().__init__()
        self.read_timeout = read_timeout

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPConnection, req, read_timeout=self.read_timeout)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, read_timeout: float) -> None:
        super().__init__()
        self.read_timeout = read_timeout

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        # No context: http.client's default one, as urlopen's own handler gives.
        return self.do_open(_HTTPSConnection, req, read_timeout=self.read_timeout)


def _has_connection_hook() -> bool:
    """Whether urllib's handlers open connections through ``do_open`` (every CPython 3 does)."""
    return callable(getattr(urllib.request.AbstractHTTPHandler, "do_open", None))


def _open(
    request: urllib.request.Request, connect_timeout: float, read_timeout: float
) -> http.client.HTTPResponse:
    """``urlopen`` with a connect timeout and a (longer) read timeout.

    Should a Python ever lack the ``do_open`` hook, this is plain ``urlopen`` with the connect
    timeout for the reads too: a slow mirror then counts as a dropped connection and the
    download resumes with a Range request, slower but never broken.
    """
    if not _has_connection_hook():
        return urllib.request.urlopen(request, timeout=connect_timeout)
    opener = urllib.request.build_opener(_HTTPHandler(read_timeout), _HTTPSHandler(read_timeout))
    return opener.open(request, timeout=connect_timeout)


def _transfer(
    url: str,
    part: Path,
    hasher: _Hasher,
    *,
    expected_bytes: Optional[int],
    progress: Optional[DownloadProgress],
    connect_timeout: float,
    read_timeout: float,
) -> int:
    """One request: continue or restart ``part`` from ``url``; returns the bytes it now holds."""
    offset = part.stat().st_size if part.exists() else 0
    if expected_bytes is not None and offset > expected_bytes:
        part.unlink()
        offset = 0
    if offset and expected_bytes is not None and offset == expected_bytes:
        hasher.catch_up(part, offset)
        return offset  # a complete .part from a run killed before it was verified
    headers = {"User-Agent": f"rnncli/{__version__}", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = _open(request, connect_timeout, read_timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and offset:
            # "bytes */N": the server's whole file is N bytes; N == offset means we have it all.
            if exc.headers.get("Content-Range", "").strip() == f"bytes */{offset}":
                hasher.catch_up(part, offset)
                return offset
            part.unlink()
            raise _Restart() from None
        raise _SourceFailed(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ssl.SSLError):
            raise _SourceFailed(f"TLS error: {exc.reason}") from None
        raise _Unreachable(_describe_reason(exc.reason)) from None
    except (http.client.HTTPException, ConnectionError) as exc:
        raise _SourceFailed(f"bad answer: {exc or type(exc).__name__}") from None
    except OSError as exc:
        raise _Unreachable(_describe_reason(exc)) from None
    with response:
        length_header = response.headers.get("Content-Length")
        length = int(length_header) if length_header and length_header.isdigit() else None
        if offset and response.status == 206:
            start = _content_range_start(response.headers.get("Content-Range"))
            if start != offset:
                part.unlink()
                raise _Restart()
            hasher.catch_up(part, offset)
            mode = "ab"
        else:
            offset = 0
            hasher.reset()
            mode = "wb"
        content_type = response.headers.get("Content-Type", "")
        if offset == 0 and content_type.lower().startswith("text/html"):
            raise _SourceFailed(f"it served an HTML page ({content_type}), not the zip")
        total = offset + length if length is not None else expected_bytes
        if expected_bytes is not None and length is not None and total != expected_bytes:
            raise _SourceFailed(
                f"it serves {total:,} bytes, but {part.name[:-5]} has {expected_bytes:,}"
            )
        done = offset
        first = True
        try:
            # Unbuffered: every chunk that arrived is on disk, even if the process is killed.
            with open(part, mode, buffering=0) as out:
                while True:
                    # read1: what has arrived, so a drop loses little and progress is live.
                    chunk = response.read1(CHUNK)
                    if not chunk:
                        break
                    if first and offset == 0:
                        try:
                            _check_first_bytes(chunk, content_type)
                        except _SourceFailed:
                            out.close()
                            part.unlink()
                            raise
                    first = False
                    try:
                        out.write(chunk)
                    except OSError as exc:  # a full disk, not the network
                        raise RnncliError(f"cannot write {part}: {exc.strerror or exc}") from None
                    hasher.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
                os.fsync(out.fileno())
        except (http.client.IncompleteRead, ConnectionError, TimeoutError, socket.timeout) as exc:
            raise _Dropped(
                f"connection dropped after {done:,} bytes ({type(exc).__name__})"
            ) from None
        except (http.client.HTTPException, ssl.SSLError) as exc:
            raise _Dropped(f"connection broke after {done:,} bytes ({exc})") from None
        if length is not None and done != offset + length:
            raise _Dropped(f"connection closed after {done:,} of {offset + length:,} bytes")
        return done


def _check_first_bytes(chunk: bytes, content_type: str) -> None:
    if looks_like_html(chunk):
        raise _SourceFailed(f"it served an HTML page ({content_type or 'no type'}), not the zip")
    if len(chunk) >= 2 and not chunk.startswith(b"PK"):
        raise _SourceFailed(f"it served something that is not a zip (starts with {chunk[:8]!r})")


def _verify(
    part: Path,
    hasher: _Hasher,
    *,
    expected_bytes: Optional[int],
    expected_sha1: Optional[str],
    member: Optional[str],
) -> tuple[bool, bool, bool]:
    """Check the finished ``.part``; raises _SourceFailed (and deletes it) when it is bad."""
    size = part.stat().st_size
    hasher.catch_up(part, size)
    with open(part, "rb") as handle:
        head = handle.read(512)
    problem = None
    if looks_like_html(head):
        problem = "it is an HTML page saved under the archive's name, not the zip"
    elif expected_bytes is not None and size != expected_bytes:
        problem = f"size {size:,} bytes, expected {expected_bytes:,}"
    elif expected_sha1 is not None and hasher.sha.hexdigest() != expected_sha1.lower():
        problem = f"SHA-1 {hasher.sha.hexdigest()}, expected {expected_sha1}"
    zip_ok = False
    if problem is None:
        try:
            with zipfile.ZipFile(part) as archive:
                names = {name.rsplit("/", 1)[-1] for name in archive.namelist()}
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            problem = f"not a readable zip ({exc})"
        else:
            if member is not None and member not in names:
                problem = f"the zip has no {member} (its members: {', '.join(sorted(names))})"
            zip_ok = True
    if problem is not None:
        part.unlink()
        hasher.reset()
        raise _SourceFailed(f"downloaded, but {problem}; deleted it")
    return expected_bytes is not None, expected_sha1 is not None, zip_ok


def download(
    urls: list[str],
    target: Path,
    *,
    expected_bytes: Optional[int] = None,
    expected_sha1: Optional[str] = None,
    member: Optional[str] = None,
    progress: Optional[DownloadProgress] = None,
    manual_steps: str = "",
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
) -> DownloadReport:
    """Download ``target``'s file from the first of ``urls`` that gives a good copy.

    Writes ``<target>.part`` and renames it to ``target`` only after the checks pass. Callers
    that may run at the same time hold :func:`rnncli.glove.archive_lock.archive_lock` on ``target``
    around this.
    ``manual_steps`` is appended to the error when every source fails.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    started = time.monotonic()
    resumed_from = part.stat().st_size if part.exists() else 0
    attempts: list[SourceAttempt] = []
    hasher = _Hasher()
    reached = False
    resumes = 0
    for url in urls:
        stalled = 0
        restarts = 0
        while True:
            before = part.stat().st_size if part.exists() else 0
            try:
                size = _transfer(
                    url,
                    part,
                    hasher,
                    expected_bytes=expected_bytes,
                    progress=progress,
                    connect_timeout=connect_timeout,
                    read_timeout=read_timeout,
                )
                reached = True
                size_ok, sha_ok, zip_ok = _verify(
                    part,
                    hasher,
                    expected_bytes=expected_bytes,
                    expected_sha1=expected_sha1,
                    member=member,
                )
            except _Unreachable as exc:
                attempts.append(SourceAttempt(url, f"unreachable: {exc}"))
                break
            except _SourceFailed as exc:
                reached = True
                attempts.append(SourceAttempt(url, str(exc)))
                break
            except _Restart:
                reached = True
                restarts += 1
                if restarts > 1:
                    attempts.append(SourceAttempt(url, "cannot resume: bad Range answers"))
                    break
                continue
            except _Dropped as exc:
                reached = True
                after = part.stat().st_size if part.exists() else 0
                stalled = 0 if after > before else stalled + 1
                if stalled > MAX_STALLED_RETRIES:
                    attempts.append(SourceAttempt(url, str(exc)))
                    break
                time.sleep(0.5 * stalled)
                resumes += 1
                continue
            os.replace(part, target)
            attempts.append(SourceAttempt(url, "ok"))
            return DownloadReport(
                url=url,
                path=str(target),
                bytes=size,
                resumed_from=resumed_from,
                seconds=time.monotonic() - started,
                sha1=hasher.sha.hexdigest(),
                expected_sha1=expected_sha1,
                expected_bytes=expected_bytes,
                size_verified=size_ok,
                sha1_verified=sha_ok,
                zip_verified=zip_ok,
                attempts=attempts,
                resumes=resumes,
            )
    tried = "; ".join(f"{a.url}: {a.outcome}" for a in attempts) or "no sources configured"
    if not reached:
        message = f"cannot reach any source for {target.name}, are you offline? ({tried})"
    else:
        message = f"could not download a good copy of {target.name} ({tried})"
    if manual_steps:
        message = f"{message}. {manual_steps}"
    raise DownloadError(message, attempts, offline=not reached)

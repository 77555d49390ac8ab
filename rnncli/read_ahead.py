"""Read a stream ahead, in a thread: the next pieces are read while the caller parses the last.

A GloVe set inside a zip or a gzip (a download's usual form) cannot be cut into ranges for
workers: it is inflated and parsed in one pass. But inflating (zlib, under :mod:`zipfile` and
:mod:`gzip`) and rnncli's C parser both run without the GIL, so a thread that inflates the next
pieces while the caller parses the last one puts the second core to work: 6B.50d out of a zip
or a gzip takes a quarter less time (``benchmarks/glove_parse.py --archives``).

Errors raised while reading (a damaged archive) are raised by :meth:`ReadAhead.read`, in the
caller's thread, where they would have been raised without it; :meth:`ReadAhead.close` stops
and joins the thread before the caller closes the stream under it, so it waits for the read in
progress: use it over a file on disk, whose reads always end, never over a pipe, whose read may
wait for its writer (and with it the error of a bad line already read).
"""

from __future__ import annotations

import queue
import threading
from typing import Any, BinaryIO, Optional

_DATA, _ERROR = "data", "error"


class ReadAhead:
    """``read(n)`` over ``source``, whose pieces of ``piece`` bytes a thread reads ahead (at
    most ``depth`` of them waiting). Use as a context manager."""

    def __init__(self, source: BinaryIO, piece: int, depth: int = 4) -> None:
        self._source = source
        self._piece = piece
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._rest = b""
        self._ended = False
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._fill, name="rnncli-read-ahead", daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        try:
            while not self._stop.is_set():
                data = self._source.read(self._piece)
                self._put((_DATA, data))
                if not data:
                    return
        except BaseException as exc:  # handed to the reading thread, raised there
            self._put((_ERROR, exc))

    def _put(self, item: tuple[str, Any]) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def read(self, size: int = -1) -> bytes:
        """At most ``size`` bytes (all that remain when negative); ``b""`` at the end. An error
        the thread met is raised here, and again by any later call."""
        if self._stop.is_set():
            raise ValueError("read of a closed ReadAhead")
        if self._error is not None:
            raise self._error
        if not self._rest:
            if self._ended:
                return b""
            kind, value = self._queue.get()
            if kind == _ERROR:
                self._error = value
                raise value
            if not value:
                self._ended = True
                return b""
            self._rest = value
        if size < 0:
            parts = [self._rest]
            self._rest = b""
            while data := self.read(self._piece):
                parts.append(data)
            return b"".join(parts)
        data, self._rest = self._rest[:size], self._rest[size:]
        return data

    def close(self) -> None:
        """Stop reading ahead and wait for the thread (it ends after its current read)."""
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

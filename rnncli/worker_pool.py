"""Library work in worker processes, one byte range of a file each; results come back in order.

The first range can run in a thread of the parent instead (``first_here``): the parent would
otherwise only wait, so N ranges take N - 1 extra processes and their memory. A task whose work
runs in C without the GIL (corpus counting with the C chunk table) runs every range in a thread
(``in_threads``): no process at all, one interpreter's memory.

Why processes of our own (``python -c`` with this module, over pipes) rather than
:mod:`multiprocessing`: a worker imports only the module of its task (never torch, typer or
rich, never the user's ``__main__``), it starts in the time of a bare interpreter, nothing is
pickled (results are a JSON header and raw byte buffers), and the parent owns every process, so
Ctrl-C or any failure ends them all (:meth:`WorkerPool.close` kills and reaps each one) and a
parent killed outright leaves workers that stop at their next write (a closed pipe).

Protocol: the parent writes one JSON line ``{"task": NAME, "args": {...}}`` to the worker's
stdin; the worker answers with frames on stdout, each a kind byte, an 8-byte little-endian
length and the payload: ``P`` bytes done so far (progress), ``M`` a JSON message (the parent
may answer it with one JSON line, read with :meth:`WorkerChannel.answer`), ``R`` the result,
``E`` an :class:`~rnncli.errors.RnncliError` (its message, and the option of a UsageError).
Only task names listed in :data:`TASKS` run. Workers ignore SIGINT: the terminal sends it to
the whole process group, and the parent decides.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import queue
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Optional

from rnncli.blas_threads import worker_environment
from rnncli.errors import RnncliError, UsageError

#: The functions a worker may run, by name: ``module:function(channel, **args) -> (meta, buffers)``.
TASKS = {
    "count_range": "rnncli.text.range_count:count_range_task",
    "parse_range": "rnncli.glove.range_parse:parse_range_task",
}

_HEAD = struct.Struct("<cQ")
_LENGTH = struct.Struct("<Q")


def default_jobs() -> int:
    """The cores this process may run on (``os.sched_getaffinity``), else ``os.cpu_count()``."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_jobs(jobs: Optional[int]) -> int:
    """``jobs`` as a positive count (None: :func:`default_jobs`), or a UsageError on ``--jobs``."""
    if jobs is None:
        return default_jobs()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise UsageError(f"must be a positive integer, got {jobs}", "--jobs")
    return jobs


@dataclass
class WorkerResult:
    """What a task returned: a JSON-able ``meta`` and raw byte ``buffers``."""

    meta: dict[str, Any]
    buffers: list[bytes] = field(default_factory=list)


# ---- the worker's side ---------------------------------------------------------------------


class WorkerChannel:
    """What a task running in a worker uses to talk to the parent."""

    def __init__(self, out: IO[bytes], into: IO[bytes]) -> None:
        self._out = out
        self._in = into

    def _frame(self, kind: bytes, payload: bytes) -> None:
        self._out.write(_HEAD.pack(kind, len(payload)))
        self._out.write(payload)
        self._out.flush()

    def progress(self, done: int) -> None:
        """``done`` bytes of this worker's range are finished."""
        self._frame(b"P", _LENGTH.pack(done))

    def tell(self, message: dict[str, Any]) -> None:
        """Send ``message``; the parent answers it, read with :meth:`answer` (work can go on
        in between)."""
        self._frame(b"M", json.dumps(message).encode())

    def answer(self) -> dict[str, Any]:
        """The parent's answer to the last message (an empty answer ends the worker)."""
        line = self._in.readline()
        if not line:
            raise SystemExit(0)  # the parent is gone or gave up: nothing to do
        return json.loads(line)

    def result(self, meta: dict[str, Any], buffers: Sequence[bytes]) -> None:
        header = json.dumps({"meta": meta, "buffers": [len(b) for b in buffers]}).encode()
        self._out.write(_HEAD.pack(b"R", _LENGTH.size + len(header) + sum(map(len, buffers))))
        self._out.write(_LENGTH.pack(len(header)))
        self._out.write(header)
        for buffer in buffers:
            self._out.write(buffer)
        self._out.flush()

    def error(self, exc: RnncliError) -> None:
        option = exc.option if isinstance(exc, UsageError) else None
        message = str(exc)
        if option and message.startswith(f"{option}: "):
            message = message[len(option) + 2 :]
        payload = {"message": message, "usage": isinstance(exc, UsageError), "option": option}
        self._frame(b"E", json.dumps(payload).encode())


def serve() -> None:
    """A worker's main: read one task from stdin, run it, write its frames to stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out, into = sys.stdout.buffer, sys.stdin.buffer
    request = json.loads(into.readline() or b"null")
    if not isinstance(request, dict) or request.get("task") not in TASKS:
        raise SystemExit(f"unknown worker task {request!r}")
    task = _task(request["task"])
    channel = WorkerChannel(out, into)
    try:
        meta, buffers = task(channel, **request["args"])
    except RnncliError as exc:
        channel.error(exc)
        return
    except BrokenPipeError:  # the parent stopped listening
        os._exit(1)
    channel.result(meta, buffers)
    # Done: exit now, as multiprocessing's children do. The parent waits for this process
    # (its pipe's end), and tearing down an interpreter with numpy in it takes 20 ms.
    out.flush()
    os._exit(0)


# ---- the parent's side ---------------------------------------------------------------------


#: ``(index, kind, value)``: ``progress`` (bytes done), ``message`` (dict), ``result``
#: (WorkerResult), ``error`` (RnncliError), ``exit`` (None: the worker's pipe closed or its
#: thread ended), ``crash`` (an exception other than RnncliError from a task run here).
Event = tuple[int, str, Any]


_SERVE = (
    "import sys; sys.path.insert(0, sys.argv[1]); from rnncli.worker_pool import serve; serve()"
)


def _worker_command() -> list[str]:
    """The interpreter running this process, importing this very rnncli (its folder first on
    the path: ``-c`` would otherwise put the current folder first, which may hold another)."""
    return [sys.executable, "-c", _SERVE, str(Path(__file__).resolve().parent.parent)]


class _ProcessWorker:
    """A task in a worker process of its own (see the module docstring)."""

    def __init__(self, index: int, name: str, args: dict[str, Any], put: Callable) -> None:
        #: Its stderr: a file, not a pipe nobody reads until the end (a full pipe would stop a
        #: worker that writes much there).
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._thread: Optional[threading.Thread] = None
        try:
            self.proc = subprocess.Popen(
                _worker_command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                close_fds=True,
                env=worker_environment(),  # no BLAS threads spinning on the cores it parses on
            )
        except BaseException:
            self._stderr.close()
            raise
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({"task": name, "args": args}).encode() + b"\n")
            self.proc.stdin.flush()
            self._thread = threading.Thread(target=self._read, args=(index, put), daemon=True)
            self._thread.start()
        except BaseException:  # arguments that are not JSON, Ctrl-C: no process outlives this
            self.stop()
            self.close()
            raise

    def reply(self, message: dict[str, Any]) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        # A worker that died meanwhile cannot read it; its exit is reported as its error.
        with contextlib.suppress(BrokenPipeError, ValueError):
            stdin.write(json.dumps(message).encode() + b"\n")
            stdin.flush()

    def _read(self, index: int, put: Callable) -> None:
        """Reader thread: turn the worker's frames into events."""
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                head = out.read(_HEAD.size)
                if len(head) < _HEAD.size:
                    break
                kind, size = _HEAD.unpack(head)
                payload = out.read(size)
                if len(payload) < size:
                    break
                if kind == b"P":
                    put((index, "progress", _LENGTH.unpack(payload)[0]))
                elif kind == b"M":
                    put((index, "message", json.loads(payload)))
                elif kind == b"R":
                    put((index, "result", _decode_result(payload)))
                elif kind == b"E":
                    data = json.loads(payload)
                    exc = (
                        UsageError(data["message"], data.get("option"))
                        if data.get("usage")
                        else RnncliError(data["message"])
                    )
                    put((index, "error", exc))
        except (OSError, ValueError):
            pass
        put((index, "exit", None))

    def crash(self) -> RnncliError:
        """Why the worker ended without a result or an error: the last line of its stderr."""
        try:
            code = self.proc.wait(timeout=5)
            self._stderr.seek(0)
            err = self._stderr.read()[-4000:].decode("utf-8", "replace")
        except (subprocess.TimeoutExpired, OSError, ValueError):
            code, err = None, ""
        last = err.strip().splitlines()[-1] if err.strip() else f"exit code {code}"
        return RnncliError(f"a worker process failed: {last}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()

    def close(self) -> None:
        """Reap the (killed) process and close its pipes."""
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self.proc.wait()
        self._stderr.close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Stopped(Exception):
    """Raised inside a task run in this process once the pool no longer needs it."""


class _ThreadWorker:
    """A task run in a thread of this process: the parent works instead of waiting, with one
    interpreter (and its memory) fewer. It is its own channel (the
    :class:`WorkerChannel` methods a task calls); :meth:`stop` ends it at its next call."""

    def __init__(self, index: int, name: str, args: dict[str, Any], put: Callable) -> None:
        self._index = index
        self._put = put
        self._answers: queue.Queue[Optional[dict[str, Any]]] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(name, args), daemon=True, name=f"rnncli-{name}-{index}"
        )
        self._thread.start()

    def _run(self, name: str, args: dict[str, Any]) -> None:
        try:
            meta, buffers = _task(name)(self, **args)
        except _Stopped:
            pass
        except RnncliError as exc:
            self._put((self._index, "error", exc))
        except BaseException as exc:  # a bug: raised again in the thread that runs the pool
            self._put((self._index, "crash", exc))
        else:
            self._put((self._index, "result", WorkerResult(meta, list(buffers))))
        finally:
            self._put((self._index, "exit", None))

    # -- the channel, as the task sees it
    def _check(self) -> None:
        if self._stopping.is_set():
            raise _Stopped

    def progress(self, done: int) -> None:
        self._check()
        self._put((self._index, "progress", done))

    def tell(self, message: dict[str, Any]) -> None:
        self._check()
        self._put((self._index, "message", message))

    def answer(self) -> dict[str, Any]:
        while True:
            self._check()
            try:
                reply = self._answers.get(timeout=0.1)
            except queue.Empty:
                continue
            if reply is None:
                raise _Stopped
            return reply

    # -- the pool's side
    def reply(self, message: Optional[dict[str, Any]]) -> None:
        self._answers.put(message)

    def crash(self) -> RnncliError:  # pragma: no cover - a thread always reports why it ended
        return RnncliError("a task in this process ended without a result")

    def stop(self) -> None:
        self._stopping.set()
        self._answers.put(None)

    def close(self) -> None:
        """Wait a moment for the task to notice :meth:`stop` (it checks after every block)."""
        self._thread.join(timeout=5)


@contextlib.contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Hold a Ctrl-C back while workers start, then raise it: SIGINT is blocked, so a child
    between fork and exec cannot die of it (its parent would then write to a dead pipe) and
    a worker starts with it blocked (it ignores it anyway), and this process notes it instead
    of raising inside ``subprocess.Popen``, which could leave a process no one owns. Only the
    main thread gets Python's signals; elsewhere, or under a handler of the caller's own,
    nothing changes."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    mask = getattr(signal, "pthread_sigmask", None)  # not on Windows
    if mask is not None:
        mask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if mask is not None:
            mask(signal.SIG_UNBLOCK, {signal.SIGINT})  # runs the handler of a pending one
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt


def _task(name: str) -> Callable[..., tuple[dict[str, Any], Sequence[bytes]]]:
    module, function = TASKS[name].split(":")
    return getattr(importlib.import_module(module), function)


class WorkerPool:
    """One worker per task; use as a context manager (leaving it ends every worker).

    ``tasks`` are ``(name, args)`` pairs; worker ``i`` runs ``tasks[i]``, the first of them in a
    thread of this process when ``first_here`` (so N tasks take N - 1 processes), every one in
    a thread when ``in_threads``, the others each in a process of its own. :meth:`events`
    yields what the workers report, in the order it arrives.
    """

    def __init__(
        self,
        tasks: Sequence[tuple[str, dict[str, Any]]],
        *,
        first_here: bool = False,
        in_threads: bool = False,
    ) -> None:
        for name, _ in tasks:
            if name not in TASKS:
                raise ValueError(f"unknown worker task {name!r}")
        self.tasks = list(tasks)
        self.first_here = first_here
        self.in_threads = in_threads
        self.workers: list[_ProcessWorker | _ThreadWorker] = []
        self._events: queue.Queue[Event] = queue.Queue()
        self.waiting: set[int] = set()  #: workers whose message awaits an answer
        self.stopped: set[int] = set()  #: workers ended by :meth:`stop`

    @property
    def processes(self) -> list[subprocess.Popen]:
        """The worker processes started (the task run here has none)."""
        return [w.proc for w in self.workers if isinstance(w, _ProcessWorker)]

    def __enter__(self) -> WorkerPool:
        # Processes first: they take a moment to start, the thread none.
        order = list(range(len(self.tasks)))
        if self.first_here:
            order = order[1:] + order[:1]
        started: dict[int, _ProcessWorker | _ThreadWorker] = {}
        try:
            with _ctrl_c_deferred():
                for i in order:
                    name, args = self.tasks[i]
                    here = self.in_threads or (self.first_here and i == 0)
                    kind = _ThreadWorker if here else _ProcessWorker
                    started[i] = kind(i, name, args, self._events.put)
        except BaseException:
            self.workers = list(started.values())
            self.close()
            raise
        self.workers = [started[i] for i in range(len(self.tasks))]
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def reply(self, index: int, message: dict[str, Any]) -> None:
        """Answer worker ``index``'s last message."""
        self.workers[index].reply(message)
        self.waiting.discard(index)

    def events(self) -> Iterator[Event]:
        """Every worker's events until each has exited; a worker that ended without a result
        or an error (a crash) becomes an ``error`` event with the last line of its stderr. A
        task run here that raises anything but an RnncliError raises it here."""
        running = len(self.workers)
        answered: set[int] = set()
        while running:
            try:
                index, kind, value = self._events.get(timeout=0.2)
            except queue.Empty:
                continue
            if kind == "crash":
                raise value
            if kind == "exit":
                running -= 1
                self.waiting.discard(index)
                if index not in answered and index not in self.stopped:
                    answered.add(index)
                    yield index, "error", self.workers[index].crash()
                continue
            if kind in ("result", "error"):
                answered.add(index)
            elif kind == "message":
                self.waiting.add(index)
            yield index, kind, value

    def stop(self, index: int) -> None:
        """End worker ``index`` now (its result is no longer needed)."""
        self.stopped.add(index)
        self.workers[index].stop()

    def close(self) -> None:
        """Stop every worker still running and reap them all: no process outlives the pool."""
        for worker in self.workers:
            worker.stop()
        for worker in self.workers:
            worker.close()


def _decode_result(payload: bytes) -> WorkerResult:
    (size,) = _LENGTH.unpack_from(payload)
    header = json.loads(payload[_LENGTH.size : _LENGTH.size + size])
    at = _LENGTH.size + size
    view = memoryview(payload)
    buffers = []
    for length in header["buffers"]:
        buffers.append(view[at : at + length])
        at += length
    return WorkerResult(header["meta"], buffers)


def run_in_order(
    tasks: Sequence[tuple[str, dict[str, Any]]],
    *,
    on_progress: Optional[Callable[[int], None]] = None,
    on_message: Optional[Callable[[WorkerPool, int, dict[str, Any]], None]] = None,
    first_here: bool = True,
    in_threads: bool = False,
) -> list[WorkerResult]:
    """Run ``tasks`` (one worker each; the first in this process when ``first_here``, all of
    them when ``in_threads``) and return their results in task order.

    ``on_progress(total_done)`` gets the bytes done summed over the workers. ``on_message`` gets
    each worker's messages (answer them with ``pool.reply``). When a task fails, the workers of
    later tasks are stopped, and the error of the first failing task (in task order, so the one
    a single process would have met first) is raised once the earlier tasks are done.
    """
    results: list[Optional[WorkerResult]] = [None] * len(tasks)
    errors: dict[int, RnncliError] = {}
    done = [0] * len(tasks)
    with WorkerPool(tasks, first_here=first_here, in_threads=in_threads) as pool:
        for index, kind, value in pool.events():
            if kind == "progress":
                done[index] = value
                if on_progress is not None:
                    on_progress(sum(done))
            elif kind == "message":
                if errors:  # the run has failed: no answer will come, end the asker
                    pool.stop(index)
                elif on_message is not None:
                    on_message(pool, index, value)
            elif kind == "result":
                results[index] = value
            elif kind == "error" and index not in errors:
                if errors and min(errors) < index:
                    continue  # a later failure: the earlier one is reported
                errors[index] = value
                # Later tasks cannot matter; an earlier one waiting for an answer never gets it.
                for other in [*range(index + 1, len(tasks)), *pool.waiting]:
                    pool.stop(other)
    if errors:
        raise errors[min(errors)]
    return [r for r in results if r is not None]

"""Ctrl-C as a terminal sends it: SIGINT to a whole process group, once its workers run."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from helpers.cli import REPO


def default_sigint() -> None:
    """A child's SIGINT as a terminal's Ctrl-C meets it: a shell without job control starts
    background jobs with SIGINT ignored, and Python keeps an ignored SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def children(pid: int) -> set[int]:
    """The process ids of ``pid``'s children (Linux ``/proc``)."""
    try:
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def _threads(pid: int) -> int:
    """How many threads ``pid`` runs (Linux ``/proc``)."""
    try:
        return len(list(Path(f"/proc/{pid}/task").iterdir()))
    except OSError:
        return 0


def interrupt_with_workers(
    argv: Sequence[str], env: dict[str, str], workers: int = 2, threads: int = 0
) -> tuple[subprocess.Popen, set[int], bytes]:
    """Run ``argv`` in a session of its own, wait until ``workers`` children run (``--jobs N``
    starts N - 1: the first range is counted in the process itself) and it has ``threads``
    threads besides its main one, send SIGINT to its process group; the process (finished),
    its workers' ids and its stderr."""
    proc = subprocess.Popen(
        list(argv),
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=default_sigint,
    )
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        seen |= children(proc.pid)
        if len(seen) >= workers and _threads(proc.pid) > threads:
            break
        time.sleep(0.01)
    assert len(seen) == workers, "the workers did not start"
    assert _threads(proc.pid) > threads, "the worker threads did not start"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc, seen, err

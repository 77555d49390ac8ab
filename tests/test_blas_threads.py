"""One BLAS thread for parsing: worker processes always, the parsing commands before numpy."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers.cli import REPO

from rnncli import blas_threads
from rnncli import worker_pool as pool_module


def _run(code: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in blas_threads.ONE_THREAD}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_a_parsing_command_gets_one_blas_thread_before_numpy_loads():
    code = (
        "import os; from rnncli.blas_threads import use_one_blas_thread as one; "
        "print(one(), os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"
    )
    assert _run(code) == "True 1 1"
    assert _run(code, OPENBLAS_NUM_THREADS="4") == "True 4 1"  # the user's setting wins
    late = "import numpy, os; from rnncli.blas_threads import use_one_blas_thread as one; "
    late += "print(one(), os.environ.get('OPENBLAS_NUM_THREADS'))"
    assert _run(late) == "False None"  # too late: nothing changed


def test_worker_processes_start_with_one_blas_thread(monkeypatch):
    seen = {}
    real = subprocess.Popen

    def spy(*args, **kwargs):
        seen.update(kwargs.get("env") or {})
        return real(*args, **kwargs)

    monkeypatch.setattr(pool_module.subprocess, "Popen", spy)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")
    monkeypatch.setenv("RNNCLI_TEST_MARK", "kept")
    with pool_module.WorkerPool([("parse_range", {"bad": 1})]) as pool:  # fails at once
        for _ in pool.events():
            pass
    assert {k: seen[k] for k in blas_threads.ONE_THREAD} == blas_threads.ONE_THREAD
    assert seen["RNNCLI_TEST_MARK"] == "kept"  # the rest of the environment is passed on

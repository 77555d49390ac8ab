"""Time and peak memory of whole processes, shared by the benchmark scripts beside this file."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of one fresh child process.

    The peak comes from GNU time (a small C program, so the child's RSS before exec is tiny);
    without it, from os.wait4 (which also counts the fork of this process before exec).
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    out_path = tmp / f"rnncli-bench-{os.getpid()}.out"
    rss_path = tmp / f"rnncli-bench-{os.getpid()}.rss"
    gnu_time = Path("/usr/bin/time")
    full = [str(gnu_time), "-f", "%M", "-o", str(rss_path), *cmd] if gnu_time.exists() else cmd
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=subprocess.PIPE, env=full_env, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    text = out_path.read_text(encoding="utf-8", errors="replace")
    out_path.unlink()
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    if gnu_time.exists():
        peak_kb = float(rss_path.read_text().strip().splitlines()[-1])
        rss_path.unlink()
    else:
        peak_kb = usage.ru_maxrss
    return wall, peak_kb / 1024, text


def best(cmd: list[str], repeat: int = 5, env: dict | None = None) -> tuple[float, float]:
    """Median wall time and max peak RSS over `repeat` warm runs (after one warm-up)."""
    run_measured(cmd, env)
    walls, peaks = [], []
    for _ in range(repeat):
        w, p, _ = run_measured(cmd, env)
        walls.append(w)
        peaks.append(p)
    return statistics.median(walls), max(peaks)


def table(rows: list[tuple[str, float, float, str]]) -> None:
    """Print ``what, seconds, MB, verdict`` rows aligned."""
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  {'median s':>9}  {'peak MB':>8}  target")
    for what, seconds, mb, verdict in rows:
        print(f"{what:<{width}}  {seconds:9.3f}  {mb:8.0f}  {verdict}")

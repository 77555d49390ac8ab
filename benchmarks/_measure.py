"""Time and peak memory of whole processes, for the benchmark scripts beside this file."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent

# Runs the command as a child and reports the child's peak resident memory (kB on Linux).
_PEAK = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def measure(cmd: list[str], repeat: int = 5) -> tuple[float, float]:
    """Median wall seconds over ``repeat`` runs, and peak RSS in MB of one more run."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, *cmd], capture_output=True, text=True, check=True
    ).stdout.split()
    if out[0] != "0":
        raise SystemExit(f"{' '.join(cmd)} exited {out[0]}")
    return statistics.median(times), int(out[1]) / 1024


def table(rows: list[tuple[str, float, float, str]]) -> None:
    """Print ``what, seconds, MB, verdict`` rows aligned."""
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  {'median s':>9}  {'peak MB':>8}  target")
    for what, seconds, mb, verdict in rows:
        print(f"{what:<{width}}  {seconds:9.3f}  {mb:8.0f}  {verdict}")

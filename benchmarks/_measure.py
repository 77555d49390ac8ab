"""Time and peak memory of whole processes, shared by the benchmark scripts beside this file."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent


def compile_bytecode() -> None:
    """Write rnncli's bytecode (``__pycache__``), as an installed package has it: where
    ``PYTHONDONTWRITEBYTECODE`` is set (this machine sets it), every measured process would
    otherwise compile rnncli's modules again at each start, which the peers' installed
    packages never do."""
    import compileall

    compileall.compile_dir(REPO / "rnncli", quiet=1)


_COMPILED: list[bool] = []


def _ensure_bytecode() -> None:
    if not _COMPILED:
        compile_bytecode()
        _COMPILED.append(True)


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of one fresh child process.

    The peak comes from GNU time (a small C program, so the child's RSS before exec is tiny);
    without it, from os.wait4 (which also counts the fork of this process before exec).
    """
    _ensure_bytecode()
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


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc), children first."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = [int(k) for k in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            kids = []
        found.extend(kids)
        todo.extend(kids)
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_tree(cmd: list[str], env: dict | None = None, every: float = 0.01) -> dict[str, float]:
    """One fresh child process and everything it starts (workers): wall and CPU seconds (the
    CPU of waited-for descendants included), the main process's peak RSS (GNU time, so not
    this process's size before exec) and the peak of the RSS summed over all its processes,
    sampled every ``every`` seconds (workers included; a peak shorter than that can be missed).
    """
    _ensure_bytecode()
    full_env = dict(os.environ)
    full_env.update(env or {})
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    rss_path = tmp / f"rnncli-bench-{os.getpid()}.tree-rss"
    gnu_time = Path("/usr/bin/time")
    full = [str(gnu_time), "-f", "%M", "-o", str(rss_path), *cmd] if gnu_time.exists() else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=full_env, cwd=REPO
    )
    tree_peak = 0
    while proc.poll() is None:
        pids = _descendants(proc.pid) if gnu_time.exists() else [proc.pid, *_descendants(proc.pid)]
        tree_peak = max(tree_peak, sum(_rss_kb(p) for p in pids))
        time.sleep(every)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    # poll() reaped it: the rusage of the child (and its waited-for children) comes from here.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage.ru_utime + usage.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    main_peak = 0.0
    if gnu_time.exists():
        main_peak = float(rss_path.read_text().strip().splitlines()[-1]) / 1024
        rss_path.unlink()
    return {"wall": wall, "cpu": cpu, "main_mb": main_peak, "tree_mb": tree_peak / 1024}

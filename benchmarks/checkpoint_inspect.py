"""Inspecting a ~1 GB LSTM state dict: `rnncli inspect FILE` against what a user would write.

Target (issue 10): a multi-GB checkpoint is read through a memory map, peak memory well under
half the file's size, and the health figures do not copy whole tensors. The file is the state
dict of ``nn.LSTM(1024, 2048, num_layers=8)`` (260 M float32 parameters, 1.04 GB) saved with
``torch.save``; it is written once into a temporary folder (or into ``--keep DIR``, and reused
from there on later runs). Each command then runs as a fresh process, round-robin, ``--repeat``
times after one warm-up round:

* ``rnncli inspect FILE --json --seq-len 10 --batch 3``: the whole command (read, module proofs,
  per-tensor stats, spectral norms, one forward pass with the file's weights, JSON output);
* the peer a user writes: ``torch.load(path)``, ``nn.LSTM(...)``, ``load_state_dict``, one
  forward pass on ``randn(10, 3, 1024)`` without gradients;
* the same peer done the memory-mapped way: ``torch.load(mmap=True)``, the module built on the
  meta device, ``load_state_dict(assign=True)``, one forward pass;
* ``python -c "import torch"``: what any of them costs before reading anything.

Two memory figures: ``peak RSS`` is the process's high-water resident set (VmHWM, from GNU time),
which counts the file's memory-mapped pages once they are read, although those are page cache the
kernel can drop at will; ``peak anon`` is the largest RssAnon (the process's own memory: heap,
tensors it allocates or copies) seen by sampling ``/proc/PID/status`` every ~20 ms (a spike
shorter than that can be missed); ``- torch`` is that peak less the ``import torch`` row's, what
the work itself costs (for a small file the ~140 MB of torch dominate). The target is on
``peak anon``; the file is in the page cache (it was just written or read), so times are
warm-cache times.

    .venv/bin/python benchmarks/checkpoint_inspect.py [--keep DIR] [--layers 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import BIN, REPO

PY = sys.executable
INPUT, HIDDEN = 1024, 2048
SEQ_LEN, BATCH = 10, 3

PEER = r"""
import sys
import torch
how, path = sys.argv[1], sys.argv[2]
layers, input_size, hidden, seq_len, batch = (int(a) for a in sys.argv[3:])
if how == "plain":
    state = torch.load(path)  # weights_only=True is torch's default since 2.6
    lstm = torch.nn.LSTM(input_size, hidden, num_layers=layers)
    lstm.load_state_dict(state)
else:  # mmap: the file's pages are the weights, nothing is copied
    state = torch.load(path, mmap=True, weights_only=True)
    with torch.device("meta"):
        lstm = torch.nn.LSTM(input_size, hidden, num_layers=layers)
    lstm.load_state_dict(state, assign=True)
lstm.eval()
torch.manual_seed(0)
x = torch.randn(seq_len, batch, input_size)
with torch.no_grad():
    output, (h_n, c_n) = lstm(x)
print(tuple(output.shape), float(h_n.sum()))
"""


def write_state_dict(folder: Path, layers: int) -> Path:
    """The state dict of ``nn.LSTM(1024, 2048, num_layers=layers)``, reused if already there."""
    path = folder / f"lstm-{INPUT}-{HIDDEN}-l{layers}.pt"
    if path.exists():
        return path
    import torch

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(INPUT, HIDDEN, num_layers=layers)
    partial = path.with_suffix(".partial")
    torch.save(lstm.state_dict(), partial)
    partial.replace(path)
    return path


def _status(pid: int) -> dict[str, int]:
    """The ``kB`` fields of ``/proc/PID/status`` that matter here (empty once it has gone)."""
    fields = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                    fields[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return fields


def _child_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
            pids = fh.read().split()
    except FileNotFoundError:
        return None
    return int(pids[0]) if pids else None


def run_sampled(cmd: list[str], env: dict, interval: float = 0.02) -> dict:
    """Wall seconds, peak RSS (GNU time), peak RssAnon and RssFile (sampled, MB), stdout."""
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    rss_path = tmp / f"rnncli-bench-{os.getpid()}.rss"
    out_path = tmp / f"rnncli-bench-{os.getpid()}.out"
    full = ["/usr/bin/time", "-f", "%M", "-o", str(rss_path), *cmd]
    anon = file = hwm = samples = 0
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=subprocess.PIPE, env=env, cwd=REPO)
        child = None
        while proc.poll() is None:
            child = child or _child_of(proc.pid)
            if child is not None:
                status = _status(child)
                if status:
                    samples += 1
                    anon = max(anon, status.get("RssAnon", 0))
                    file = max(file, status.get("RssFile", 0))
                    hwm = max(hwm, status.get("VmHWM", 0))
            time.sleep(interval)
        wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    text = out_path.read_text(encoding="utf-8", errors="replace")
    out_path.unlink()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{stderr}")
    peak_kb = float(rss_path.read_text().strip().splitlines()[-1])
    rss_path.unlink()
    return {
        "wall": wall,
        "rss": max(peak_kb, hwm) / 1024,
        "anon": anon / 1024,
        "file": file / 1024,
        "samples": samples,
        "out": text,
    }


def check_output(label: str, text: str) -> str:
    """What the run printed, briefly: proof that it did the whole job."""
    if not label.startswith("rnncli"):
        return text.strip()
    data = json.loads(text)
    lstm = next(m for m in data["modules"] if m.get("kind") == "lstm")
    if lstm.get("run_error"):
        raise SystemExit(f"rnncli did not run the module: {lstm['run_error']}")
    norms = lstm["health"]["spectral_norms"]
    return (
        f"{data['total_parameters']} parameters, {len(norms)} spectral norms, "
        f"output {lstm['tensors']['output']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the file here and reuse it next time")
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="measured rounds (default 3)")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with tempfile.TemporaryDirectory(prefix="rnncli-inspect-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = write_state_dict(folder, args.layers)
        size_mb = path.stat().st_size / 1e6
        print(f"nn.LSTM({INPUT}, {HIDDEN}, num_layers={args.layers}) state dict: {size_mb:.0f} MB")
        print(f"  {path}")
        sizes = [str(n) for n in (args.layers, INPUT, HIDDEN, SEQ_LEN, BATCH)]
        run_options = ["--json", "--seq-len", str(SEQ_LEN), "--batch", str(BATCH)]
        runs = [
            (
                "rnncli inspect FILE --json",
                [str(BIN / "rnncli"), "inspect", str(path), *run_options],
            ),
            (
                "torch.load + load_state_dict + forward",
                [PY, "-c", PEER, "plain", str(path), *sizes],
            ),
            (
                "torch.load(mmap) + assign=True + forward",
                [PY, "-c", PEER, "mmap", str(path), *sizes],
            ),
            ('python -c "import torch"', [PY, "-c", "import torch"]),
        ]
        results: dict[str, list[dict]] = {label: [] for label, _ in runs}
        printed: dict[str, str] = {}
        for turn in range(args.repeat + 1):  # turn 0 warms the caches and is not counted
            for label, cmd in runs:
                result = run_sampled(cmd, env)
                printed[label] = check_output(label, result["out"])
                if turn:
                    results[label].append(result)
        width = max(len(label) for label, _ in runs)
        half = size_mb / 2
        torch_anon = max(r["anon"] for r in results[runs[-1][0]])  # python -c "import torch"
        print(
            f"\n{'command':<{width}}  {'median s':>8}  {'min s':>6}  {'peak RSS MB':>11}"
            f"  {'peak anon MB':>12}  {'- torch MB':>10}  {'peak file MB':>12}"
            f"  target: anon < {half:.0f} MB"
        )
        for label, _ in runs:
            rows = results[label]
            wall = statistics.median(r["wall"] for r in rows)
            fastest = min(r["wall"] for r in rows)
            rss = max(r["rss"] for r in rows)
            anon = max(r["anon"] for r in rows)
            file = max(r["file"] for r in rows)
            verdict = ("met" if anon < half else "NOT met") if label.startswith("rnncli") else ""
            print(
                f"{label:<{width}}  {wall:8.2f}  {fastest:6.2f}  {rss:11.0f}  {anon:12.0f}"
                f"  {anon - torch_anon:10.0f}  {file:12.0f}  {verdict}"
            )
        print(
            f"\n(wall: median and fastest of {args.repeat} runs after a warm-up; peaks: the max; "
            f"- torch: peak anon beyond what importing torch alone takes)"
        )
        for label, cmd in runs:
            shown = " ".join(c if c != PEER else "PEER" for c in cmd)
            print(f"  {label}: {shown}\n    -> {printed[label]}")


if __name__ == "__main__":
    main()

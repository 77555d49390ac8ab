"""Reading a ~1 GB LSTM checkpoint: time and peak memory of ``read_checkpoint`` and ``torch.load``.

Target (issue 10): a multi-GB checkpoint is read through a memory map, peak memory well under half
the file's size. The files are written into a temporary folder: the state dict of
``nn.LSTM(1024, 2048, num_layers=8)`` (260 M float32 parameters, 1041 MB) as a torch zip, the
same state dict as safetensors, and the whole module pickled (read by the restricted unpickler).
Each read runs in its own child process; peak memory is that child's maximum RSS (GNU time).
``baseline`` imports torch and rnncli and reads nothing: subtract it to see what a read costs.
``+ touch all`` also sums every tensor, so every page of the file is read (a memory map's pages
then count in RSS while mapped; the kernel can drop them at will).

    .venv/bin/python benchmarks/checkpoint_read.py [--layers 8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _measure import REPO, run_measured

CHILD = r"""
import sys, time
import torch
from pathlib import Path
from rnncli.checkpoint.reader import read_checkpoint
how, path = sys.argv[1], Path(sys.argv[2])
start = time.perf_counter()
if how == "baseline":
    tensors = {}
elif how.startswith("torch.load"):
    tensors = torch.load(path, map_location="cpu", weights_only=True, mmap="mmap" in how)
else:
    tensors = read_checkpoint(path, mmap="no mmap" not in how).tensors
seconds = time.perf_counter() - start
if "touch" in how:
    total = sum(float(t.double().sum()) for t in tensors.values())
print(f"{seconds:.3f} {sum(t.numel() for t in tensors.values())}")
"""


def write_files(folder: Path, layers: int) -> dict[str, Path]:
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(1024, 2048, num_layers=layers)
    paths = {"zip": folder / "lstm.pt", "safetensors": folder / "lstm.safetensors"}
    torch.save(lstm.state_dict(), paths["zip"])
    paths["whole"] = folder / "lstm-whole.pt"
    torch.save(lstm, paths["whole"])
    save_file(dict(lstm.state_dict()), str(paths["safetensors"]))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=8)
    args = parser.parse_args()
    env = {"PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory(prefix="rnncli-ckpt-") as tmp:
        paths = write_files(Path(tmp), args.layers)
        size_mb = paths["zip"].stat().st_size / 1e6
        print(f"nn.LSTM(1024, 2048, num_layers={args.layers}) state dict: {size_mb:.0f} MB")
        runs = [
            ("baseline (import torch, rnncli)", "baseline", "zip"),
            ("read_checkpoint (mmap)", "read", "zip"),
            ("read_checkpoint (mmap) + touch all", "read touch", "zip"),
            ("read_checkpoint (no mmap)", "read no mmap", "zip"),
            ("torch.load (no mmap)", "torch.load", "zip"),
            ("torch.load (mmap=True)", "torch.load mmap", "zip"),
            ("read_checkpoint safetensors (mmap)", "read", "safetensors"),
            ("read_checkpoint whole model (restricted, mmap)", "read", "whole"),
        ]
        width = max(len(r[0]) for r in runs)
        print(f"{'what':<{width}}  {'read s':>7}  {'process s':>9}  {'peak MB':>8}  elements")
        for label, how, which in runs:
            wall, peak, out = run_measured(
                [sys.executable, "-c", CHILD, how, str(paths[which])], env=env
            )
            seconds, numel = out.split()
            print(f"{label:<{width}}  {float(seconds):7.3f}  {wall:9.2f}  {peak:8.0f}  {numel}")


if __name__ == "__main__":
    main()

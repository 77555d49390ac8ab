"""Small inputs cost no more than before: this checkout against another one, run alternately.

Usage: .venv/bin/python benchmarks/small_inputs.py --baseline /path/to/other/checkout [--runs 15]

Two commands, each a fresh process (median wall time and peak memory over ``--runs`` runs, the
two checkouts alternating so the machine's load falls on both alike): ``vocab build`` on a
10 KB corpus and ``glove fetch 6B.50d --from`` a 100-line vectors file. Both fit in one chunk:
no worker is started (issue 14: "a 10 KB corpus or a 100-line vectors file costs no more than
today").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from _measure import REPO, run_tree


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True, help="the checkout to compare with")
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rnncli-small-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus.txt"
        corpus.write_text("The cat sat on the mat, and the dog sat on the log.\n" * 195)
        vectors = work / "vectors.txt"
        vectors.write_text(
            "".join(
                f"w{i} " + " ".join(f"{(i * j) % 97 / 97:.5f}" for j in range(50)) + "\n"
                for i in range(100)
            )
        )
        commands = {
            f"vocab build ({corpus.stat().st_size / 1e3:.0f} KB)": [
                "vocab", "build", str(corpus), "--out", str(work / "v.json"), "--json"
            ],
            "glove fetch --from (100 lines)": [
                "glove", "fetch", "6B.50d", "--from", str(vectors), "--cache-dir",
                str(work / "cache"), "--force", "--json",
            ],
        }  # fmt: skip
        checkouts = {"this checkout": REPO, "baseline": args.baseline.resolve()}
        results: dict[tuple[str, str], list[dict]] = {}
        for _ in range(args.runs):
            for what, cmd in commands.items():
                for label, root in checkouts.items():
                    run = run_tree(
                        [sys.executable, "-c", _RUN, str(root), *cmd], env={"PYTHONPATH": ""}
                    )
                    results.setdefault((what, label), []).append(run)
    print(f"{'command':<32} {'checkout':<14} {'median s':>9} {'peak MB':>8}")
    for (what, label), runs in results.items():
        wall = statistics.median(r["wall"] for r in runs)
        peak = statistics.median(r["main_mb"] for r in runs)
        print(f"{what:<32} {label:<14} {wall:9.3f} {peak:8.0f}")


# Runs the CLI of the checkout given first, whatever the current folder holds.
_RUN = "import sys; sys.path.insert(0, sys.argv.pop(1)); from rnncli.cli.app import main; main()"


if __name__ == "__main__":
    main()

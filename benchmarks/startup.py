"""Start-up and inspect speed of rnncli as whole processes, side by side with `import torch`.

Targets (issue: foundation): `rnncli --help` under 0.15 of `python -c "import torch"`;
`rnncli inspect --input 100 --hidden 20` at most 1.3 of it; the meta run of an
LSTM(100000, 100000, 8 layers) within seconds and well under 500 MB; a meta run of ten million
steps as fast as a short one.

Run: .venv/bin/python benchmarks/startup.py  (or `make bench`)
"""

from __future__ import annotations

import platform
import sys

from _measure import BIN, best, table

RNNCLI = str(BIN / "rnncli")
PY = sys.executable


def main() -> None:
    torch_s, torch_mb = best([PY, "-c", "import torch"])
    help_s, help_mb = best([RNNCLI, "--help"])
    inspect_s, inspect_mb = best([RNNCLI, "inspect", "--input", "100", "--hidden", "20"])
    meta_cmd = [
        RNNCLI,
        "inspect",
        "--cell",
        "lstm",
        "--input",
        "100000",
        "--hidden",
        "100000",
        "--layers",
        "8",
        "--device",
        "meta",
    ]
    meta_s, meta_mb = best(meta_cmd, 3)
    long_args = ["--seq-len", "10000000", "--batch", "1000", "--device", "meta"]
    long_s, long_mb = best([RNNCLI, "inspect", *long_args], 3)
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()}"
    )
    table(
        [
            ('python -c "import torch"', torch_s, torch_mb, "reference"),
            (
                "rnncli --help",
                help_s,
                help_mb,
                f"{help_s / torch_s:.2f}× import torch (target < 0.15)",
            ),
            (
                "rnncli inspect --input 100 --hidden 20",
                inspect_s,
                inspect_mb,
                f"{inspect_s / torch_s:.2f}× import torch (target ≤ 1.3)",
            ),
            (
                "rnncli inspect --cell lstm --input 100000 --hidden 100000 --layers 8 "
                "--device meta",
                meta_s,
                meta_mb,
                "seconds, < 500 MB",
            ),
            (
                "rnncli inspect " + " ".join(long_args),
                long_s,
                long_mb,
                "seconds at any length",
            ),
        ]
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Size a model: total parameters and MACs of an LSTM as the hidden size grows.
# `--device meta` allocates nothing, so even large sizes answer at once.
set -euo pipefail
command -v rnncli >/dev/null || {
  echo "rnncli is not on PATH: after 'make demo', run 'source .venv/bin/activate' first" >&2
  exit 127
}

input=${1:-300}
printf "%8s %14s %16s\n" hidden parameters macs
for hidden in 64 128 256 512 1024; do
  rnncli inspect --cell lstm --input "$input" --hidden "$hidden" --device meta --json |
    python3 -c 'import json, sys
d = json.load(sys.stdin)
print("%8d %14s %16s" % (d["model"]["hidden_size"], format(d["total_parameters"], ","), format(d["macs"], ",")))'
done

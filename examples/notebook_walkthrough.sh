#!/usr/bin/env bash
# The lecture notebook's cells, one rnncli command each.
set -euo pipefail
command -v rnncli >/dev/null || {
  echo "rnncli is not on PATH: after 'make demo', run 'source .venv/bin/activate' first" >&2
  exit 127
}

echo "== In [2]: word_to_ix = {'hello': 0, 'world': 1}; nn.Embedding(2, 5)"
rnncli embed hello world --dim 5

echo "== In [5]-[7]: nn.RNN(100, 10): which parameters, which shapes?"
rnncli inspect --input 100 --hidden 10 --json |
  python3 -c 'import json,sys; [print(p["name"], p["shape"]) for p in json.load(sys.stdin)["parameters"]]'

echo "== In [9]: RNN(100, 20) on randn(10, 3, 100) with h0 = zeros(1, 3, 20)"
rnncli inspect --input 100 --hidden 20 --seq-len 10 --batch 3

echo "== The recurrence h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh), checked against torch"
rnncli inspect --input 100 --hidden 20 --verify --json |
  python3 -c 'import json,sys; v=json.load(sys.stdin)["verify"]; print("max |difference|:", v["max_abs_error"], "passed:", v["passed"])'

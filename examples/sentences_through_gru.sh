#!/usr/bin/env bash
# Two sentences through a GRU: GloVe 6B.50d rows when they are fetched, random rows otherwise.
# Fetch them once with: rnncli glove fetch 6B.50d
set -euo pipefail
command -v rnncli >/dev/null || {
  echo "rnncli is not on PATH: after 'make demo', run 'source .venv/bin/activate' first" >&2
  exit 127
}

if rnncli glove list --json | python3 -c 'import json, sys; sys.exit(0 if any(s["name"] == "6B.50d" and s.get("cached") for s in json.load(sys.stdin)["sets"]) else 1)'; then
  embedding=(--vectors 6B.50d)
  echo "embedding: GloVe 6B.50d"
else
  embedding=(--embed-dim 50)
  echo "embedding: random, 50-dimensional (run 'rnncli glove fetch 6B.50d' for GloVe)"
fi

rnncli inspect --cell gru --hidden 8 "${embedding[@]}" --pack --output-size 2 \
  --text "the king spoke to the people" --text "a queen"

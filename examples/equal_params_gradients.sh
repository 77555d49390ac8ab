#!/usr/bin/env bash
# One sentence through rnn, lstm and gru with the same number of parameters: how much of the
# gradient at the last word reaches the first? GloVe 6B.50d rows when they are fetched, random
# rows otherwise (fetch them once with: rnncli glove fetch 6B.50d). Usage: equal_params_gradients.sh [HIDDEN]
set -euo pipefail
command -v rnncli >/dev/null || {
  echo "rnncli is not on PATH: after 'make demo', run 'source .venv/bin/activate' first" >&2
  exit 127
}

hidden="${1:-32}"
sentence="the old king who had ruled the land for forty years spoke at last to the people in the square"

if rnncli glove list --json | python3 -c 'import json, sys; sys.exit(0 if any(s["name"] == "6B.50d" and s.get("cached") for s in json.load(sys.stdin)["sets"]) else 1)'; then
  embedding=(--vectors 6B.50d)
  echo "embedding: GloVe 6B.50d"
else
  embedding=(--embed-dim 50)
  echo "embedding: random, 50-dimensional (run 'rnncli glove fetch 6B.50d' for GloVe)"
fi
echo "sentence: $sentence"

# The rnn at --hidden sets the budget; lstm and gru get the hidden size closest to it.
rnncli compare --cells rnn,lstm,gru --match-params --hidden "$hidden" "${embedding[@]}" \
  --text "$sentence" --json | python3 -c '
import json, sys
data = json.load(sys.stdin)
words = len(data["rows"][0]["input_gradients"])
print("budget: {:,} parameters ({}), {} words".format(data["budget"], data["budget_source"], words))
print("{:<6}{:>7}{:>12}  {}".format("cell", "hidden", "parameters", "gradient at the first word / at the last"))
for row in data["rows"]:
    ratio = row["gradient_ratio"]
    shown = "n/a" if ratio is None else "{:.1e}".format(ratio)
    print("{:<6}{:>7}{:>12,}  {}".format(row["cell"], row["hidden_size"], row["total_parameters"], shown))
'

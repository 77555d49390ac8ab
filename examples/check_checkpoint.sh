#!/usr/bin/env bash
# Before a long run: does the checkpoint hold the LSTM the config says?
# `rnncli inspect FILE` with model options exits 1 when the file differs, 0 when it agrees.
#   examples/check_checkpoint.sh tagger.pt 128 2
set -uo pipefail
command -v rnncli >/dev/null || {
  echo "rnncli is not on PATH: after 'make demo', run 'source .venv/bin/activate' first" >&2
  exit 127
}

checkpoint=${1:?usage: check_checkpoint.sh CHECKPOINT [HIDDEN] [LAYERS]}
hidden=${2:-128}
layers=${3:-2}

report=$(rnncli inspect "$checkpoint" --cell lstm --hidden "$hidden" --layers "$layers" --json)
status=$?
if [ "$status" -eq 0 ]; then
  echo "ok: $checkpoint holds an LSTM with hidden_size $hidden and $layers layers"
elif [ "$status" -eq 1 ] && [ -n "$report" ]; then
  # Exit 1 with a report: the file differs; each difference names the tensor that proves it.
  printf '%s' "$report" | python3 -c 'import json, sys
for m in json.load(sys.stdin)["mismatches"]:
    print("differs: %s is %s in the file, %s in the config (%s)" % (m["option"], m["file"], m["given"], m["evidence"]))'
  exit 1
else
  exit "$status"  # not a checkpoint, or a usage mistake: rnncli said why on stderr
fi

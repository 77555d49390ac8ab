#!/usr/bin/env bash
# Build a vocabulary from a text file, look at it, and embed a sentence with it.
# Usage: examples/vocab_and_embed.sh [WORKDIR]   (needs `rnncli` on PATH)
set -euo pipefail
command -v rnncli >/dev/null || {
  echo "rnncli is not on PATH: after 'make demo', run 'source .venv/bin/activate' first" >&2
  exit 127
}

workdir="${1:-$(mktemp -d)}"
mkdir -p "$workdir"
cd "$workdir"

# 1. A small corpus: any UTF-8 text file works, one or many, or - for stdin.
cat > corpus.txt <<'TEXT'
The cat sat on the mat. The dog sat on the log.
A cat and a dog met on the mat; the cat ran, the dog sat.
Cats and dogs are friends, said the old man to the cat.
TEXT

# 2. Count tokens and keep those seen at least twice (plus <pad> and <unk>).
rnncli vocab build corpus.txt --min-freq 2 --out vocab.json

# 3. The saved vocabulary, its 5 most frequent tokens.
rnncli vocab show vocab.json --top 5

# 4. Embed a sentence: split by the vocabulary's tokenizer, unknown words become <unk>.
rnncli embed --vocab vocab.json --dim 4 --seed 1 "The cat sat on a rug."

# 5. The same lookup as JSON, and the weight saved for torch.load(..., weights_only=True).
rnncli embed --vocab vocab.json --dim 4 --seed 1 --out embedding.pt --json "The cat sat on a rug." \
  > embedding.json 2> /dev/null
echo "wrote $workdir/vocab.json, $workdir/embedding.pt and $workdir/embedding.json"

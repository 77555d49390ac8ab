"""examples/vocab_and_embed.sh runs as a user would run it, with rnncli on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from helpers.cli import REPO


def test_vocab_and_embed_example(tmp_path):
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    work = tmp_path / "work"
    result = subprocess.run(
        ["bash", str(REPO / "examples" / "vocab_and_embed.sh"), str(work)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Zipf" in result.stdout and "Top 5 tokens" in result.stdout
    assert "rug → <unk>" in result.stdout
    assert "rnncli: warning:" in result.stderr and "rug" in result.stderr

    vocab = json.loads((work / "vocab.json").read_text(encoding="utf-8"))
    assert vocab["itos"][:3] == ["<pad>", "<unk>", "the"]
    assert all(c >= 2 for c in vocab["counts"][2:])
    data = json.loads((work / "embedding.json").read_text(encoding="utf-8"))
    itos = vocab["itos"]
    words = ["the", "cat", "sat", "on", "a", "rug", "."]
    assert data["indices"] == [itos.index(w) if w in itos else 1 for w in words]
    saved = torch.load(work / "embedding.pt", weights_only=True)
    assert saved["itos"] == itos
    torch.manual_seed(1)
    assert torch.equal(saved["weight"], torch.nn.Embedding(len(itos), 4).weight.detach())
    assert data["vectors"] == saved["weight"][data["indices"]].tolist()

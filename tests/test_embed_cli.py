"""`rnncli embed` through typer's test runner and through the real entry point."""

from __future__ import annotations

import json

import pytest
import torch
from helpers.cli import invoke, run_rnncli


def test_hello_world_table():
    result = invoke("embed", "hello", "world")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "torch.manual_seed(0); embeds = torch.nn.Embedding(2, 5)" in out
    torch.manual_seed(0)
    first = torch.nn.Embedding(2, 5).weight[0].tolist()
    hello = next(line for line in out.splitlines() if line.strip().startswith("hello"))
    assert hello.split()[1] == "0" and "[1 0]" in hello
    assert f"{first[0]: .4f}".strip() in hello  # rounded for the eye
    for row in ("lookup", "weight", "result", "one-hot"):
        assert row in out
    assert "[2, 5]" in out and "int64" in out and "float32" in out
    assert result.stderr == ""


def test_default_output_fits_80_columns():
    result = run_rnncli("embed", "hello", "world", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= 80
    assert "[ 1.5410, -0.2934, -2.1788,  0.5684, -1.0845]" in result.stdout


def test_json_is_one_object_with_full_precision():
    result = invoke("embed", "hello", "world", "hello", "--dim", "3", "--seed", "42", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["vocab"] == {"hello": 0, "world": 1}
    assert data["indices"] == [0, 1, 0]
    assert data["shape"] == [3, 3]
    torch.manual_seed(42)
    weight = torch.nn.Embedding(2, 3).weight.tolist()
    assert data["vectors"] == [weight[0], weight[1], weight[0]]
    assert result.stdout.count("\n") == 1


def test_stdin_dash_in_a_pipe():
    result = run_rnncli("embed", "-", "--json", input="hello world\n  hello\n")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["indices"] == [0, 1, 0] and data["shape"] == [3, 5]


def test_stdin_through_the_runner():
    result = invoke("embed", "-", input="a b\n")
    assert result.exit_code == 0, result.stderr
    assert "Embedding(2, 5)" in result.stdout


@pytest.mark.parametrize(
    ("args", "input", "message"),
    [
        (["embed"], None, "WORD: give at least one word"),
        (["embed", "-"], "   \n", "no words on stdin"),
        (["embed", "a", "--dim", "0"], None, "--dim: must be a positive integer"),
        (["embed", "a", "--dim", "x"], None, "--dim"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, input, message):
    result = run_rnncli(*args, input=input)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnncli: error: ") and message in lines[0]


def test_missing_or_foreign_vocab_exits_2(tmp_path):
    # a path that is not there is the user's mistake (rnncli.text.vocab: usage error, exit 2)
    result = run_rnncli("embed", "a", "--vocab", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "nope.json" in result.stderr
    foreign = tmp_path / "package.json"
    foreign.write_text('{"name": "x"}', encoding="utf-8")
    result = run_rnncli("embed", "a", "--vocab", str(foreign))
    assert result.returncode == 2  # the wrong file named, as a missing one
    assert result.stderr.splitlines() == [
        f"rnncli: error: --vocab: {foreign} is not an rnncli vocabulary "
        '(no "format": "rnncli-vocab"); build one with `rnncli vocab build`'
    ]


def test_out_writes_a_weights_only_file(tmp_path):
    out = tmp_path / "emb.pt"
    result = invoke("embed", "hello", "world", "--out", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    data = torch.load(out, weights_only=True)
    assert data["itos"] == ["hello", "world"]
    assert data["weight"].tolist() == json.loads(result.stdout)["vectors"]
    layer = torch.nn.Embedding.from_pretrained(data["weight"])
    assert layer.weight.shape == (2, 5)


def test_out_into_a_directory_is_a_usage_error(tmp_path):
    result = run_rnncli("embed", "a", "--out", str(tmp_path))
    assert result.returncode == 2 and "--out" in result.stderr

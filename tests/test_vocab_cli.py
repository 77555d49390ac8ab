"""`rnncli vocab build/show` and the round trip build -> show -> embed --vocab."""

from __future__ import annotations

import json

import pytest
import torch
from helpers.cli import imported_modules, invoke, run_rnncli

CORPUS = "The cat sat on the mat.\nThe dog sat on the log!\nA cat and a dog.\n"


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(CORPUS, encoding="utf-8")
    return path


def test_build_writes_the_file_and_prints_the_summary(tmp_path, corpus):
    out = tmp_path / "v.json"
    result = invoke("vocab", "build", str(corpus), "--out", str(out), "--min-freq", "2")
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["itos"] == ["<pad>", "<unk>", "the", ".", "a", "cat", "dog", "on", "sat"]
    assert data["counts"] == [0, 0, 4, 2, 2, 2, 2, 2, 2]
    out_text = result.stdout
    assert "20 running" in out_text and "11 (4 seen once)" in out_text
    assert "80.00% of running tokens" in out_text
    assert "Zipf" in out_text and "cut after rank 7 (--min-freq 2)" in out_text
    assert "the" in out_text


def test_build_json_and_show_json_agree(tmp_path, corpus):
    out = tmp_path / "v.json"
    built = invoke("vocab", "build", str(corpus), "-o", str(out), "--json", "--top", "3")
    assert built.exit_code == 0, built.stderr
    b = json.loads(built.stdout)
    assert b["tokens"] == 20 and b["distinct"] == 11 and b["kept"] == 11 and b["size"] == 13
    assert b["coverage"] == 1.0
    assert [t["token"] for t in b["top"]] == ["the", ".", "a"]
    shown = invoke("vocab", "show", str(out), "--json", "--top", "3")
    assert shown.exit_code == 0, shown.stderr
    s = json.loads(shown.stdout)
    assert {k: v for k, v in s.items() if k != "path"} == {
        k: v for k, v in b.items() if k != "path"
    }


def test_show_table(tmp_path, corpus):
    out = tmp_path / "v.json"
    invoke("vocab", "build", str(corpus), "-o", str(out), "--max-size", "3")
    result = invoke("vocab", "show", str(out), "--top", "2")
    assert result.exit_code == 0, result.stderr
    assert "Top 2 tokens" in result.stdout
    assert "--max-size 3" in result.stdout


def test_whitespace_tokenizer_and_specials(tmp_path, corpus):
    out = tmp_path / "v.json"
    result = invoke(
        "vocab", "build", str(corpus), "-o", str(out), "--tokenizer", "whitespace",
        "--specials", "[PAD],[UNK],[CLS]", "--unk", "[UNK]", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    # count 2 each, then code-point order: upper case sorts before lower case
    assert data["itos"][:8] == ["[PAD]", "[UNK]", "[CLS]", "The", "cat", "on", "sat", "the"]
    assert "The" in data["itos"] and "mat." in data["itos"] and data["lower"] is False


def test_round_trip_build_show_embed(tmp_path, corpus):
    out = tmp_path / "v.json"
    assert run_rnncli("vocab", "build", str(corpus), "--out", str(out)).returncode == 0
    assert "the" in run_rnncli("vocab", "show", str(out)).stdout
    result = run_rnncli("embed", "--vocab", str(out), "The cat purrs.", "--json", "--dim", "4")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    itos = json.loads(out.read_text(encoding="utf-8"))["itos"]
    assert data["indices"] == [itos.index("the"), itos.index("cat"), 1, itos.index(".")]
    assert data["unknown"] == ["purrs"]
    assert data["shape"] == [4, 4]
    torch.manual_seed(0)
    weight = torch.nn.Embedding(len(itos), 4).weight
    assert data["vectors"][0] == weight[itos.index("the")].tolist()
    assert result.stderr.startswith("rnncli: warning: 1 word not in")


def test_build_from_stdin(tmp_path):
    out = tmp_path / "v.json"
    result = run_rnncli("vocab", "build", "-", "--out", str(out), "--json", input=CORPUS)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["files"] == ["<stdin>"] and data["tokens"] == 20
    result = invoke("vocab", "build", "-", "--out", str(out), "--json", input="x y x\n")
    assert json.loads(result.stdout)["top"][0] == {"index": 2, "token": "x", "count": 2}


def test_vocab_commands_do_not_import_torch(tmp_path, corpus):
    out = tmp_path / "v.json"
    modules = imported_modules(
        ["vocab", "build", str(corpus), "-o", str(out)],
        ["vocab", "show", str(out)],
        tmp_path=tmp_path,
    )
    assert "torch" not in modules


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--min-freq", "0"], 2, "--min-freq: must be a positive integer"),
        (["--max-size", "0"], 2, "--max-size: must be a positive integer"),
        (["--specials", "<pad>,<unk>,<pad>"], 2, "--specials: special token '<pad>' is repeated"),
        (["--unk", "<oov>"], 2, "--unk"),
        (["--tokenizer", "bpe"], 2, "--tokenizer"),
        (["--errors", "ignore"], 2, "--errors"),
        (["--top", "-1"], 2, "--top"),
    ],
)
def test_build_usage_errors(tmp_path, corpus, args, code, message):
    out = tmp_path / "v.json"
    result = run_rnncli("vocab", "build", str(corpus), "-o", str(out), *args)
    assert result.returncode == code
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnncli: error: ") and message in lines[0]
    assert not out.exists()


def test_build_failures_exit_2_or_1_and_keep_the_old_vocab(tmp_path, corpus):
    out = tmp_path / "v.json"
    assert invoke("vocab", "build", str(corpus), "-o", str(out)).exit_code == 0
    before = out.read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine\nnot \xc3\x28 fine\n")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    cases = [
        ([str(tmp_path / "missing.txt")], 2, "FILE: cannot read"),
        ([str(tmp_path)], 2, "FILE: cannot read " + str(tmp_path) + ": it is a folder"),
        ([str(bad)], 1, f"{bad}: not valid UTF-8 at byte offset 9"),
        ([str(empty)], 1, "empty corpus"),
    ]
    for files, code, message in cases:
        result = run_rnncli("vocab", "build", *files, "-o", str(out))
        assert result.returncode == code, (files, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and message in lines[0], lines
        assert "Traceback" not in result.stderr
        assert out.read_bytes() == before
    result = run_rnncli("vocab", "build", str(bad), "-o", str(out), "--errors", "replace")
    assert result.returncode == 0, result.stderr


def test_min_freq_above_every_count_warns(tmp_path, corpus):
    result = run_rnncli("vocab", "build", str(corpus), "-o", str(tmp_path / "v.json"),
                        "--min-freq", "99")  # fmt: skip
    assert result.returncode == 0
    assert "rnncli: warning: no token reaches --min-freq 99" in result.stderr


def test_show_refuses_foreign_and_corrupt_files(tmp_path):
    cases = {
        "notjson.json": b"\x89PNG\r\n",
        "other.json": b'{"name": "x", "version": 1}',
        "corrupt.json": json.dumps(
            {"format": "rnncli-vocab", "version": 1, "itos": ["a", "b"], "counts": [1]}
        ).encode(),
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = run_rnncli("vocab", "show", str(path))
        # No vocabulary at all: the wrong file was named (exit 2, like a missing one); a damaged
        # vocabulary is a failure (exit 1).
        assert result.returncode == (1 if name == "corrupt.json" else 2), result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and str(path) in lines[0], lines
    result = run_rnncli("vocab", "show", str(tmp_path / "missing.json"))
    assert result.returncode == 2 and "missing.json: no such file" in result.stderr


def test_empty_vocabulary_is_refused_at_build_and_at_load(tmp_path):
    """`printf 'a b\\n' | rnncli vocab build - --specials "" --min-freq 5` used to write []."""
    out = tmp_path / "e.json"
    result = run_rnncli(
        "vocab", "build", "-", "--specials", "", "--min-freq", "5", "-o", str(out), input="a b\n"
    )
    assert result.returncode == 2 and not out.exists()
    assert result.stderr.startswith("rnncli: error: --min-freq: no token reaches --min-freq 5")
    assert "--specials is empty" in result.stderr and result.stderr.count("\n") == 1
    out.write_text(json.dumps({"format": "rnncli-vocab", "version": 1, "itos": [], "counts": []}))
    for args in (("vocab", "show", str(out)), ("embed", "--vocab", str(out))):
        result = run_rnncli(*args)
        assert result.returncode == 1, (args, result.stderr)
        assert result.stderr == (
            f"rnncli: error: {out} is an empty vocabulary (no token, no special): it cannot "
            "index any word; build it again with a lower --min-freq or with --specials\n"
        )

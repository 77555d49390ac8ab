"""`vocab build/show --vectors`: GloVe coverage of a vocabulary, checked against counts the test
makes itself, its errors, and that it still never imports torch."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import imported_modules, invoke, run_rnncli

from rnncli.glove.coverage import glove_coverage
from rnncli.glove.set_import import import_arrays
from rnncli.glove.store import open_store
from rnncli.text.vocab import Vocab

GLOVE_WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "king"]
CORPUS = (
    "the cat sat on the mat\n"
    "the dog ran zorp zorp zorp\n"
    "a Cat sat on a blorf mat\n"
    "qux qux the end\n"
)


@pytest.fixture
def cache(cache_dir: Path) -> Path:
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((len(GLOVE_WORDS), 50)).astype(np.float32)
    import_arrays("6B.50d", GLOVE_WORDS, matrix, cache_dir)
    return cache_dir


@pytest.fixture
def corpus(tmp_path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(CORPUS, encoding="utf-8")
    return path


def expected_coverage(min_freq: int = 1) -> dict:
    """Coverage computed here from the raw text: whitespace tokens, case kept."""
    counts = Counter(CORPUS.split())
    kept = {t: c for t, c in counts.items() if c >= min_freq}
    found = [t for t in kept if t in GLOVE_WORDS]
    lacking = sorted((t for t in kept if t not in GLOVE_WORDS), key=lambda t: (-kept[t], t))
    return {
        "kept": len(kept),
        "found": len(found),
        "distinct_share": len(found) / len(kept),
        "running_tokens": sum(counts.values()),
        "running_found": sum(kept[t] for t in found),
        "running_share": sum(kept[t] for t in found) / sum(counts.values()),
        "lacking": [(t, kept[t]) for t in lacking],
    }


def build_json(corpus: Path, out: Path, *extra: str) -> dict:
    result = invoke(
        "vocab", "build", str(corpus), "-o", str(out), "--tokenizer", "whitespace",
        "--vectors", "6B.50d", "--json", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("min_freq", [1, 2])
def test_build_coverage_matches_counts_made_here(tmp_path, cache, corpus, min_freq):
    data = build_json(corpus, tmp_path / "v.json", "--min-freq", str(min_freq), "--top", "3")
    g, want = data["glove"], expected_coverage(min_freq)
    assert g["name"] == "6B.50d" and g["dim"] == 50
    for key in ("kept", "found", "running_tokens", "running_found"):
        assert g[key] == want[key], key
    assert g["missing"] == want["kept"] - want["found"]
    assert g["distinct_share"] == pytest.approx(want["distinct_share"])
    assert g["running_share"] == pytest.approx(want["running_share"])
    itos = json.loads((tmp_path / "v.json").read_text(encoding="utf-8"))["itos"]
    assert [(m["token"], m["count"]) for m in g["missing_top"]] == want["lacking"][:3]
    assert all(itos[m["index"]] == m["token"] for m in g["missing_top"])


def test_known_figures(tmp_path, cache, corpus):
    g = build_json(corpus, tmp_path / "v.json")["glove"]
    # kept: the cat sat on mat dog ran zorp a Cat blorf qux end = 13; GloVe has 8 of them.
    assert (g["kept"], g["found"]) == (13, 8)
    # running: 23 tokens; zorp 3 + qux 2 + Cat 1 + blorf 1 + end 1 = 8 lacking.
    assert (g["running_tokens"], g["running_found"]) == (23, 15)
    assert [m["token"] for m in g["missing_top"]] == ["zorp", "qux", "Cat", "blorf", "end"]


def test_library_and_a_hand_made_vocabulary_order(cache):
    vocab = Vocab(itos=["<unk>", "rare", "cat", "often"], counts=[0, 1, 5, 9], specials=["<unk>"])
    vocab.stats.tokens = 20
    cov = glove_coverage(vocab, open_store("6B.50d", cache), top=5)
    assert (cov.kept, cov.found, cov.missing) == (3, 1, 2)
    assert cov.running_share == pytest.approx(5 / 20)
    assert [(m.index, m.token, m.count) for m in cov.missing_top] == [
        (3, "often", 9),
        (1, "rare", 1),
    ]


def test_no_vectors_gives_null(tmp_path, corpus):
    result = invoke("vocab", "build", str(corpus), "-o", str(tmp_path / "v.json"), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["glove"] is None


def test_build_table(tmp_path, cache, corpus):
    result = invoke(
        "vocab", "build", str(corpus), "-o", str(tmp_path / "v.json"),
        "--tokenizer", "whitespace", "--vectors", "6B.50d", "--top", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "GloVe 6B.50d  8 of 13 kept tokens (61.54%), 65.22% of running tokens" in out
    assert "Most frequent tokens 6B.50d lacks (2 of 5)" in out
    lacks = out.split("Most frequent tokens 6B.50d lacks")[1]
    zorp = next(line for line in lacks.splitlines() if " zorp " in line)
    assert zorp.split()[-2:] == ["3", "13.04%"]


def test_show_agrees_with_build(tmp_path, cache, corpus):
    out = tmp_path / "v.json"
    built = build_json(corpus, out)
    shown = invoke("vocab", "show", str(out), "--vectors", "6B.50d", "--json", "--top", "10")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["glove"] == built["glove"]
    table = invoke("vocab", "show", str(out), "--vectors", "6B.50d")
    assert "GloVe 6B.50d  8 of 13 kept tokens" in table.stdout


def test_cache_dir_option(tmp_path, corpus):
    mine = tmp_path / "mine"
    import_arrays("6B.50d", GLOVE_WORDS, np.ones((len(GLOVE_WORDS), 50), np.float32), mine)
    result = invoke(
        "vocab", "build", str(corpus), "-o", str(tmp_path / "v.json"),
        "--vectors", "6B.50d", "--cache-dir", str(mine), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["glove"]["found"] > 0


def test_set_not_fetched_fails_before_counting_and_writes_nothing(tmp_path, corpus):
    out = tmp_path / "v.json"
    result = run_rnncli("vocab", "build", str(corpus), "-o", str(out), "--vectors", "6B.50d")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("rnncli: error: GloVe set 6B.50d is not in the cache (")
    assert "run `rnncli glove fetch 6B.50d` once first" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("command", ["build", "show"])
def test_unknown_set_is_a_usage_error(tmp_path, corpus, command):
    target = str(corpus)
    if command == "show":
        target = str(tmp_path / "v.json")
        assert invoke("vocab", "build", str(corpus), "-o", target).exit_code == 0
    result = invoke("vocab", command, target, "--vectors", "6B.51d")
    assert result.exit_code == 2
    assert result.stderr.startswith("rnncli: error: --vectors: unknown GloVe set '6B.51d'")


def test_subprocess_show(tmp_path, cache, corpus):
    out = tmp_path / "v.json"
    build_json(corpus, out)
    result = run_rnncli("vocab", "show", str(out), "--vectors", "6B.50d", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["glove"]["found"] == 8


def test_vocab_vectors_do_not_import_torch(tmp_path, cache, corpus):
    out = tmp_path / "v.json"
    modules = imported_modules(
        ["vocab", "build", str(corpus), "-o", str(out), "--vectors", "6B.50d"],
        ["vocab", "show", str(out), "--vectors", "6B.50d", "--json"],
        tmp_path=tmp_path,
    )
    assert "torch" not in modules and "numpy" in modules  # the GloVe lookup, without torch


def test_help_mentions_vectors():
    for command in ("build", "show"):
        text = " ".join(invoke("vocab", command, "--help").stdout.split())
        assert "--vectors" in text and "--cache-dir" in text


def test_a_cased_vocabulary_gets_a_hint_for_an_uncased_set(tmp_path, cache, corpus):
    args = ["vocab", "build", str(corpus), "-o", str(tmp_path / "v.json"), "--vectors", "6B.50d"]
    cased = invoke(*args, "--tokenizer", "whitespace")
    assert "6B.50d holds lowercased words only" in " ".join(cased.stdout.split())
    lowered = invoke(*args, "--tokenizer", "whitespace", "--lower")
    assert "lowercased words only" not in lowered.stdout
    assert json.loads(invoke(*args, "--lower", "--json").stdout)["glove"]["missing"] == 4

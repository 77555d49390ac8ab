"""Command-line words a set lacks: undecodable bytes are missing, not a crash; case hints."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers.cli import run_rnncli
from helpers.glove_files import make_glove_text_set
from typer.testing import CliRunner

from rnncli.cli.app import app
from rnncli.errors import UsageError
from rnncli.glove import query
from rnncli.glove.store import open_store
from rnncli.glove.words import (
    hint_text,
    lowercase_hints,
    quoted,
    unknown_words_message,
    word_label,
)

VOCAB = {
    "king": [1, 1, 0],
    "queen": [1, 0, 1],
    "paris": [0, 1, 1],
    "Berlin": [0, 0, 1],  # a cased entry: "berlin" is not there
}
# What Python makes of the argument $'\xff' (PEP 383 surrogate escape), and of $'caf\xe9'.
BAD = "\udcff"
LATIN1 = "caf\udce9"


@pytest.fixture
def cache(cache_dir):
    return make_glove_text_set(cache_dir, VOCAB)


@pytest.fixture
def store(cache):
    opened = open_store("6B.50d", cache)
    yield opened
    opened.close()


def test_labels_show_the_bytes_typed():
    assert word_label(BAD) == "\\xff" and word_label(LATIN1) == "caf\\xe9"
    assert word_label("king") == "king" and word_label("naïve") == "naïve"
    assert word_label("\ud800") == "\\ud800"  # a lone surrogate that is no escaped byte
    assert quoted(BAD) == "'\\xff'" and quoted("king") == "'king'"
    for w in (BAD, LATIN1, "\ud800"):
        json.dumps(word_label(w), ensure_ascii=False).encode("utf-8")  # printable anywhere


def test_undecodable_words_are_missing_in_every_lookup(store):
    assert store.index(BAD) is None and BAD not in store and store.values(BAD) is None
    assert store.vector(BAD) is None
    assert store.indices([BAD, "queen", LATIN1, "king"]).tolist() == [-1, 1, -1, 0]
    rows, missing = store.rows_for(["king", BAD])
    assert np.array_equal(rows[1], np.zeros(3, np.float32)) and missing == [BAD]
    report = query.vectors(store, [BAD, "king", BAD, LATIN1])
    assert report.missing == ["\\xff", "caf\\xe9"] and list(report.vectors) == ["king"]
    for call in (
        lambda: query.neighbors(store, BAD),
        lambda: query.similarity(store, BAD, "king"),
        lambda: query.analogy(store, "king", BAD, "queen"),
    ):
        with pytest.raises(UsageError, match=r"unknown word in GloVe 6B.50d: '\\xff'$"):
            call()


def test_lowercase_hints(store):
    words = ["King", "queen", "PARIS", "Nope", "King", "Berlin", "BERLIN", BAD]
    assert lowercase_hints(store, words) == {"King": "king", "PARIS": "paris"}
    assert lowercase_hints(store, []) == {}
    assert hint_text(store, {"King": "king"}) == "its words are lowercase: try 'king'"
    assert hint_text(store, {}) == ""


def test_hint_on_a_cased_set_does_not_claim_lowercase(tmp_path):
    make_glove_text_set(tmp_path, VOCAB, name="840B.300d")
    cased = open_store("840B.300d", tmp_path)
    assert hint_text(cased, lowercase_hints(cased, ["King"])) == "try 'king'"
    assert unknown_words_message(cased, ["KING"]) == (
        "unknown word in GloVe 840B.300d: 'KING' (try 'king')"
    )


def test_unknown_word_errors_carry_the_hint(store):
    with pytest.raises(UsageError) as caught:
        query.neighbors(store, "King")
    assert str(caught.value) == (
        "unknown word in GloVe 6B.50d: 'King' (its words are lowercase: try 'king')"
    )
    with pytest.raises(UsageError) as caught:
        query.analogy(store, "King", "Nope", "PARIS")
    assert str(caught.value) == (
        "unknown words in GloVe 6B.50d: 'King', 'Nope', 'PARIS' "
        "(its words are lowercase: try 'king', 'paris')"
    )
    with pytest.raises(UsageError, match=r"'Nope'$"):
        query.similarity(store, "Nope", "king")


def test_real_entry_point_undecodable_argument(cache):
    """`rnncli glove vector $'\\xff'`: subprocess passes the surrogate back as the byte 0xff."""
    r = run_rnncli("glove", "vector", BAD, "king", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["missing"] == ["\\xff"] and list(data["vectors"]) == ["king"]
    assert "Traceback" not in r.stderr and "\\xff" in r.stderr
    for args in (("neighbors", BAD), ("similarity", "king", BAD), ("analogy", BAD, "a", "b")):
        r = run_rnncli("glove", *args)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("rnncli: error: unknown word") and "'\\xff'" in r.stderr
        assert r.stderr.count("\n") == 1 and r.stdout == ""


def test_real_entry_point_capitalised_word_hint(cache):
    r = run_rnncli("glove", "neighbors", "King")
    assert r.returncode == 2
    assert r.stderr == (
        "rnncli: error: unknown word in GloVe 6B.50d: 'King' "
        "(its words are lowercase: try 'king')\n"
    )
    r = CliRunner().invoke(app, ["glove", "similarity", "Queen", "king"])
    assert r.exit_code == 2 and "try 'queen'" in r.stderr


def test_every_command_names_missing_words_the_same_way(cache):
    """glove vector and embed --vectors list missing words alike, with the lowercase hint."""
    from rnncli.glove.words import listed

    assert listed(["King", BAD, "new york", ""]) == "King, \\xff, 'new york', ''"
    assert listed(["a", "b", "c"], 2, more=" (see --json)") == "a, b, … +1 more (see --json)"
    vector = run_rnncli("glove", "vector", "King", BAD, "queen")
    assert vector.returncode == 0, vector.stderr
    assert vector.stderr == (
        "rnncli: warning: not in GloVe 6B.50d: King, \\xff (its words are lowercase: try 'king')\n"
    )
    embed = run_rnncli("embed", BAD, "King", "--vectors", "6B.50d")
    assert embed.returncode == 0, embed.stderr
    assert "given zero rows (--missing zeros): \\xff, King\n" in embed.stderr
    assert "udcff" not in embed.stderr + embed.stdout

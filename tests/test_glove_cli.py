"""`rnncli glove list|vector|neighbors|analogy|similarity`, through CliRunner and the real entry."""

from __future__ import annotations

import json

import pytest
from helpers.cli import run_rnncli
from helpers.glove_files import make_glove_text_set
from typer.testing import CliRunner

from rnncli.cli.app import app

runner = CliRunner()

VOCAB = {
    "king": [1, 1, 0, 0],
    "queen": [1, 0, 1, 0],
    "man": [0, 1, 0, 0],
    "woman": [0, 0, 1, 0],
    "prince": [0.9, 1, 0, 0.1],
    "apple": [0, 0, 0, 1],
}


@pytest.fixture
def cache(cache_dir):
    return make_glove_text_set(cache_dir, VOCAB)


def test_vector_json(cache):
    r = runner.invoke(app, ["glove", "vector", "queen", "nope", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {
        "name": "6B.50d",
        "dim": 4,
        "vectors": {"queen": [1.0, 0.0, 1.0, 0.0]},
        "missing": ["nope"],
    }


def test_vector_table_names_missing(cache):
    r = runner.invoke(app, ["glove", "vector", "queen", "nope"])
    assert r.exit_code == 0
    assert "queen" in r.stdout and "1.00000" in r.stdout and "nope" not in r.stdout
    # a diagnostic, so on stderr: stdout stays the table alone
    assert r.stderr == "rnncli: warning: not in GloVe 6B.50d: nope\n"


def test_vector_all_missing_prints_nothing_on_stdout_and_exits_1(cache):
    r = runner.invoke(app, ["glove", "vector", "xyzzyq"])
    assert r.exit_code == 1  # a script must see that no word was found
    assert r.stdout == ""
    assert "not in GloVe 6B.50d: xyzzyq" in r.stderr
    r = runner.invoke(app, ["glove", "vector", "xyzzyq", "--json"])
    assert json.loads(r.stdout)["missing"] == ["xyzzyq"] and r.exit_code == 1


def test_neighbors_and_k(cache):
    r = runner.invoke(app, ["glove", "neighbors", "king", "-k", "2", "--json"])
    d = json.loads(r.stdout)
    assert [n["word"] for n in d["neighbors"]] == ["prince", "man"]
    table = runner.invoke(app, ["glove", "neighbors", "king", "-k", "2"]).stdout
    assert "prince" in table and "queen" not in table


def test_analogy(cache):
    r = runner.invoke(app, ["glove", "analogy", "man", "king", "woman", "--json"])
    assert json.loads(r.stdout)["answer"] == "queen"
    text = runner.invoke(app, ["glove", "analogy", "man", "king", "woman"]).stdout
    assert "man : king :: woman : queen" in text


def test_similarity(cache):
    r = runner.invoke(app, ["glove", "similarity", "king", "queen", "--json"])
    assert json.loads(r.stdout)["similarity"] == 0.5
    assert "0.5000" in runner.invoke(app, ["glove", "similarity", "king", "queen"]).stdout


def test_list_shows_cached_set(cache):
    d = json.loads(runner.invoke(app, ["glove", "list", "--json"]).stdout)
    rows = {s["name"]: s for s in d["sets"]}
    assert rows["6B.50d"]["cached"] and rows["6B.50d"]["bytes_on_disk"] > 0
    assert not rows["840B.300d"]["cached"] and len(rows) == 10
    text = runner.invoke(app, ["glove", "list"]).stdout
    assert "twitter.27B.200d" in text and "glove.840B.300d.zip" in text


def test_unknown_word_is_exit_2_one_line(cache):
    r = run_rnncli("glove", "neighbors", "nope", env={"RNNCLI_CACHE_DIR": str(cache)})
    assert r.returncode == 2
    assert r.stderr == "rnncli: error: unknown word in GloVe 6B.50d: 'nope'\n"
    assert r.stdout == ""


def test_missing_set_is_exit_1_with_fetch_hint(tmp_path):
    r = run_rnncli("glove", "vector", "hello", "--cache-dir", str(tmp_path))
    assert r.returncode == 1
    assert "rnncli glove fetch 6B.50d" in r.stderr and r.stderr.count("\n") == 1


def test_unknown_set_name_is_usage_error(tmp_path):
    r = runner.invoke(
        app, ["glove", "vector", "x", "--name", "7B.50d", "--cache-dir", str(tmp_path)]
    )
    assert r.exit_code == 2 and "--name" in r.stderr and "6B.50d" in r.stderr


def test_real_entry_point_neighbors_json(cache):
    r = run_rnncli("glove", "neighbors", "king", "-k", "1", "--json", "--cache-dir", str(cache))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["neighbors"][0]["word"] == "prince"


def test_every_command_has_help():
    for cmd in ["list", "vector", "neighbors", "analogy", "similarity"]:
        r = runner.invoke(app, ["glove", cmd, "--help"])
        assert r.exit_code == 0 and "--cache-dir" in r.stdout and "--json" in r.stdout


def test_vector_and_similarity_processes_need_no_numpy_and_give_exact_float32(tmp_path):
    """The whole `glove vector` process stays numpy-free, and its JSON reads back bit-exactly."""
    import numpy as np
    from helpers.cli import imported_modules

    from rnncli.glove.set_import import import_arrays

    rng = np.random.default_rng(11)
    bits = rng.integers(0, 2**32, size=(3, 24), dtype=np.uint64).astype(np.uint32)
    awkward = (bits & 0xBFFFFFFF).view(np.float32)  # every bit pattern below 2.0 in magnitude
    special = np.array(
        [2.0**-12, -(2.0**-12), 2.0**60, 1e-45, -0.0, 0.1, 1 / 3, 1e30] * 3, dtype=np.float32
    )
    m = np.vstack([awkward, special[None, :24]]).astype(np.float32)
    words = ["a", "naïve", "new york", "p2"]
    import_arrays("6B.50d", words, m, tmp_path)
    env = {"RNNCLI_CACHE_DIR": str(tmp_path)}

    r = run_rnncli("glove", "vector", *words, "nope", "--json", env=env)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["missing"] == ["nope"] and list(d["vectors"]) == words
    for i, w in enumerate(words):
        got = np.array(d["vectors"][w], dtype=np.float32)
        assert got.tobytes() == m[i].tobytes(), w
        assert d["vectors"][w] == [float(str(x)) for x in m[i]]  # numpy's shortest digits

    sim = json.loads(run_rnncli("glove", "similarity", "a", "p2", "--json", env=env).stdout)
    a, b = m[0].astype(np.float64), m[3].astype(np.float64)
    assert sim["similarity"] == round(float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)), 4)

    cache = ["--cache-dir", str(tmp_path)]
    modules = imported_modules(
        ["glove", "vector", "a", "nope", *cache],
        ["glove", "vector", "a", "--json", *cache],
        ["glove", "similarity", "a", "p2", *cache],
        tmp_path=tmp_path,
    )
    assert not modules & {"numpy", "torch", "torchnlp", "pyarrow"}, modules

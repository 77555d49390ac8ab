"""pytorch-nlp stays the reference: equal vectors, and it reads the .pt cache we write."""

from __future__ import annotations

import io
import shutil

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchnlp.word_to_vector import GloVe

from rnncli.glove.set_import import import_text
from rnncli.glove.store import open_store
from rnncli.glove.torchnlp_compat import write_torchnlp_cache


def _write(tmp_path, text: bytes):
    d = tmp_path / "tn"
    d.mkdir(exist_ok=True)
    (d / "glove.6B.50d.txt").write_bytes(text)
    return d


def _fixture(n: int = 300, seed: int = 1) -> bytes:
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((n, 50)) * rng.choice([1e-5, 0.1, 1, 30], size=(n, 50))
    fmts = ["%.5g", "%.6f", "%r"]
    lines = [f"w{i}é " + " ".join(fmts[i % 3] % v for v in row) for i, row in enumerate(m.tolist())]
    return ("\n".join(lines) + "\n").encode()


def test_vectors_equal_to_pytorch_nlp_exactly(tmp_path):
    text = _fixture()
    d = _write(tmp_path, text)
    ref = GloVe(name="6B", dim=50, cache=str(d))
    import_text("6B.50d", io.BytesIO(text), tmp_path / "cache", dim=50)
    s = open_store("6B.50d", tmp_path / "cache")
    assert list(s.words) == ref.index_to_token
    ours = np.asarray(s.matrix)
    theirs = ref.vectors.numpy()
    assert theirs.dtype == np.float32
    assert np.array_equal(ours.view(np.uint32), theirs.view(np.uint32))
    for w in ["w0é", "w17é", "w299é"]:
        assert torch.equal(torch.from_numpy(s.vector(w)), ref[w])


def test_duplicates_differ_as_documented(tmp_path):
    text = b"a " + b" ".join(b"1" for _ in range(50)) + b"\na " + b" ".join(b"2" for _ in range(50))
    d = _write(tmp_path, text + b"\n")
    ref = GloVe(name="6B", dim=50, cache=str(d))
    import_text("6B.50d", io.BytesIO(text), tmp_path / "cache", dim=50)
    s = open_store("6B.50d", tmp_path / "cache")
    assert ref["a"][0].item() == 2.0  # pytorch-nlp: the last copy
    assert s.vector("a")[0] == 1.0  # rnncli: the first copy


def test_pytorch_nlp_reads_our_pt_cache_without_the_text(tmp_path):
    text = _fixture(50)
    import_text("6B.50d", io.BytesIO(text), tmp_path / "cache", dim=50)
    s = open_store("6B.50d", tmp_path / "cache")
    out = tmp_path / "pt"
    out.mkdir()
    path = write_torchnlp_cache(s, out)
    assert path.name == "glove.6B.50d.txt.pt"
    assert not (out / "glove.6B.50d.txt").exists()  # it must not need the text
    ref = GloVe(name="6B", dim=50, cache=str(out))
    assert ref.dim == 50 and ref.index_to_token == list(s.words)
    assert torch.equal(ref["w3é"], torch.from_numpy(s.vector("w3é")))
    # and it equals pytorch-nlp's own parse of the same text
    own = GloVe(name="6B", dim=50, cache=str(_write(tmp_path, text)))
    assert torch.equal(own.vectors, ref.vectors)
    shutil.rmtree(out)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=64), min_size=50, max_size=50))
def test_any_decimal_equals_pytorch_nlp(tmp_path_factory, values):
    tmp = tmp_path_factory.mktemp("h")
    text = ("x " + " ".join(repr(v) for v in values) + "\n").encode()
    ref = GloVe(name="6B", dim=50, cache=str(_write(tmp, text)))
    import_text("6B.50d", io.BytesIO(text), tmp / "c", dim=50)
    assert torch.equal(torch.from_numpy(open_store("6B.50d", tmp / "c").vector("x")), ref["x"])

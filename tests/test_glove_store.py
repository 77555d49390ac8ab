"""The cache: round trip, lookups, atomic replacement, damage detection, concurrent imports."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnncli.errors import RnncliError
from rnncli.glove.integrity import checked_meta, verify_files
from rnncli.glove.set_import import import_arrays, import_text
from rnncli.glove.set_listing import cached_sets, list_sets
from rnncli.glove.store import open_store

REPO = Path(__file__).resolve().parent.parent


def _text(n: int = 200, dim: int = 4, seed: int = 0) -> tuple[list[str], np.ndarray, bytes]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)] + ["naïve", "new york", "\u00a0"]
    m = rng.standard_normal((len(words), dim)).astype(np.float32)
    lines = [w + " " + " ".join(f"{v:.6g}" for v in row) for w, row in zip(words, m)]
    data = ("\n".join(lines) + "\n").encode()
    parsed = np.array([[float(x) for x in ln.split(" ")[-dim:]] for ln in lines], np.float32)
    return words, parsed, data


def test_round_trip_lookups_and_words(tmp_path):
    words, m, data = _text()
    report = import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4, source="fixture")
    assert report.count == len(words) and report.dim == 4
    s = open_store("6B.50d", tmp_path)
    assert s.count == len(words) and s.dim == 4
    assert np.array_equal(s.matrix, m)
    assert list(s.words) == words and s.words[-2] == "new york"
    for i, w in enumerate(words):
        assert s.index(w) == i
        assert np.array_equal(s.vector(w), m[i])
    assert s.index("absent") is None and s.vector("absent") is None
    np.testing.assert_allclose(s.norms, np.linalg.norm(m, axis=1), rtol=1e-6)
    meta = json.loads((s.path / "meta.json").read_text())
    assert meta["source"] == "fixture" and meta["count"] == len(words)


def test_rows_for_is_one_gather_with_missing_listed(tmp_path):
    words, m, data = _text()
    import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4)
    s = open_store("6B.50d", tmp_path)
    query = ["w3", "nope", "naïve", "w3", "nope", "zzz"]
    rows, missing = s.rows_for(query)
    assert rows.shape == (6, 4) and rows.dtype == np.float32
    assert np.array_equal(rows[0], m[3]) and np.array_equal(rows[2], m[words.index("naïve")])
    assert not rows[1].any() and not rows[5].any()
    assert missing == ["nope", "zzz"]
    idx = s.indices(words)
    assert np.array_equal(idx, np.arange(len(words)))


def test_duplicates_first_wins_and_are_counted(tmp_path):
    r = import_text("dup", io.BytesIO(b"the 1 1 1\nof 2 2 2\nthe 3 3 3\n"), tmp_path, dim=3)
    assert r.count == 2 and r.stats.duplicates == 1 and r.stats.rows == 2
    s = open_store("dup", tmp_path)
    assert list(s.words) == ["the", "of"]
    assert s.vector("the").tolist() == [1, 1, 1] and s.vector("of").tolist() == [2, 2, 2]


@pytest.mark.parametrize("with_c", [True, False])
def test_a_shared_hash_is_not_a_duplicate(tmp_path, monkeypatch, with_c):
    """ "plumless" and "buckeroo" have the same CRC-32: both stay, a real repeat goes, and the
    table the duplicate search built (C or numpy) finds every word."""
    from rnncli.glove import word_table

    built = word_table.accelerator()
    if with_c and built is None:
        pytest.skip("the C word table was not built here")
    monkeypatch.setattr(word_table, "_ACCELERATOR", [built if with_c else None])
    text = b"plumless 1 1\nbuckeroo 2 2\nthe 3 3\nbuckeroo 4 4\nof 5 5\n"
    r = import_text("crc", io.BytesIO(text), tmp_path, dim=2)
    assert r.count == 4 and r.stats.duplicates == 1
    s = open_store("crc", tmp_path)
    assert list(s.words) == ["plumless", "buckeroo", "the", "of"]
    assert [s.vector(w).tolist() for w in ("plumless", "buckeroo", "of")] == [
        [1, 1],
        [2, 2],
        [5, 5],
    ]
    r = import_text("crc", io.BytesIO(text.replace(b"buckeroo 4", b"other 4")), tmp_path, dim=2)
    s = open_store("crc", tmp_path)
    assert r.stats.duplicates == 0 and s.vector("buckeroo").tolist() == [2, 2]
    assert s.vector("other").tolist() == [4, 4]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tokens=st.lists(
        st.sampled_from(["a", "b", "ab", "ba", "é", "a\u00a0b", "zz", "q"]), max_size=60
    ),
    weak_hash=st.booleans(),
)
def test_the_first_copy_of_every_token_is_kept_whatever_the_hashes(
    tmp_path_factory, monkeypatch, tokens, weak_hash
):
    """Row i holds the number i, so the matrix shows which copy was kept. A weak hash (the
    token's length) makes different tokens share hashes: only equal bytes count as a copy."""
    import rnncli.glove.set_writer as writer_module

    if weak_hash:
        monkeypatch.setattr(
            writer_module,
            "word_hashes",
            lambda encoded: np.array([len(t) for t in encoded], dtype=np.uint32),
        )
    cache = tmp_path_factory.mktemp("c")
    data = "".join(f"{t} {i} {-i}\n" for i, t in enumerate(tokens)).encode()
    first = {}
    for i, t in enumerate(tokens):
        first.setdefault(t, i)
    if not tokens:
        with pytest.raises(RnncliError, match="no vectors"):
            import_text("dup", io.BytesIO(data), cache, dim=2)
        return
    r = import_text("dup", io.BytesIO(data), cache, dim=2)
    assert r.count == len(first) and r.stats.duplicates == len(tokens) - len(first)
    assert r.stats.rows == len(first)
    path = Path(r.path)
    words = (path / "words.bin").read_bytes().decode().split("\n")[:-1]
    assert words == list(first)
    matrix = np.load(path / "vectors.npy")
    assert matrix[:, 0].tolist() == [float(first[t]) for t in first]
    assert matrix[:, 1].tolist() == [-float(first[t]) for t in first]
    norms = np.load(path / "norms.npy")
    assert np.allclose(norms, np.linalg.norm(matrix, axis=1))
    offsets = np.load(path / "offsets.npy")
    assert offsets[-1] == len((path / "words.bin").read_bytes()) and len(offsets) == len(first) + 1
    meta, _ = checked_meta("dup", path)
    verify_files("dup", path, meta)  # every CRC and size as meta.json says


def test_import_arrays_keeps_first_duplicate(tmp_path):
    m = np.arange(12, dtype=np.float32).reshape(4, 3)
    r = import_arrays("6B.50d", ["a", "b", "a", "c"], m, tmp_path, source="pkg")
    assert r.count == 3 and r.stats.duplicates == 1
    s = open_store("6B.50d", tmp_path)
    assert list(s.words) == ["a", "b", "c"]
    assert np.array_equal(s.vector("a"), m[0]) and np.array_equal(s.vector("c"), m[3])


def test_absent_set_says_which_fetch_to_run(tmp_path):
    with pytest.raises(RnncliError, match=r"rnncli glove fetch 6B.100d"):
        open_store("6B.100d", tmp_path)


def test_failed_import_leaves_the_old_copy(tmp_path):
    _, m, data = _text()
    import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4)
    with pytest.raises(RnncliError):
        import_text("6B.50d", io.BytesIO(b"a 1 2 3 4\nb 1 2\n"), tmp_path, dim=4)
    s = open_store("6B.50d", tmp_path)
    assert np.array_equal(s.matrix, m)
    leftovers = [p.name for p in (tmp_path / "glove").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_interrupted_import_in_the_middle_leaves_the_old_copy(tmp_path):
    _, m, data = _text()
    import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4)

    def lines():
        yield b"x 1 2 3 4\n"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_text("6B.50d", lines(), tmp_path, dim=4)
    assert np.array_equal(open_store("6B.50d", tmp_path).matrix, m)


def test_killed_import_leaves_old_state_and_is_cleaned_up(tmp_path):
    _, m, data = _text()
    import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4)
    script = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from rnncli.glove.set_import import import_text
        def lines():
            for i in range(100000):
                if i == 5000:
                    os.kill(os.getpid(), 9)
                yield b"w%d 1 2 3 4\\n" % i
        import_text("6B.50d", lines(), Path({str(tmp_path)!r}), dim=4)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, timeout=60)
    assert proc.returncode == -9
    assert any(p.name.startswith(".6B.50d.tmp-") for p in (tmp_path / "glove").iterdir())
    assert np.array_equal(open_store("6B.50d", tmp_path).matrix, m)
    import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4)  # cleans the dead one's folder
    assert [p.name for p in (tmp_path / "glove").iterdir()] == ["6B.50d"]


def test_concurrent_imports_end_with_one_good_copy(tmp_path):
    words, m, data = _text(n=20000)
    src = tmp_path / "in.txt"
    src.write_bytes(data)
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from rnncli.glove.set_import import import_text
        with open({str(src)!r}, "rb") as f:
            import_text("6B.50d", f, Path({str(tmp_path / "c")!r}), dim=4)
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=REPO) for _ in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    s = open_store("6B.50d", tmp_path / "c")
    s.verify()
    assert np.array_equal(s.matrix, m) and list(s.words) == words
    assert [p.name for p in (tmp_path / "c" / "glove").iterdir()] == ["6B.50d"]


@pytest.mark.parametrize("fname", ["vectors.npy", "words.bin", "offsets.npy", "table.npy"])
def test_truncated_file_is_detected(tmp_path, fname):
    _, _, data = _text()
    import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4)
    path = tmp_path / "glove" / "6B.50d" / fname
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size - 8)
    with pytest.raises(RnncliError, match=r"damaged.*rnncli glove fetch 6B.50d"):
        open_store("6B.50d", tmp_path)


def test_edited_file_of_same_size_is_detected(tmp_path):
    _, _, data = _text()
    import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4)
    path = tmp_path / "glove" / "6B.50d" / "vectors.npy"
    raw = bytearray(path.read_bytes())
    raw[200] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(RnncliError, match=r"vectors.npy was modified.*fetch 6B.50d"):
        open_store("6B.50d", tmp_path)


def test_touched_but_intact_file_is_accepted_and_remembered(tmp_path):
    _, m, data = _text()
    import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4)
    path = tmp_path / "glove" / "6B.50d" / "vectors.npy"
    os.utime(path, ns=(1, 1))
    assert np.array_equal(open_store("6B.50d", tmp_path).matrix, m)
    meta = json.loads((path.parent / "meta.json").read_text())
    assert meta["files"]["vectors.npy"]["mtime_ns"] == 1


def test_broken_meta_is_detected(tmp_path):
    _, _, data = _text()
    import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4)
    (tmp_path / "glove" / "6B.50d" / "meta.json").write_text("{not json")
    with pytest.raises(RnncliError, match="damaged"):
        open_store("6B.50d", tmp_path)


def test_a_cache_of_another_format_version_is_refused_with_the_fetch_command(tmp_path):
    _, _, data = _text()
    import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4)
    meta_path = tmp_path / "glove" / "6B.50d" / "meta.json"
    meta = json.loads(meta_path.read_text())
    assert meta["format"] == 1  # the format of every cache written so far
    meta["format"] = 2
    meta_path.write_text(json.dumps(meta))
    # tmp_path is not the cache a plain `glove fetch` writes to: the hint keeps --cache-dir.
    hint = re.escape(f"run `rnncli glove fetch 6B.50d --cache-dir {tmp_path}` again to rebuild it")
    with pytest.raises(RnncliError, match=hint):
        open_store("6B.50d", tmp_path)


def test_listing_reports_size_on_disk(tmp_path):
    _, _, data = _text()
    import_text("6B.50d", io.BytesIO(data), tmp_path, dim=4)
    info = cached_sets(tmp_path)["6B.50d"]
    assert info.count == 203 and info.bytes_on_disk > 203 * 4 * 4
    listing = list_sets(tmp_path)
    row = {s.name: s for s in listing.sets}
    assert row["6B.50d"].cached and not row["6B.100d"].cached
    assert row["840B.300d"].vocab_size == 2_196_017


def test_import_text_of_a_dirty_file_stores_the_kept_tokens_bytes(tmp_path):
    """Duplicates, invalid UTF-8, tokens with spaces, odd line ends: the store's words (written
    from the parser's own bytes) and lookups match what was kept."""
    good = [f"w{i} {i}.5 -1 0.25\n" for i in range(3000)]
    good[10] = "w5 9 9 9\n"  # a duplicate: the first w5 wins
    good[20] = "new york 1 2 3\n"  # a token with a space (the per-line path)
    good[2500] = "ünïcode\u00a0x 4 5 6 \r\n"
    data = "".join(good).encode()
    data = data.replace(b"w30 ", b"\xff\xfe ")  # not UTF-8: skipped and counted
    r = import_text("dirty", io.BytesIO(data), tmp_path, dim=3)
    assert r.stats.duplicates == 1 and r.stats.bad_utf8 == 1
    s = open_store("dirty", tmp_path)
    words = list(s.words)
    assert len(words) == 2998 and "new york" in words and "ünïcode\u00a0x" in words
    assert (s.path / "words.bin").read_bytes() == ("\n".join(words) + "\n").encode()
    assert np.array_equal(s.vector("w5"), np.array([5.5, -1, 0.25], np.float32))
    assert np.array_equal(s.vector("ünïcode\u00a0x"), np.array([4, 5, 6], np.float32))
    assert all(s.index(w) == i for i, w in enumerate(words))

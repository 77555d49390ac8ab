"""Vocabulary ordering rules, the file format, and reading corpora (UTF-8 errors, stdin)."""

from __future__ import annotations

import io
import json
import re
import sys
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnncli.text.corpus as corpus_module
from rnncli.errors import RnncliError, UsageError
from rnncli.text.corpus import count_tokens
from rnncli.text.vocab import FORMAT, Vocab, build_vocab, parse_specials, rank_profile


def test_specials_first_then_count_descending_then_code_point_order():
    counts = Counter({"b": 3, "a": 3, "B": 3, "z": 5, "é": 1, "c": 1})
    v = Vocab.from_counts(counts)
    assert v.itos == ["<pad>", "<unk>", "z", "B", "a", "b", "c", "é"]
    assert v.counts == [0, 0, 5, 3, 3, 3, 1, 1]
    assert v.stoi["z"] == 2 and v.unk_index == 1


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=4), st.integers(1, 6), max_size=30),
    st.integers(1, 4),
    st.one_of(st.none(), st.integers(1, 10)),
)
def test_order_matches_a_plain_sort(counts, min_freq, max_size):
    """Specials, then the reference rule: sort by (-count, token), drop < min_freq, cut."""
    counts = Counter({t: c for t, c in counts.items() if t not in ("<pad>", "<unk>")})
    v = Vocab.from_counts(counts, min_freq=min_freq, max_size=max_size)
    expected = sorted(
        (t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t)
    )
    if max_size is not None:
        expected = expected[:max_size]
    assert v.itos == ["<pad>", "<unk>", *expected]
    assert v.counts[2:] == [counts[t] for t in expected]
    assert v.kept == len(expected)
    assert v.stats.covered == sum(counts[t] for t in expected)


def test_max_size_counts_only_non_special_tokens():
    v = Vocab.from_counts(Counter("aaabbc"), max_size=2)
    assert v.itos == ["<pad>", "<unk>", "a", "b"]
    assert len(v) == 4 and v.kept == 2


def test_min_freq_and_coverage():
    v = Vocab.from_counts(Counter("aaabbc"), min_freq=2)
    assert v.itos[2:] == ["a", "b"]
    assert v.stats.tokens == 6 and v.stats.covered == 5
    assert v.stats.coverage == pytest.approx(5 / 6)
    assert v.stats.singletons == 1


def test_corpus_token_equal_to_a_special_keeps_the_special_index():
    v = Vocab.from_counts(Counter({"<pad>": 4, "x": 2}))
    assert v.itos == ["<pad>", "<unk>", "x"]
    assert v.counts == [0, 0, 2]


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"min_freq": 0}, "--min-freq"),
        ({"max_size": 0}, "--max-size"),
        ({"specials": ["<pad>", "<pad>"]}, "--specials"),
        ({"specials": ["<pad>", ""]}, "--specials"),
        ({"unk": "<oov>"}, "--unk"),
    ],
)
def test_bad_options_are_usage_errors(kwargs, option):
    with pytest.raises(UsageError, match=option):
        Vocab.from_counts(Counter("ab"), **kwargs)


def test_parse_specials():
    assert parse_specials("<pad>,<unk>") == ["<pad>", "<unk>"]
    assert parse_specials(" <s> , </s> ") == ["<s>", "</s>"]
    assert parse_specials("") == []
    with pytest.raises(UsageError, match="repeated"):
        parse_specials("<a>,<b>,<a>")


def test_default_unk_dropped_without_it_among_specials():
    v = Vocab.from_counts(Counter("ab"), specials=["<pad>"])
    assert v.unk is None
    with pytest.raises(RnncliError, match="no unk token"):
        v.lookup(["zzz"])


def test_lookup_maps_unknown_tokens_to_unk():
    v = Vocab.from_counts(Counter("ab"))
    assert v.lookup(["a", "q", "b", "q"]) == ([2, 1, 3, 1], ["q", "q"])


def test_rank_profile_is_log_spaced_and_ends_at_the_last_rank():
    counts = list(range(1000, 0, -1))
    profile = rank_profile(counts)
    assert profile[0] == [1, 1000] and profile[-1] == [1000, 1]
    assert all(c == 1001 - r for r, c in profile)
    assert len(profile) <= 64


# ---- the file --------------------------------------------------------------------------------


def test_save_writes_one_json_object_with_format_and_version(tmp_path):
    path = tmp_path / "v.json"
    v = Vocab.from_counts(Counter({"b": 1, "a": 2}), tokenizer="whitespace")
    v.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT and data["version"] == 1
    assert data["itos"] == ["<pad>", "<unk>", "a", "b"]
    assert data["counts"] == [0, 0, 2, 1]
    assert data["unk"] == "<unk>" and data["tokenizer"] == "whitespace" and data["lower"] is False
    assert {"files", "lines", "tokens"} <= set(data["stats"])
    assert path.stat().st_mode & 0o044  # readable like any file the user writes


def test_round_trip(tmp_path):
    path = tmp_path / "v.json"
    v = Vocab.from_counts(Counter({"ü": 2, "a": 2, "<": 1}), min_freq=1, max_size=5)
    v.save(path)
    w = Vocab.load(path)
    assert w.to_dict() == v.to_dict()
    assert w.stoi == v.stoi


def test_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "v.json"
    Vocab.from_counts(Counter("old")).save(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(json, "dumps", boom)  # Vocab.to_json, inside the write
    with pytest.raises(KeyboardInterrupt):
        Vocab.from_counts(Counter("new")).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["v.json"]  # no temp file left behind


def _write(tmp_path, content) -> str:
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return str(path)


GOOD = {"format": FORMAT, "version": 1, "itos": ["<unk>", "a"], "counts": [0, 1],
        "specials": ["<unk>"], "unk": "<unk>", "tokenizer": "basic", "lower": True}  # fmt: skip


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\xff not json", "not JSON"),
        (b"{truncated", "not JSON"),
        ([1, 2], "not an rnncli vocabulary"),
        ({"itos": ["a"], "counts": [1]}, "not an rnncli vocabulary"),
        ({**GOOD, "version": 99}, "version 99"),
        ({**GOOD, "version": "1"}, "corrupt"),
        ({**GOOD, "counts": [0]}, '2 tokens but "counts" has 1'),
        ({**GOOD, "counts": [0, -1]}, "non-negative"),
        ({**GOOD, "itos": ["<unk>", 3]}, "list of strings"),
        ({**GOOD, "itos": ["<unk>", "<unk>"]}, "twice"),
        ({**GOOD, "unk": "<oov>"}, "unk token '<oov>'"),
        ({**GOOD, "specials": ["a"]}, "specials"),
        ({**GOOD, "tokenizer": "bpe"}, "tokenizer"),
        ({**GOOD, "stats": {"lines": "many"}}, "stats"),
    ],
)
def test_load_refuses_foreign_or_corrupt_files_naming_them(tmp_path, content, message):
    path = _write(tmp_path, content)
    with pytest.raises(RnncliError, match=message) as info:
        Vocab.load(path)
    assert path in str(info.value)
    assert Vocab.load(_write(tmp_path, GOOD)).itos == ["<unk>", "a"]


def test_load_missing_file_or_folder_is_a_usage_error_on_the_option(tmp_path):
    with pytest.raises(UsageError, match=r"^--vocab: cannot read vocabulary .*nope.json: no such"):
        Vocab.load(tmp_path / "nope.json", option="--vocab")
    with pytest.raises(UsageError, match=r"^FILE: cannot read vocabulary .*: it is a folder"):
        Vocab.load(tmp_path, option="FILE")
    with pytest.raises(UsageError, match=r"^cannot read vocabulary .*nope.json: no such file"):
        Vocab.load(tmp_path / "nope.json")


def test_empty_vocabulary_is_refused_at_build_save_and_load(tmp_path):
    with pytest.raises(UsageError) as info:
        Vocab.from_counts(Counter({"a": 1, "b": 2}), specials=[], min_freq=5)
    message = str(info.value)
    assert message.startswith("--min-freq: no token reaches --min-freq 5 (the most frequent")
    assert "appears 2 times" in message and "--specials is empty" in message
    # Only specials, or a low enough --min-freq: fine.
    assert Vocab.from_counts(Counter({"a": 1}), min_freq=5).itos == ["<pad>", "<unk>"]
    assert Vocab.from_counts(Counter({"a": 1}), specials=[], min_freq=1).itos == ["a"]
    with pytest.raises(RnncliError, match="has no entry"):
        Vocab(itos=[], counts=[]).save(tmp_path / "e.json")
    assert not (tmp_path / "e.json").exists()
    path = _write(tmp_path, {"format": FORMAT, "version": 1, "itos": [], "counts": []})
    with pytest.raises(RnncliError, match="is an empty vocabulary") as info:
        Vocab.load(path)
    assert path in str(info.value) and not isinstance(info.value, UsageError)


def test_build_vocab_refuses_an_empty_result_and_writes_nothing(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b\n", encoding="utf-8")
    out = tmp_path / "e.json"
    with pytest.raises(UsageError, match="--specials is empty"):
        build_vocab([corpus], out=out, specials=[], min_freq=5)
    assert not out.exists()


# ---- reading corpora -------------------------------------------------------------------------


def test_invalid_utf8_names_file_and_byte_offset(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 16)  # the error lies in a later block
    path = tmp_path / "latin1.txt"
    data = ("line one\n" * 10).encode() + "café\n".encode("latin-1")
    path.write_bytes(data)
    with pytest.raises(RnncliError) as info:
        count_tokens([path])
    assert str(path) in str(info.value)
    offset = data.index(b"\xe9")
    assert offset > 16
    assert f"byte offset {offset} " in str(info.value)
    assert "--errors replace" in str(info.value)
    corpus = count_tokens([path], errors="replace")
    assert (
        corpus.counts["\ufffd"] == 1 and corpus.counts["caf"] == 1 and corpus.counts["line"] == 10
    )


def test_bom_is_skipped_and_offsets_count_it(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfhi\n\xff")
    with pytest.raises(RnncliError, match="byte offset 6"):
        count_tokens([path])
    path.write_bytes(b"\xef\xbb\xbfhi there\n")
    assert count_tokens([path]).counts == Counter({"hi": 1, "there": 1})


def test_stdin_and_several_files_with_progress(tmp_path, monkeypatch):
    a = tmp_path / "a.txt"
    a.write_text("one two\ntwo", encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"two three\n")))
    calls = []
    corpus = count_tokens([a, "-"], progress=lambda *args: calls.append(args))
    assert corpus.counts == Counter({"two": 3, "one": 1, "three": 1})
    assert corpus.files == [str(a), "<stdin>"] and corpus.lines == 3
    last = {name: (done, total) for done, total, name in calls}
    assert last == {str(a): (11, 11), "<stdin>": (10, None)}
    assert [c[0] for c in calls] == [*sorted(c[0] for c in calls[:-1]), 10]  # grows per source


def test_missing_file_and_directory_are_usage_errors_on_file(tmp_path, monkeypatch):
    with pytest.raises(UsageError, match=r"^FILE: cannot read .*nope.txt: no such file"):
        count_tokens([tmp_path / "nope.txt"])
    with pytest.raises(UsageError, match=r"^FILE: cannot read .*: it is a folder"):
        count_tokens([tmp_path])
    # Every file is checked before any is read: a bad last name costs no pass over the first.
    good = tmp_path / "good.txt"
    good.write_text("a b\n", encoding="utf-8")
    opened = []
    real_open = corpus_module._open
    monkeypatch.setattr(corpus_module, "_open", lambda s: opened.append(s) or real_open(s))
    with pytest.raises(UsageError, match=r"nope.txt"):
        count_tokens([good, tmp_path / "nope.txt"])
    assert opened == []


def test_build_refuses_an_empty_corpus_and_keeps_the_old_file(tmp_path):
    out = tmp_path / "v.json"
    good = tmp_path / "good.txt"
    good.write_text("some words here\n", encoding="utf-8")
    build_vocab([good], out=out)
    before = out.read_bytes()
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n\n", encoding="utf-8")
    with pytest.raises(RnncliError, match="empty corpus"):
        build_vocab([empty], out=out)
    assert out.read_bytes() == before


def test_build_checks_options_before_reading(tmp_path):
    with pytest.raises(UsageError, match="--min-freq"):
        build_vocab([tmp_path / "does-not-exist.txt"], min_freq=0)


@pytest.mark.parametrize("block", [1, 3, 7, 1 << 20])
def test_blocks_of_any_size_give_the_same_counts(tmp_path, monkeypatch, block):
    """Lines longer than a block, a last line without newline, multi-byte characters."""
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", block)
    path = tmp_path / "c.txt"
    text = "a fairly long first line, longer than a block\n\nnaïve café ü\nlast line no newline"
    path.write_text(text, encoding="utf-8")
    corpus = count_tokens([path])
    assert corpus.counts == Counter(re.findall(r"\w+|[^\w\s]", text.lower()))
    assert corpus.lines == 4 and corpus.bytes == len(text.encode("utf-8"))


@settings(max_examples=80, deadline=None)
@given(
    counts=st.dictionaries(
        st.sampled_from(["a", "b", "c", "d", "e", "<pad>", "<unk>"]), st.integers(1, 6)
    ),
    min_freq=st.integers(1, 4),
    max_size=st.none() | st.integers(1, 4),
)
def test_the_cut_is_recorded_exactly_and_survives_the_file(counts, min_freq, max_size):
    """stats.cut: the distinct text tokens that got no index, a literal special never among them."""
    vocab = Vocab.from_counts(Counter(counts), min_freq=min_freq, max_size=max_size)
    expected = {t for t in counts if t not in vocab.specials} - set(vocab.itos)
    assert vocab.stats.cut == len(expected)
    again = Vocab.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert again.stats.cut == vocab.stats.cut


def test_cut_tokens_counts_the_rare_tokens_without_specials():
    """What the Zipf plot marks as cut: distinct tokens of the text without an index."""
    counts = Counter(["a"] * 3 + ["b"] * 2 + ["c", "d"] + ["<pad>"] * 3)
    assert Vocab.from_counts(counts).cut_tokens == 0
    assert Vocab.from_counts(counts, min_freq=2).cut_tokens == 2  # c and d, not <pad>
    assert Vocab.from_counts(counts, max_size=1).cut_tokens == 3  # b, c, d
    assert Vocab.from_counts(counts, max_size=3).cut_tokens == 1  # d
    assert Vocab.from_counts(counts, max_size=4).cut_tokens == 0


@given(
    itos=st.lists(st.text(max_size=6), min_size=1, max_size=40, unique=True),
    slice_size=st.integers(1, 7),
)
def test_json_pieces_join_to_the_whole_object(itos, slice_size):
    """The file is written a slice at a time; joined, it is json.dumps of to_dict exactly."""
    vocab = Vocab(itos=itos, counts=list(range(len(itos))), specials=[])
    whole = json.dumps(vocab.to_dict(), ensure_ascii=False, separators=(",", ":"))
    assert "".join(vocab.json_pieces(slice_size)) == whole == vocab.to_json()

"""Corpus blocks cut between tokens: a text on one line counts like the same text in lines."""

from __future__ import annotations

import sys
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnncli.text.corpus as corpus_module
from rnncli.errors import RnncliError
from rnncli.text.corpus import count_tokens
from rnncli.text.range_count import SEPARATORS
from rnncli.text.tokenize import BASIC_PATTERN, basic_tokens

# Word characters of 1 to 4 UTF-8 bytes, punctuation, final-sigma material, every ASCII space
# (a cut point), and non-ASCII spaces (no cut point: U+0085, U+00A0, U+2028, U+3000).
_ALPHABET = (
    list("aZé€𝔘ΣσΑ_9,.!'-")
    + list(" \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f")
    + [
        "\u0085",
        "\u00a0",
        "\u2028",
        "\u3000",
    ]
)
_texts = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=300)


def _reference(text: str, tokenizer: str) -> Counter:
    """Counting the whole text at once, with no blocks."""
    if tokenizer == "basic":
        return Counter(basic_tokens(text.lower()))
    return Counter(text.split())


def _lines(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def _count(path, text: str, block: int, tokenizer: str):
    path.write_bytes(text.encode("utf-8"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(corpus_module, "BLOCK_BYTES", block)
        return count_tokens([path], tokenizer=tokenizer)


def test_every_whitespace_character_is_a_basic_token_boundary():
    """The claim the cut rests on: no basic token holds a character str.split() splits on."""
    for c in map(chr, range(sys.maxunicode + 1)):
        if c.isspace():
            assert BASIC_PATTERN.findall(f"a{c}b") == ["a", "b"], hex(ord(c))
            assert not any(x.isspace() for x in c.lower()) or c.lower() == c
    # The cut points (bytes.split()'s separators) are whitespace to str.split() too.
    assert all(chr(b).isspace() for b in SEPARATORS)


@settings(max_examples=300, deadline=None)
@given(_texts, st.integers(1, 40), st.sampled_from(["basic", "whitespace"]))
def test_counts_in_blocks_equal_counts_of_the_whole_text(tmp_path_factory, text, block, tok):
    path = tmp_path_factory.getbasetemp() / "blocks.txt"
    corpus = _count(path, text, block, tok)
    assert corpus.counts == _reference(text, tok)
    assert corpus.lines == _lines(text)
    assert corpus.bytes == len(text.encode("utf-8"))


@settings(max_examples=200, deadline=None)
@given(_texts, st.integers(1, 40), st.sampled_from(["basic", "whitespace"]))
def test_one_long_line_counts_like_the_same_text_in_lines(tmp_path_factory, text, block, tok):
    """text8's layout (one line, spaces only) against the same words a line each."""
    words = text.split()
    path = tmp_path_factory.getbasetemp() / "line.txt"
    one_line = _count(path, " ".join(words), block, tok)
    in_lines = _count(path, "".join(w + "\n" for w in words), 1 << 20, tok)
    assert one_line.counts == in_lines.counts
    assert one_line.lines == (1 if words else 0) and in_lines.lines == len(words)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.integers(1, 30))
def test_any_bytes_decode_the_same_in_blocks(tmp_path_factory, data, block):
    """Cut only at ASCII bytes: block-wise UTF-8 decoding (replace) equals the whole file's."""
    path = tmp_path_factory.getbasetemp() / "bytes.bin"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(corpus_module, "BLOCK_BYTES", block)
        corpus = count_tokens([path], tokenizer="whitespace", lower=False, errors="replace")
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    assert corpus.counts == Counter(body.decode("utf-8", "replace").split())
    assert corpus.bytes == len(data)
    assert corpus.lines == _lines(data.decode("latin-1"))


def test_a_long_line_is_cut_at_spaces_and_crlf_stays_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 8)
    path = tmp_path / "c.txt"
    path.write_bytes(b"aaa bbb ccc ddd\r\neee fff")
    corpus = count_tokens([path], tokenizer="whitespace")
    assert corpus.counts == Counter(["aaa", "bbb", "ccc", "ddd", "eee", "fff"])
    assert corpus.lines == 2  # a cut between \r and \n would not change the count of lines


def test_a_token_longer_than_a_block_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 4)
    path = tmp_path / "c.txt"
    path.write_text("x" * 50 + " y\tζ" * 3, encoding="utf-8")
    corpus = count_tokens([path], tokenizer="whitespace")
    assert corpus.counts == Counter({"x" * 50: 1, "y": 3, "ζ": 3}) and corpus.lines == 1


def test_invalid_utf8_offset_on_one_long_line(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 16)
    path = tmp_path / "latin1.txt"
    data = b"word " * 20 + "café".encode("latin-1") + b" end"
    path.write_bytes(data)
    offset = data.index(b"\xe9")
    with pytest.raises(RnncliError, match=f"byte offset {offset} "):
        count_tokens([path])

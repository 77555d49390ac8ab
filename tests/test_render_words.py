"""The small words and listings every report shares: plurals, and ``label  value`` lines whose
long values (a path) move under their label, never cut."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from rnncli.render.fit import fields
from rnncli.render.words import count, noun, plural


def test_plural_agrees_with_the_number_and_separates_thousands():
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(0, "entry", "entries") == "0 entries"
    assert plural(2, "sequence") == "2 sequences"
    assert plural(1, "step") == "1 step"
    assert plural(12_000, "token") == "12,000 tokens"
    assert noun(1, "layer") == "layer" and noun(3, "layer") == "layers"
    assert count(1_234_567) == "1,234,567"


def test_a_long_value_goes_under_its_label_whole():
    path = "/a/rather/long/folder/name/for/the/vocabulary/file/vocab.json"
    lines = fields([("files", "corpus.txt"), ("written", path)], 60)
    assert lines[0] == "files    corpus.txt"
    assert lines[1:] == ["written", f"  {path}"]
    wide = fields([("files", "corpus.txt"), ("written", path)], 120)
    assert wide[1] == f"written  {path}"


@given(
    rows=st.lists(
        st.tuples(
            st.text("abcdefgh", min_size=1, max_size=12),
            st.lists(st.text("xyz/._0123", min_size=1, max_size=40), min_size=1, max_size=8).map(
                " ".join
            ),
        ),
        min_size=1,
        max_size=6,
    ),
    width=st.integers(60, 200),
)
def test_fields_keep_every_word_whole_within_the_width(rows, width):
    lines = fields(rows, width, indent="  ", gap=3)
    assert all(cell_len(line) <= width for line in lines), lines
    words = [word for line in lines for word in line.split()]
    for key, value in rows:
        assert key in words
        for word in value.split():
            assert word in words, (word, lines)

"""The streaming parser on dirty fixtures written here: one pathology per test."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.errors import RnncliError
from rnncli.glove.parse import parse_glove


def parse(data: bytes, dim: int = 3, *, lenient: bool = False, as_lines: bool = False, **kw):
    source = io.BytesIO(data).readlines() if as_lines else io.BytesIO(data)
    blocks, stats = parse_glove(source, dim, lenient=lenient, **kw)
    words, rows = [], []
    for b in blocks:
        words.extend(b.words)
        rows.append(b.vectors)
    matrix = np.concatenate(rows) if rows else np.zeros((0, dim), np.float32)
    return words, matrix, stats


CLEAN = b"the 0.1 0.2 0.3\nof -1.5 2 3e-2\nand 4 5 6\n"


@pytest.mark.parametrize("as_lines", [False, True])
def test_clean_file_values_are_float_then_float32(as_lines):
    words, m, stats = parse(CLEAN, as_lines=as_lines)
    assert words == ["the", "of", "and"]
    expected = np.array([[0.1, 0.2, 0.3], [-1.5, 2, 0.03], [4, 5, 6]], dtype=np.float32)
    assert m.dtype == np.float32 and np.array_equal(m, expected)
    assert stats.rows == 3 and stats.lines == 3


def test_tokens_with_no_break_and_ascii_spaces():
    data = ".\u00a0.\u00a0. 1 2 3\nnew york 4 5 6\n".encode()
    words, m, _ = parse(data)
    assert words == [".\u00a0.\u00a0.", "new york"]
    assert m[1].tolist() == [4, 5, 6]


def test_u0085_and_u2028_tokens_are_not_line_breaks():
    data = "\u0085 1 2 3\na\u2028b 4 5 6\n\x0b 7 8 9\n".encode()
    words, m, _ = parse(data)
    assert words == ["\u0085", "a\u2028b", "\x0b"]
    assert m.shape == (3, 3)


def test_word2vec_header_is_skipped():
    words, _, stats = parse(b"2 3\nthe 1 2 3\nof 4 5 6\n")
    assert words == ["the", "of"] and stats.header_skipped


def test_header_with_other_dim_is_an_error():
    with pytest.raises(RnncliError, match="header says 4-dimensional"):
        parse(b"2 4\nthe 1 2 3\n")


def test_the_parser_keeps_duplicates_for_the_writer_to_drop():
    """Dropping later copies is the set writer's (tests/test_glove_store.py): a set of every
    token here would cost more memory than a third of the matrix."""
    words, m, stats = parse(b"the 1 1 1\nof 2 2 2\nthe 3 3 3\n")
    assert words == ["the", "of", "the"] and m[2].tolist() == [3, 3, 3]
    assert stats.duplicates == 0 and stats.rows == 3


def test_invalid_utf8_token_is_skipped_and_counted():
    words, m, stats = parse(b"ok 1 2 3\n\xff\xfe 4 5 6\nfine 7 8 9\n")
    assert words == ["ok", "fine"]
    assert m[1].tolist() == [7, 8, 9]
    assert stats.bad_utf8 == 1


def test_crlf_line_ends():
    words, m, _ = parse(b"the 1 2 3\r\nof 4 5 6\r\n")
    assert words == ["the", "of"] and m[1].tolist() == [4, 5, 6]


def test_missing_final_newline():
    words, m, _ = parse(b"the 1 2 3\nof 4 5 6")
    assert words == ["the", "of"] and m[1].tolist() == [4, 5, 6]


def test_blank_lines_are_skipped():
    words, _, stats = parse(b"\nthe 1 2 3\n\n\r\nof 4 5 6\n\n")
    assert words == ["the", "of"] and stats.blank_lines == 4


def test_too_few_numbers_names_the_line():
    with pytest.raises(RnncliError, match=r"line 2: too few numbers"):
        parse(b"the 1 2 3\nof 4 5\nand 1 2 3\n")


def test_too_many_numbers_names_the_line():
    with pytest.raises(RnncliError, match=r"line 2: too many numbers"):
        parse(b"the 1 2 3\nof 0.5 4 5 6\n")


def test_unparsable_number_names_the_line():
    with pytest.raises(RnncliError, match=r"line 3: number b'4x'"):
        parse(b"the 1 2 3\nof 4 5 6\nand 4x 5 6\n")


def test_non_finite_number_is_rejected():
    with pytest.raises(RnncliError, match="not finite"):
        parse(b"the 1 nan 3\n")


def test_lenient_skips_and_counts_malformed_lines():
    data = b"the 1 2 3\nof 4 5\nand 4x 5 6\nx 0.5 1 2 3\nok 7 8 9\n"
    words, m, stats = parse(data, lenient=True)
    assert words == ["the", "ok"]
    assert stats.bad_lines == 3
    assert m[1].tolist() == [7, 8, 9]
    assert any("line 2" in e for e in stats.examples)


def test_file_cut_mid_line():
    data = b"the 1 2 3\nof 4 5 6\nand 7 8"
    with pytest.raises(RnncliError, match=r"line 3: too few numbers.*cut short"):
        parse(data)
    words, _, stats = parse(data, lenient=True)
    assert words == ["the", "of"] and stats.bad_lines == 1


def test_errors_found_in_later_blocks_carry_the_right_line_number():
    good = b"".join(b"w%d 1 2 3\n" % i for i in range(5000))
    with pytest.raises(RnncliError, match=r"line 5001: too few numbers"):
        parse(good + b"bad 1 2\n", block_bytes=4096)


def test_blocks_and_progress():
    data = b"".join(b"w%d %d.5 -1 2e1\n" % (i, i) for i in range(3000))
    seen = []
    words, m, stats = parse(data, block_bytes=1000, progress=seen.append)
    assert len(words) == 3000 and m[2999].tolist() == [2999.5, -1, 20]
    assert seen == sorted(seen) and seen[-1] == len(data) == stats.bytes_read


_number = st.floats(allow_nan=False, allow_infinity=False, width=32)
_fmt = st.sampled_from(["%.5g", "%.6f", "%r", "%.9e", "%g"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_number, min_size=4, max_size=4), min_size=1, max_size=40), _fmt)
def test_values_equal_python_float_then_float32(rows, fmt):
    """Any formatting: each value is what float() then float32 gives (pytorch-nlp's rule)."""
    text = [" ".join(fmt % v for v in row) for row in rows]
    data = "".join(f"w{i} {t}\n" for i, t in enumerate(text)).encode()
    words, m, _ = parse(data, dim=4, block_bytes=256)
    expected = np.array([[float(x) for x in t.split(" ")] for t in text]).astype(np.float32)
    assert len(words) == len(rows)
    assert np.array_equal(m.view(np.uint32), expected.view(np.uint32))


# -- the vectorised number parser: bit-for-bit float() then float32, or it declines ---------------
def _padded(fields: list[bytes]) -> bytes:
    from rnncli.glove.decimal_parse import PAD

    return bytes(PAD) + b" ".join(fields) + bytes(PAD)


def _exact(fields: list[bytes]):
    """float() then float32, as pytorch-nlp does; None where float() fails or is not finite."""
    try:
        values = [float(f) for f in fields]
    except ValueError:
        return None
    if not all(np.isfinite(values)):
        return None
    with np.errstate(over="ignore"):
        out = np.array(values, dtype=np.float64).astype(np.float32)
    return out if np.isfinite(out).all() else None  # beyond float32's range: rejected


_decimal = st.builds(
    lambda sign, whole, frac, dot: sign + whole + (b"." + frac if dot else b""),
    st.sampled_from([b"", b"-", b"+"]),
    st.from_regex(rb"\A[0-9]{0,10}\Z"),
    st.from_regex(rb"\A[0-9]{0,11}\Z"),
    st.booleans(),
).filter(lambda f: any(c in b"0123456789" for c in f))


@settings(max_examples=300, deadline=None)
@given(st.lists(_decimal, min_size=1, max_size=60))
def test_fast_decimal_equals_float_then_float32(fields):
    """Signs, no dot, a bare dot, long integer or fraction parts: the same bits as float()."""
    from rnncli.glove.decimal_parse import fast_decimal

    got = fast_decimal(_padded(fields), len(fields))
    expected = _exact(fields)
    assert got is not None  # these all fit the fast path (few long fields go through float())
    assert np.array_equal(got.view(np.uint32), expected.view(np.uint32))


@settings(max_examples=60, deadline=None)
@given(st.lists(_number, min_size=1, max_size=400), st.sampled_from(["%.5g", "%.6f", "%.8f"]))
def test_fast_decimal_takes_glove_formatting(values, fmt):
    from rnncli.glove.decimal_parse import fast_decimal

    fields = [(fmt % v).encode() for v in values]
    got = fast_decimal(_padded(fields), len(fields))
    assert got is not None
    assert np.array_equal(got.view(np.uint32), _exact(fields).view(np.uint32))


_junk_field = st.from_regex(rb"\A[0-9.+\-eE]{1,12}\Z")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_decimal, _junk_field), min_size=1, max_size=30))
def test_fast_and_numpy_parsers_never_accept_what_float_rejects(fields):
    """On any mix of numeric bytes: exact values, or None (then the exact slow path decides)."""
    from rnncli.glove.decimal_parse import fast_decimal, numpy_decimal

    expected = _exact(fields)
    for got in (
        fast_decimal(_padded(fields), len(fields)),
        numpy_decimal(b" ".join(fields), len(fields)),
    ):
        if expected is None:
            assert got is None
        elif got is not None:
            assert np.array_equal(got.view(np.uint32), expected.view(np.uint32))


def test_fields_without_a_dot_many_or_few():
    """Integers shift the dot-to-field pairing: a few are walked, many use a search."""
    for every in (1, 2, 7, 500):
        fields = [(b"%d" % i if i % every == 0 else b"%d.25" % i) for i in range(2000)]
        data = b"".join(b"w%d %s\n" % (k, b" ".join(fields[k * 4 : k * 4 + 4])) for k in range(500))
        words, m, _ = parse(data, dim=4)
        assert len(words) == 500
        assert np.array_equal(m.ravel(), np.array([float(f) for f in fields], np.float32))


@pytest.mark.parametrize(
    "bad, message",
    [
        (b"1.2.3", r"line 2: number b'1.2.3' \(field 2\) does not parse"),
        (b"1-2", r"line 2: number b'1-2' \(field 2\) does not parse"),
        (b"1e", r"line 2: number b'1e' \(field 2\) does not parse"),
        (b"1\x002", r"line 2: number b'1\\x002' \(field 2\) does not parse"),
        (b"1e999", r"line 2: number b'1e999' \(field 2\) is not finite"),
        (b"-", r"line 2: number b'-' \(field 2\) does not parse"),
        (b".", r"line 2: number b'.' \(field 2\) does not parse"),
    ],
)
def test_malformed_numbers_among_good_lines_name_the_line(bad, message):
    good = b"".join(b"w%d 0.5 -1.25 3\n" % i for i in range(50))
    data = b"a 1 2 3\nb 4 " + bad + b" 6\n" + good
    with pytest.raises(RnncliError, match=message):
        parse(data)
    words, m, stats = parse(data, lenient=True)
    assert len(words) == 51 and stats.bad_lines == 1
    assert m[-1].tolist() == [0.5, -1.25, 3]


def test_fasttext_trailing_space_lines_take_the_fast_path(monkeypatch):
    """A .vec file (header, a space at each line's end) parses without the per-line path."""
    from rnncli.glove.parse import GloveParser

    rows = [[(i * 7 + j) / 8 - 3 for j in range(3)] for i in range(300)]
    body = "".join(f"w{i} {' '.join(repr(v) for v in r)} \n" for i, r in enumerate(rows))
    monkeypatch.setattr(GloveParser, "_slow_line", None)  # any use would fail
    words, m, stats = parse(b"300 3\n" + body.encode(), block_bytes=512)
    assert stats.header_skipped and len(words) == 300
    assert np.array_equal(m, np.array(rows, np.float32))


def test_lines_with_two_trailing_spaces_still_parse():
    words, m, _ = parse(b"a 1 2 3  \nb 4 5 6 \r\n")
    assert words == ["a", "b"] and m.tolist() == [[1, 2, 3], [4, 5, 6]]


# -- numbers beyond float32's range: malformed, like inf and nan ----------------------------------
# 3.40282356e38 rounds down to the largest float32; 3.4028236e38 and beyond round to inf.
_TOO_BIG = [b"1e39", b"-1e39", b"3.4028236e38", b"1" + b"0" * 39 + b".5"]


@pytest.mark.parametrize("big", _TOO_BIG)
def test_vectorised_parsers_decline_numbers_beyond_float32(big):
    from rnncli.glove.decimal_parse import fast_decimal, numpy_decimal

    fields = [b"0.5", big, b"-0.25"]
    assert fast_decimal(_padded(fields), 3) is None
    assert numpy_decimal(b" ".join(fields), 3) is None


def test_largest_float32_is_kept_on_both_paths():
    top = np.finfo(np.float32).max
    for big in (b"3.4028235e38", b"3.40282356e38", b"-3.4028235e38"):
        fields = [b"0.5", big]
        fast = _fast_or_numpy(fields)
        assert fast is not None and np.isfinite(fast).all() and abs(fast[1]) == top
        words, m, _ = parse(b"inf_forces_slow_path nan 1\nw 0.5 " + big + b"\n", 2, lenient=True)
        assert words == ["w"] and abs(m[0, 1]) == top


def _fast_or_numpy(fields):
    from rnncli.glove.decimal_parse import fast_decimal, numpy_decimal

    got = fast_decimal(_padded(fields), len(fields))
    return got if got is not None else numpy_decimal(b" ".join(fields), len(fields))


@pytest.mark.parametrize("big", _TOO_BIG)
def test_number_beyond_float32_names_the_line_on_the_vectorised_path(big):
    """Among ordinary lines (the vectorised path): an error naming the line, or with lenient,
    skipped and counted; never an inf in the rows."""
    good = b"".join(b"w%d 0.5 -1.25 3\n" % i for i in range(50))
    data = good + b"big " + big + b" 0.1 0.2\n" + good.replace(b"w", b"v")
    with pytest.raises(RnncliError, match=r"line 51: number .* \(field 1\) is beyond the float32"):
        parse(data)
    words, m, stats = parse(data, lenient=True)
    assert "big" not in words and len(words) == 100
    assert stats.bad_lines == 1 and "line 51" in stats.examples[0]
    assert np.isfinite(m).all()


@pytest.mark.parametrize("big", _TOO_BIG)
def test_number_beyond_float32_names_the_line_on_the_slow_path(big):
    """A block that goes line by line (it holds a literal ``inf``): the same rule."""
    data = b"a 1 2 3\nb inf 2 3\nbig 0.1 " + big + b" 0.2\nc -nan 1 2\nd 4 5 6\n"
    with pytest.raises(RnncliError, match=r"line 2: number b'inf' \(field 1\) is not finite"):
        parse(data)
    with pytest.raises(RnncliError, match=r"line 3: number .* \(field 2\) is beyond the float32"):
        parse(data.replace(b"b inf", b"b 1"))
    words, m, stats = parse(data, lenient=True)
    assert words == ["a", "d"] and stats.bad_lines == 3
    assert [e.split(":")[0] for e in stats.examples] == ["line 2", "line 3", "line 4"]
    assert np.isfinite(m).all()


def test_slow_line_rejects_beyond_float32():
    from rnncli.glove.parse import GloveParser, _BadLine

    parser = GloveParser(2)
    with pytest.raises(_BadLine, match="beyond the float32 range"):
        parser._slow_line(b"big 1e39 0", False)
    assert parser._slow_line(b"ok 3.4028235e38 0", False)[0] == b"ok"

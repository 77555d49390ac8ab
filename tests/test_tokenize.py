"""The two tokenizers, and the fast corpus counter against the plain regex it stands for."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.errors import UsageError
from rnncli.text.corpus import count_iterable, count_tokens
from rnncli.text.range_count import add_basic_counts
from rnncli.text.tokenize import BASIC_PATTERN, INVISIBLE, basic_tokens, default_lower, tokenize


def test_basic_lowercases_and_splits_punctuation():
    assert tokenize("Hello, World! It's 2024.") == [
        "hello", ",", "world", "!", "it", "'", "s", "2024", ".",
    ]  # fmt: skip


def test_basic_keeps_letters_of_any_script_and_underscores():
    assert tokenize("Größe naïve_x 東京.") == ["größe", "naïve_x", "東京", "."]


def test_basic_no_lower_keeps_case():
    assert tokenize("Hello, World", lower=False) == ["Hello", ",", "World"]


def test_whitespace_splits_on_whitespace_only_and_keeps_case():
    assert tokenize("Hello,  World!\tIt's\n", "whitespace") == ["Hello,", "World!", "It's"]


def test_whitespace_can_lower():
    assert tokenize("Hello World", "whitespace", lower=True) == ["hello", "world"]


def test_default_lower_per_tokenizer():
    assert default_lower("basic") is True
    assert default_lower("whitespace") is False


def test_unknown_tokenizer_is_a_usage_error_naming_the_option():
    with pytest.raises(UsageError, match=r"--tokenizer.*basic, whitespace"):
        tokenize("x", "spacy")


text_strategy = st.text(
    alphabet=st.sampled_from(list("abcAB é_1,.!'-\t\n\u00a0東Ω²\u0301\u200d\ufe0f👍🇫")), max_size=80
)


@settings(max_examples=200, deadline=None)
@given(text_strategy)
def test_splitting_distinct_chunks_equals_regex_over_the_whole_text(text):
    """Counting whitespace chunks and splitting each distinct one gives the regex's counts."""
    chunks = Counter(text.lower().split())
    counts: Counter = Counter()
    add_basic_counts(counts, list(chunks), list(chunks.values()))
    assert counts == Counter(basic_tokens(text.lower()))


@settings(max_examples=50, deadline=None)
@given(st.lists(text_strategy, max_size=6), st.sampled_from(["basic", "whitespace"]))
def test_count_tokens_equals_tokenize_per_line(tmp_path_factory, lines, name):
    path = tmp_path_factory.mktemp("c") / "c.txt"
    lines = [line.replace("\n", " ") for line in lines]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    corpus = count_tokens([path], name)
    expected = Counter(t for line in lines for t in tokenize(line, name))
    assert corpus.counts == expected
    assert corpus.tokens == sum(expected.values())
    assert corpus.lines == len(lines)
    assert count_iterable(lines, name).counts == expected


def test_basic_pattern_is_word_runs_or_single_symbols():
    assert BASIC_PATTERN.findall("a--b") == ["a", "-", "-", "b"]
    assert re.fullmatch(BASIC_PATTERN, "abc")


# ---- invisible characters and emoji (issue 12) ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("co\u00adop-erate", ["coop", "-", "erate"]),  # soft hyphen: not there
        ("\ufeffhello wor\u200bld", ["hello", "world"]),  # BOM, zero-width space
        ("a \u200d b \ufe0f c", ["a", "b", "c"]),  # lone joiner and selector: nothing
        ("x\u200d, y", ["x", ",", "y"]),
        ("👨\u200d👩\u200d👧 family", ["👨\u200d👩\u200d👧", "family"]),  # ZWJ sequence
        ("I ❤\ufe0f it", ["i", "❤\ufe0f", "it"]),  # VS16 kept inside the sequence
        ("👍🏽👍", ["👍🏽", "👍"]),  # skin tone
        ("🇫🇷🇩🇪", ["🇫🇷", "🇩🇪"]),  # flags
        ("1\ufe0f\u20e3 #\ufe0f\u20e3", ["1\ufe0f\u20e3", "#\ufe0f\u20e3"]),  # keycaps
        ("👍\u200dok", ["👍", "ok"]),  # a joiner to no emoji is dropped
        ("\u00a9\ufe0f", ["\u00a9\ufe0f"]),
    ],
)
def test_basic_drops_invisible_characters_and_keeps_emoji_sequences(text, tokens):
    assert tokenize(text) == tokens


def test_whitespace_tokenizer_keeps_invisible_characters():
    assert tokenize("co\u00adop \u200d 👨\u200d👩", "whitespace") == [
        "co\u00adop", "\u200d", "👨\u200d👩",
    ]  # fmt: skip


def test_invisible_class_is_the_format_characters_and_variation_selectors():
    """Every format character (Cf) of this Python's Unicode is invisible; nothing else is,
    but variation selectors and code points this Python's Unicode does not assign yet."""
    invisible = re.compile(f"[{INVISIBLE}]")
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        category = unicodedata.category(c)
        selector = 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF
        if category == "Cf" or selector:
            assert invisible.match(c), hex(code)
            assert not re.match(r"[\w\s]", c), hex(code)
        elif invisible.match(c):
            assert category == "Cn", hex(code)


def test_lowercasing_chunk_by_chunk_equals_the_whole_text():
    """What counting in chunks rests on: no whitespace is cased or case-ignorable (the final
    sigma looks past neither), and no character lowercases to whitespace unless it is one."""
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        if c.isspace():
            assert ("A\u03a3" + c + "B").lower()[1] == "\u03c2", hex(code)
            assert ("A" + c + "\u03a3").lower()[-1] == "\u03c3", hex(code)
        elif any(x.isspace() for x in c.lower()):
            raise AssertionError(f"{code:#x} lowercases to whitespace")

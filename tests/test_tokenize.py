"""The two tokenizers, and the fast corpus counter against the plain regex it stands for."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.errors import UsageError
from rnncli.text.corpus import count_iterable, count_tokens, resplit_counts
from rnncli.text.tokenize import BASIC_PATTERN, default_lower, tokenize


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
    alphabet=st.sampled_from(list("abcAB é_1,.!'-\t\n\u00a0東Ω²\u0301")), max_size=80
)


@settings(max_examples=200, deadline=None)
@given(text_strategy)
def test_resplit_counts_equals_regex_over_the_whole_text(text):
    """Counting whitespace chunks and splitting each distinct one gives the regex's counts."""
    chunks = Counter(text.lower().split())
    assert resplit_counts(chunks) == Counter(BASIC_PATTERN.findall(text.lower()))


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

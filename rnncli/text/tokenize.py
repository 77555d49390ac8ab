"""Split text into tokens, the same way for counting a corpus and for looking words up.

Two tokenizers, chosen by name so a saved vocabulary can say which one built it:

- ``basic``: runs of word characters (letters, digits, underscore, any script) are tokens and
  every other non-space character is a token of its own, so punctuation is split from words
  (``"Hello, world!"`` -> ``hello`` ``,`` ``world`` ``!``). Lowercases by default.
- ``whitespace``: splits on whitespace only (``str.split()``) and changes nothing by default.

``lower`` is applied before splitting (``str.lower``), so it is one C call per chunk of text
rather than per token: this is what keeps corpus counting fast.
"""

from __future__ import annotations

import enum
import re
from typing import Callable, Optional

from rnncli.errors import UsageError


class TokenizerName(str, enum.Enum):
    """The tokenizers a vocabulary can be built with."""

    basic = "basic"
    whitespace = "whitespace"


#: A word-character run, or one character that is neither a word character nor a space.
BASIC_PATTERN = re.compile(r"\w+|[^\w\s]")

#: Whether each tokenizer lowercases when ``lower`` is not given.
DEFAULT_LOWER = {TokenizerName.basic: True, TokenizerName.whitespace: False}


def tokenizer_name(name: str | TokenizerName) -> TokenizerName:
    """The tokenizer called ``name``, or a UsageError listing the choices."""
    try:
        return TokenizerName(name)
    except ValueError:
        choices = ", ".join(t.value for t in TokenizerName)
        raise UsageError(f"unknown tokenizer {name!r}; choose {choices}", "--tokenizer") from None


def default_lower(name: str | TokenizerName) -> bool:
    """Whether ``name`` lowercases when the user did not say (basic: yes, whitespace: no)."""
    return DEFAULT_LOWER[tokenizer_name(name)]


def splitter(name: str | TokenizerName) -> Callable[[str], list[str]]:
    """The function that splits already-lowered text into tokens (no per-token Python work)."""
    if tokenizer_name(name) is TokenizerName.basic:
        return BASIC_PATTERN.findall
    return str.split


def tokenize(
    text: str, name: str | TokenizerName = "basic", lower: Optional[bool] = None
) -> list[str]:
    """The tokens of ``text``; ``lower=None`` means the tokenizer's default."""
    if lower is None:
        lower = default_lower(name)
    return splitter(name)(text.lower() if lower else text)

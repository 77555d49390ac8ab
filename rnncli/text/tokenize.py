"""Split text into tokens, the same way for counting a corpus and for looking words up.

Two tokenizers, chosen by name so a saved vocabulary can say which one built it:

- ``basic``: runs of word characters (letters, digits, underscore, any script) are tokens and
  every other non-space character is a token of its own, so punctuation is split from words
  (``"Hello, world!"`` -> ``hello`` ``,`` ``world`` ``!``). Lowercases by default.
  Invisible characters are not tokens: Unicode format characters (category Cf: the zero-width
  joiner U+200D and non-joiner U+200C, the zero-width space U+200B, the byte-order mark U+FEFF,
  the soft hyphen U+00AD, bidirectional marks, tag characters) and variation selectors
  (U+FE00-U+FE0F, U+E0100-U+E01EF) are removed as if they were not there (``co\u00adop`` is the
  one token ``coop``; a lone U+200D is nothing), except inside an emoji sequence, which is one
  token with them: a pictographic character (not a word character) followed by its modifiers
  (skin tones U+1F3FB-U+1F3FF, variation selectors U+FE0E/U+FE0F, the keycap U+20E3, tag
  characters) and joined to further ones by U+200D (``👨‍👩‍👧``, ``❤️``, ``👍🏽``), a pair of
  regional indicators (a flag, ``🇫🇷``), or a keycap (``1️⃣``, ``#️⃣``).
- ``whitespace``: splits on whitespace only (``str.split()``: every Unicode whitespace, the ASCII
  separators U+001C-U+001F, U+0085, U+00A0, U+2000-U+200A and U+3000 included) and keeps every
  other character as it is, invisible ones included; changes nothing by default.

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


#: Format characters (category Cf, Unicode 14) and variation selectors: invisible, no token.
INVISIBLE = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
)
#: Pictographic characters that start an emoji sequence (the blocks of Unicode's
#: Extended_Pictographic); those that are word characters stay word characters.
_PICTOGRAPHS = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u25fe"
    "\u2600-\u27bf\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
#: What may follow a pictograph inside its sequence: skin tones, variation selectors, keycap, tags.
_MODIFIERS = "\U0001f3fb-\U0001f3ff\ufe0e\ufe0f\u20e3\U000e0020-\U000e007f"
_ELEMENT = f"(?!\\w)[{_PICTOGRAPHS}][{_MODIFIERS}]*"
#: A flag, a keycap, or pictographs joined by U+200D: one token, invisible characters kept.
EMOJI_SEQUENCE = (
    f"[\U0001f1e6-\U0001f1ff]{{2}}|[#*0-9]\ufe0f?\u20e3|{_ELEMENT}(?:\u200d{_ELEMENT})*"
)
#: An emoji sequence; else a run of word characters (invisible ones inside are removed
#: afterwards, see :func:`basic_tokens`); else one visible character that is neither.
BASIC_PATTERN = re.compile(f"{EMOJI_SEQUENCE}|[\\w{INVISIBLE}]+|[^\\w\\s{INVISIBLE}]")
_HAS_INVISIBLE = re.compile(f"[{INVISIBLE}]").search
_STRIP_INVISIBLE = re.compile(f"[{INVISIBLE}]+").sub
_IS_EMOJI = re.compile(EMOJI_SEQUENCE).fullmatch

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


def basic_tokens(text: str) -> list[str]:
    """The ``basic`` tokens of already-lowered ``text`` (see the module docstring).

    One regex call; only text holding an invisible character takes a second pass, which
    removes them outside emoji sequences and drops what was nothing else.
    """
    tokens = BASIC_PATTERN.findall(text)
    if _HAS_INVISIBLE(text) is None:
        return tokens
    kept = []
    for token in tokens:
        if _HAS_INVISIBLE(token) is not None and _IS_EMOJI(token) is None:
            token = _STRIP_INVISIBLE("", token)
            if not token:
                continue
        kept.append(token)
    return kept


def splitter(name: str | TokenizerName) -> Callable[[str], list[str]]:
    """The function that splits already-lowered text into tokens (no per-token Python work)."""
    if tokenizer_name(name) is TokenizerName.basic:
        return basic_tokens
    return str.split


def tokenize(
    text: str, name: str | TokenizerName = "basic", lower: Optional[bool] = None
) -> list[str]:
    """The tokens of ``text``; ``lower=None`` means the tokenizer's default."""
    if lower is None:
        lower = default_lower(name)
    return splitter(name)(text.lower() if lower else text)

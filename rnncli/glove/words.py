"""Words a user typed, as a GloVe set sees them: how to name them and what to suggest.

Two things go wrong with command-line words, and both are answered here so every command
answers them the same way:

* A shell argument that is not valid UTF-8 (``$'\\xff'``) reaches Python as a string with
  surrogate escapes (PEP 383). No cached set can hold it (the parser drops tokens that are not
  UTF-8), so lookups treat it as missing, and :func:`word_label` names it with backslash escapes
  (``\\xff``), which any terminal and any JSON encoder can print.
* 6B, 42B and twitter.27B are lower-cased: ``King`` is missing while ``king`` is there.
  :func:`lowercase_hints` finds such words, :func:`hint_text` says what to try.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from rnncli.glove.store import GloveStore


def utf8(word: str) -> Optional[bytes]:
    """``word`` as UTF-8, or None when it holds surrogates (bytes that were not UTF-8)."""
    try:
        return word.encode("utf-8")
    except UnicodeEncodeError:
        return None


def word_label(word: str) -> str:
    """``word`` as printable text: undecodable bytes as ``\\xNN`` escapes, the rest unchanged."""
    if utf8(word) is not None:
        return word
    try:  # the bytes the user typed, from their surrogate escapes
        raw = word.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that came from elsewhere: show its code point
        return word.encode("utf-8", "backslashreplace").decode("ascii", "strict")
    return raw.decode("utf-8", "backslashreplace")


def quoted(word: str) -> str:
    """``word`` in quotes for a message: ``'king'``, ``'\\xff'`` for undecodable bytes."""
    return repr(word) if utf8(word) is not None else f"'{word_label(word)}'"


def list_name(word: str) -> str:
    """``word`` in a comma-separated list: bare, in quotes where it could be misread (empty,
    commas, spaces, unprintable), ``\\xNN`` escapes for bytes that were not UTF-8."""
    if utf8(word) is None:
        return word_label(word)
    if not word or "," in word or " " in word or not word.isprintable():
        return repr(word)
    return word


def listed(words: list[str], limit: Optional[int] = None, more: str = "") -> str:
    """``a, b, 'new york'``; past ``limit`` words, ``… +N more`` and then ``more``."""
    shown = words if limit is None else words[:limit]
    text = ", ".join(list_name(w) for w in shown)
    if len(words) > len(shown):
        text += f", … +{len(words) - len(shown):,} more{more}"
    return text


def lowercase_hints(store: GloveStore, words: Iterable[str]) -> dict[str, str]:
    """For each word ``store`` lacks whose lowercase form it has: word -> that form.

    In the order given, each word once; words the set has, or whose lowercase form it lacks
    too, are left out. One hash probe or two per word, no numpy.
    """
    hints: dict[str, str] = {}
    for word in words:
        if word in hints:
            continue
        lower = word.lower()
        if lower != word and store.index(word) is None and store.index(lower) is not None:
            hints[word] = lower
    return hints


def is_lowercase_set(name: str) -> bool:
    """Whether the catalogue says set ``name`` holds lower-cased words only (6B, 42B, twitter)."""
    from rnncli.glove.catalog import SETS

    entry = SETS.get(name)
    return entry is not None and not entry.cased


def hint_text(store: GloveStore, hints: dict[str, str]) -> str:
    """``its words are lowercase: try 'king'`` for hints from :func:`lowercase_hints`; "" if none.

    The first half only for sets the catalogue knows to be lower-cased.
    """
    if not hints:
        return ""
    tries = ", ".join(repr(lower) for lower in dict.fromkeys(hints.values()))
    prefix = "its words are lowercase: " if is_lowercase_set(store.name) else ""
    return f"{prefix}try {tries}"


def unknown_words_message(store: GloveStore, unknown: list[str]) -> str:
    """``unknown word in GloVe 6B.50d: 'King' (its words are lowercase: try 'king')``."""
    listed = ", ".join(quoted(w) for w in unknown)
    plural = "s" if len(unknown) > 1 else ""
    message = f"unknown word{plural} in GloVe {store.name}: {listed}"
    hint = hint_text(store, lowercase_hints(store, unknown))
    return f"{message} ({hint})" if hint else message

"""Counts in words: "1 entry", "2 entries", "12,000 tokens", never "1 entries" or "word(s)".

One place for the small words every report prints, so each command says them the same way.
Plain strings only (no rich): the library's notes and warnings use it too.
"""

from __future__ import annotations

from typing import Optional


def count(n: int) -> str:
    """``n`` with thousands separators: ``12,000``."""
    return f"{n:,}"


def plural(n: int, one: str, many: Optional[str] = None) -> str:
    """``n`` and the noun that agrees with it: ``plural(1, "entry", "entries")`` is ``1 entry``,
    ``plural(12000, "token")`` is ``12,000 tokens`` (``many`` defaults to ``one + "s"``)."""
    return f"{n:,} {noun(n, one, many)}"


def noun(n: int, one: str, many: Optional[str] = None) -> str:
    """The noun alone, agreeing with ``n``: ``noun(1, "layer")`` is ``layer``."""
    if n == 1:
        return one
    return many if many is not None else one + "s"

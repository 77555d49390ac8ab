"""Byte counts as people read them: one formatter for every size rnncli prints."""

from __future__ import annotations

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def format_bytes(n: float) -> str:
    """``2.4 kB``-style sizes with decimal units, as disk and memory tools print them.

    Whole bytes below 1 kB, one decimal above; the unit is chosen after rounding, so 999,960
    bytes print as ``1.0 MB``, never ``1000.0 kB``; past petabytes the number grows.
    """
    value = float(n)
    for unit in _UNITS:
        text = f"{value:.0f}" if unit == "B" else f"{value:.1f}"
        if abs(float(text)) < 1000 or unit == _UNITS[-1]:
            return f"{text} {unit}"
        value /= 1000
    raise AssertionError("unreachable")

"""Text from a user's file, made safe to print: control characters shown, never obeyed.

A model file names its own modules, tensors and entries. Printed raw, an escape sequence in one
of them would clear the screen, retitle the terminal, fake output lines or write the clipboard
(OSC 52), and a bidirectional override would make a name read as another. Every such character
is shown as its escape (``\\x1b``, ``\\u202e``) instead.
"""

from __future__ import annotations

import unicodedata

#: Bidirectional embeddings, overrides and isolates: invisible, and they reorder what follows.
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def visible(text: object) -> str:
    """``str(text)`` with every control character written as an escape, on one line."""
    out = []
    for char in str(text):
        if char in _BIDI or unicodedata.category(char) == "Cc":
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)

"""Names from a file never drive the terminal: control characters are shown, not obeyed."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from rnncli.render.visible import visible


def test_escapes_are_shown():
    assert visible("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert visible("x\x9by") == "x\\x9by"  # C1 CSI
    assert visible("evil\u202egnp.pt") == "evil\\u202egnp.pt"
    assert visible("line\nbreak\ttab") == "line\\x0abreak\\x09tab"
    assert visible("lstm.weight_hh_l0 ñ 中") == "lstm.weight_hh_l0 ñ 中"


@given(st.text())
def test_no_control_character_survives_and_printable_text_is_unchanged(text):
    shown = visible(text)
    assert not any(unicodedata.category(c) == "Cc" for c in shown)
    assert "\u202e" not in shown
    if all(
        unicodedata.category(c) != "Cc"
        and c not in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        for c in text
    ):
        assert shown == text

"""rnncli.sizes.format_bytes: the one byte formatter, against the numbers it prints."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnncli.sizes import format_bytes

UNITS = ["B", "kB", "MB", "GB", "TB", "PB"]


def parse(text: str) -> tuple[float, int]:
    number, unit = text.split(" ")
    return float(number), UNITS.index(unit)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (2400, "2.4 kB"),
        (999_960, "1.0 MB"),  # the unit follows the rounded number
        (862_182_613, "862.2 MB"),
        (2_176_768_927, "2.2 GB"),
        (2.6e12, "2.6 TB"),
        (3e18, "3000.0 PB"),
    ],
)
def test_known_sizes(n, text):
    assert format_bytes(n) == text


@given(st.integers(0, 10**20))
def test_value_round_trips_within_the_printed_precision(n):
    number, unit = parse(format_bytes(n))
    scale = 1000**unit
    half_step = 0.5 if unit == 0 else 0.05
    assert abs(number * scale - n) <= half_step * scale * (1 + 1e-9)
    if unit < len(UNITS) - 1:
        assert number < 1000  # never "2600.0 GB": a bigger unit would have been used
    if unit > 0:
        assert number >= 1.0


@given(st.integers(0, 10**20), st.integers(0, 10**20))
def test_units_and_values_are_monotone(a, b):
    low, high = sorted((a, b))
    (x, ux), (y, uy) = parse(format_bytes(low)), parse(format_bytes(high))
    assert (ux, x) <= (uy, y)

"""ReadAhead: the same bytes as the stream, its errors where they belong, no thread left."""

from __future__ import annotations

import io
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncli.read_ahead import ReadAhead


@settings(max_examples=100, deadline=None)
@given(
    data=st.binary(max_size=3000),
    piece=st.integers(1, 700),
    sizes=st.lists(st.integers(-1, 900), min_size=1, max_size=20),
)
def test_reads_give_the_stream_in_order(data, piece, sizes):
    out = []
    with ReadAhead(io.BytesIO(data), piece) as reader:
        for size in sizes:
            got = reader.read(size)
            assert size < 0 or len(got) <= size
            out.append(got)
        while chunk := reader.read(piece):
            out.append(chunk)
        assert reader.read(10) == b"" and reader.read() == b""
    assert b"".join(out) == data


class _Failing(io.RawIOBase):
    """Gives ``good`` bytes, then fails as a damaged archive does."""

    def __init__(self, good: bytes) -> None:
        self.good = good

    def read(self, size: int = -1) -> bytes:
        if not self.good:
            raise ValueError("bad CRC-32")
        data, self.good = self.good[:size], self.good[size:]
        return data


def test_an_error_is_raised_by_read_after_the_bytes_before_it():
    with ReadAhead(_Failing(b"x" * 25), 10) as reader:
        assert reader.read(10) + reader.read(10) + reader.read(10) == b"x" * 25
        with pytest.raises(ValueError, match="bad CRC-32"):
            reader.read(10)
        with pytest.raises(ValueError, match="bad CRC-32"):  # never taken for the end
            reader.read(10)


class _Endless(io.RawIOBase):
    def __init__(self) -> None:
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        return b"y" * size


def test_close_stops_the_thread_and_the_reads():
    """A caller that stops early (a bad line): close() ends the thread, which read at most a
    few pieces ahead and reads nothing once close() has returned."""
    source = _Endless()
    before = threading.active_count()
    reader = ReadAhead(source, 100, depth=2)
    assert reader.read(5) == b"y" * 5
    reader.close()
    reads = source.reads
    assert threading.active_count() == before
    assert reads <= 5 and source.reads == reads


def test_a_read_after_close_is_refused_not_left_waiting():
    reader = ReadAhead(io.BytesIO(b"z" * 1000), 10, depth=1)
    reader.close()
    with pytest.raises(ValueError, match="closed"):
        reader.read(10)

"""Tiny GloVe sets the tests make themselves: text lines, a ``glove.6B.zip``, damaged copies."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

WORDS = ["the", ",", "hello", "world", "king", "queen", "man", "woman"]
DIM = 50


def vector_for(index: int, dim: int = DIM) -> list[float]:
    """A deterministic vector with 5-decimal values, as GloVe's text files have."""
    return [round(((index * 31 + j * 7) % 97) / 97.0 - 0.5, 5) for j in range(dim)]


def glove_text(words: list[str] = WORDS, dim: int = DIM) -> bytes:
    lines = []
    for i, word in enumerate(words):
        lines.append(word + " " + " ".join(f"{x:.5f}" for x in vector_for(i, dim)))
    return ("\n".join(lines) + "\n").encode("utf-8")


def glove_zip(compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A small ``glove.6B.zip``: the 50d member, and a 100d one so the member choice matters."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr("glove.6B.50d.txt", glove_text())
        archive.writestr("glove.6B.100d.txt", glove_text(dim=100))
    return buffer.getvalue()


def corrupt_crc_zip() -> bytes:
    """A stored (uncompressed) zip whose member data has one digit changed: only the CRC tells."""
    data = bytearray(glove_zip(zipfile.ZIP_STORED))
    at = data.index(b"hello ") + len(b"hello ") + 3  # a digit inside hello's first number
    data[at] = ord("7") if data[at] != ord("7") else ord("3")
    return bytes(data)


HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>404</title></head><body>Not here</body></html>\n"


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def make_glove_text_set(cache_dir: Path, vectors: dict, name: str = "6B.50d") -> Path:
    """Import a tiny GloVe set, written in GloVe's text format, into ``cache_dir``."""
    from rnncli.glove.set_import import import_text

    dim = len(next(iter(vectors.values())))
    lines = "".join(f"{w} {' '.join(str(x) for x in v)}\n" for w, v in vectors.items())
    import_text(name, io.BytesIO(lines.encode()), cache_dir, dim=dim)
    return cache_dir

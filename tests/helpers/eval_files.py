"""Tiny sets and datasets for `glove evaluate` whose right answers are known by construction.

Analogies: section ``s`` has pairs ``(sNx, sNy)``; word ``sNx`` is ``e[concept N] + e[s, x]`` and
``sNy`` is ``e[concept N] + e[s, y]`` (orthonormal basis vectors, every word of norm sqrt 2), so
``unit(sNy) - unit(sNx) + unit(sMx)`` is exactly ``unit(sMy)``: the designed answer has cosine 1
and every other word at most 1/2.

Pairs: word ``pK`` is ``(cos θK, sin θK)`` beside ``base`` = ``(1, 0)``, so the cosine of
``(base, pK)`` is ``cos θK``, known exactly, and its rank among the pairs is known.
"""

from __future__ import annotations

import math
from pathlib import Path


def analogy_vectors(sections: int = 6, pairs: int = 3, fillers: int = 4) -> dict[str, list[float]]:
    """Word -> vector for the designed analogy set (plus ``fillers`` unrelated words first)."""
    concepts = sections * pairs
    dim = fillers + concepts + 2 * sections
    vectors: dict[str, list[float]] = {}

    def basis(*dims: int) -> list[float]:
        v = [0.0] * dim
        for d in dims:
            v[d] = 1.0
        return v

    for f in range(fillers):
        vectors[f"filler{f}"] = basis(f)
    for s in range(sections):
        for n in range(pairs):
            concept = fillers + s * pairs + n
            side_x = fillers + concepts + 2 * s
            vectors[f"s{s}w{n}x"] = basis(concept, side_x)
            vectors[f"s{s}w{n}y"] = basis(concept, side_x + 1)
    return vectors


def analogy_questions(sections: int = 6, pairs: int = 3, upper: bool = True) -> str:
    """Every ordered pair of pairs in each section: ``sNx sNy sMx sMy`` (upper-cased words when
    ``upper``: matching is case-insensitive)."""
    lines = []
    for s in range(sections):
        lines.append(f": section-{s}")
        for i in range(pairs):
            for j in range(pairs):
                if i != j:
                    words = [f"s{s}w{i}x", f"s{s}w{i}y", f"s{s}w{j}x", f"s{s}w{j}y"]
                    lines.append(" ".join(w.upper() if upper else w for w in words))
    return "\n".join(lines) + "\n"


def pair_vectors(angles: list[float]) -> dict[str, list[float]]:
    """``base`` = (1, 0) and ``pK`` at angle ``angles[K]`` (radians) from it."""
    vectors = {"base": [1.0, 0.0]}
    for k, theta in enumerate(angles):
        vectors[f"p{k}"] = [math.cos(theta), math.sin(theta)]
    return vectors


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path

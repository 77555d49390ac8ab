"""GloVe, vocabulary, fetch and embed output at any width from 60 columns: every word, number and
path whole, no line wider than the terminal, nothing cut with `…`.

Random reports (words of Latin, CJK and punctuation characters, counts up to ten billion, paths
up to 58 characters) are drawn by hypothesis and rendered at random widths from 60 to 200, as
``tests/test_inspect_widths.py`` does for ``inspect``. "Whole" means on one line and not part of
a longer word or number.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from rnncli.glove.fetch import ArchiveRead, FetchReport
from rnncli.glove.parse import ParseStats
from rnncli.glove.query import (
    AnalogyReport,
    Neighbor,
    NeighborsReport,
    SimilarityReport,
    VectorsReport,
)
from rnncli.glove.set_import import ImportReport
from rnncli.glove.set_listing import SetListing, SetListReport
from rnncli.render.embed import render_embed
from rnncli.render.glove import (
    render_analogy,
    render_list,
    render_neighbors,
    render_similarity,
    render_vectors,
    vector_lines,
)
from rnncli.render.glove_fetch import render_fetch
from rnncli.render.vocab import render_vocab
from rnncli.text.corpus import CorpusCounts
from rnncli.text.vocab import Vocab, VocabSummary

_WIDTHS = st.integers(60, 200)
_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

words = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzé猫が座日本語'-.,"), min_size=1, max_size=20
)
counts = st.one_of(st.integers(0, 100), st.integers(0, 10_000_000_000))
_SEGMENT = st.text(alphabet=st.sampled_from("abcdefxyz0123_-."), min_size=1, max_size=12)
paths = (
    st.lists(_SEGMENT, min_size=1, max_size=6)
    .map(lambda p: "/" + "/".join(p))
    .filter(lambda p: len(p) <= 58)
)


def rendered(render, report, width: int, **options) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    render(report, console, **options)
    return console.file.getvalue().splitlines()


def whole(lines: list[str], item: str, number: bool = False) -> bool:
    """``item`` on one line, not inside a longer word (or number)."""
    if number:
        pattern = rf"(?<![\d,.]){re.escape(item)}(?![\d]|,\d|\.\d)"
    else:
        pattern = rf"(?<![^\s(:'\[]){re.escape(item)}(?![^\s)',:\]])"
    return any(re.search(pattern, line) for line in lines)


def check(lines: list[str], width: int) -> None:
    """No line wider than the terminal (but a single word wider than it), nothing cut."""
    for line in lines:
        assert cell_len(line) <= width or " " not in line.strip(), (width, line)
        assert not re.search(r"[^\s/]…", line), (width, line)


@_SETTINGS
@given(
    sets=st.lists(
        st.tuples(words, words, counts, st.integers(1, 3000), st.booleans(), counts),
        min_size=1,
        max_size=8,
    ),
    cache=paths,
    width=_WIDTHS,
)
def test_glove_list_whole(sets, cache, width):
    report = SetListReport(
        cache_dir=cache,
        sets=[
            SetListing(name, archive + ".zip", dim, size, cached, on_disk if cached else None, None)
            for name, archive, size, dim, cached, on_disk in sets
        ],
    )
    lines = rendered(render_list, report, width)
    check(lines, width)
    for s in report.sets:
        assert whole(lines, s.name), (width, s.name, lines)
        assert whole(lines, f"{s.vocab_size:,}", number=True), (width, s.vocab_size, lines)
        assert whole(lines, f"{s.dim:,}", number=True)
    assert whole(lines, cache), (width, cache, lines)
    if any(not whole(lines, s.archive) for s in report.sets):
        assert "COLUMNS=" in " ".join(lines)  # the archive column left out, with a note


@_SETTINGS
@given(
    table=st.dictionaries(
        words, st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=60), max_size=4
    ),
    width=_WIDTHS,
)
def test_glove_vectors_whole_and_aligned(table, width):
    if not table:
        return
    dim = len(next(iter(table.values())))
    table = {w: (v * dim)[:dim] for w, v in table.items()}
    report = VectorsReport(name="6B.50d", dim=dim, vectors=table, missing=[])
    lines = rendered(render_vectors, report, width)
    check(lines, width)
    for word, values in table.items():
        assert whole(lines, word), (width, word, lines)
        shown = [n for line in lines for n in re.findall(r"-?\d+\.\d{5}", line)]
        for value in values:
            assert f"{value:.5f}" in shown
    # every number of a vector ends in the same columns on every line (the signs line up)
    for values in table.values():
        rows = vector_lines(values, 40)
        ends = [[m.end() for m in re.finditer(r"\d(?= |$)", row)] for row in rows]
        assert all(row == ends[0][: len(row)] for row in ends), rows
        assert all(cell_len(row) <= 40 for row in rows)


@_SETTINGS
@given(
    word=words,
    found=st.lists(st.tuples(words, st.floats(-1, 1)), min_size=1, max_size=10),
    abc=st.tuples(words, words, words),
    width=_WIDTHS,
)
def test_glove_similar_words_whole(word, found, abc, width):
    neighbors = [Neighbor(w, s) for w, s in found]
    lines = rendered(render_neighbors, NeighborsReport("6B.50d", word, 10, neighbors), width)
    check(lines, width)
    for n in neighbors:
        assert whole(lines, n.word), (width, n.word, lines)
        assert whole(lines, f"{n.similarity:.4f}", number=True)
    a, b, c = abc
    lines = rendered(render_analogy, AnalogyReport("6B.50d", a, b, c, 5, neighbors), width)
    check(lines, width)
    for item in (a, b, c, *(n.word for n in neighbors)):
        assert whole(lines, item), (width, item, lines)
    lines = rendered(render_similarity, SimilarityReport("6B.50d", a, b, found[0][1]), width)
    check(lines, width)
    assert whole(lines, f"{found[0][1]:.4f}", number=True)


@_SETTINGS
@given(
    origin=paths,
    cache=paths,
    count=counts,
    dim=st.integers(1, 3000),
    duplicates=counts,
    width=_WIDTHS,
)
def test_glove_fetch_whole(origin, cache, count, dim, duplicates, width):
    report = FetchReport(
        name="6B.50d",
        source="file",
        origin=origin,
        cache_dir=cache,
        archive=ArchiveRead(origin, "zip", "glove.6B.50d.txt", None, True),
        imported=ImportReport(
            "6B.50d", cache, dim, count, origin, 1.0, 10, ParseStats(duplicates=duplicates)
        ),
    )
    lines = rendered(render_fetch, report, width)
    check(lines, width)
    for item in (origin, cache):
        assert whole(lines, item), (width, item, lines)
    for number in (count, dim, duplicates):
        if number:
            assert whole(lines, f"{number:,}", number=True), (width, number, lines)


@_SETTINGS
@given(
    tokens=st.dictionaries(words, st.integers(1, 10_000_000), min_size=1, max_size=30),
    files=st.lists(paths, min_size=1, max_size=2),
    written=paths,
    min_freq=st.integers(1, 3),
    width=_WIDTHS,
)
def test_vocab_summary_whole(tokens, files, written, min_freq, width):
    corpus = CorpusCounts(
        counts=Counter(tokens), files=files, lines=len(tokens), tokens=sum(tokens.values())
    )
    vocab = Vocab.from_counts(corpus, min_freq=min_freq)
    summary = VocabSummary(vocab, top_n=5)
    lines = rendered(render_vocab, summary, width, written=written)
    check(lines, width)
    assert whole(lines, written), (width, written, lines)
    for path in files:
        assert whole(lines, path), (width, path, lines)
    assert whole(lines, f"{corpus.tokens:,}", number=True)
    for index, token, count in summary.top:
        assert whole(lines, f"{index:,}", number=True), (width, index, lines)
        assert whole(lines, token), (width, token, lines)
        assert whole(lines, f"{count:,}", number=True), (width, count, lines)


@_SETTINGS
@given(
    looked_up=st.lists(words, min_size=1, max_size=8),
    dim=st.integers(1, 300),
    width=_WIDTHS,
)
def test_embed_whole(looked_up, dim, width):
    from rnncli.embedding import embed_words

    report = embed_words(looked_up, dim=dim)
    lines = rendered(render_embed, report, width)
    check(lines, width)
    for word, index in zip(report.words, report.indices):
        assert whole(lines, word), (width, word, lines)
        assert whole(lines, f"{index:,}", number=True), (width, index, lines)
    assert whole(lines, f"{report.vocab_size:,}", number=True)
    for vector in report.vectors:
        assert any(f"{vector[0]: .4f}".strip() in line for line in lines)

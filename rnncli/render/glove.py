"""Rich output for the GloVe commands: the catalogue, vectors, neighbours, analogies.

Every word, set name, number and path is printed whole at any width from 60 columns
(:mod:`rnncli.render.fit`): the archive column of the catalogue gives way first (with a note),
vectors wrap a whole number at a time with their signs aligned, and the similarity bars shrink.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.text import Text

from rnncli.render.fit import Cell, Column, cells, fit_table, pack, wrap
from rnncli.render.words import plural
from rnncli.sizes import format_bytes

if TYPE_CHECKING:  # pragma: no cover
    from rnncli.glove.query import (
        AnalogyReport,
        NeighborsReport,
        SimilarityReport,
        VectorsReport,
    )
    from rnncli.glove.set_listing import SetListReport

#: The longest similarity bar, in cells (a cosine of 1).
BAR = 20


def _title(console: Console, title: str, width: int) -> None:
    """A table's title, wrapped at spaces (a word in it is never cut)."""
    console.print(Text(wrap(title, width), style="italic"))


def _print(console: Console, parts: list) -> None:
    for part in parts:
        console.print(part)


def _cached_cell(listing) -> Text:
    if listing.damaged:
        return Text("damaged", style="bold red")
    return Text("yes", style="green") if listing.cached else Text("no", style="dim")


def render_list(report: SetListReport, console: Console) -> None:
    """The catalogue: names, word counts, widths and what is cached; the archive column (where a
    set comes from) is the one that gives way in a narrow terminal."""
    from rnncli.glove.set_layout import fetch_hint

    width = console.width
    columns = [
        Column("name", style="bold"),
        Column("archive", kind="explain"),
        Column("words", justify="right"),
        Column("dim", justify="right"),
        Column("cached"),
        Column("on disk", justify="right"),
    ]
    rows: list[list[Cell]] = [
        [
            Text(s.name),
            Text(s.archive),
            f"{s.vocab_size:,}",
            f"{s.dim:,}",
            _cached_cell(s),
            format_bytes(s.bytes_on_disk) if s.bytes_on_disk is not None else "",
        ]
        for s in report.sets
    ]
    _title(console, "GloVe sets (pytorch-nlp's catalogue)", width)
    _print(
        console,
        fit_table(columns, rows, width, title=None, box=box.SIMPLE_HEAD, pad_edge=False),
    )
    lines = [
        f"{s.name} is damaged ({s.damaged}); "
        f"{fetch_hint(s.name, Path(report.cache_dir))} again to rebuild it"
        for s in report.sets
        if s.damaged
    ]
    for info in report.extra:
        if info.damaged:
            lines.append(f"Also in the cache, damaged: {info.name} ({info.damaged}).")
        else:
            lines.append(f"Also cached: {info.name} ({info.count:,} × {info.dim:,}).")
    for line in lines:
        console.print(Text(wrap(line, width)))
    console.print(Text(wrap(f"Cache: {report.cache_dir}", width), style="dim"))
    if not any(s.cached or s.damaged for s in report.sets):
        console.print(
            Text(wrap("Nothing cached yet: rnncli glove fetch 6B.50d", width), style="dim")
        )


def vector_lines(values: list[float], width: int) -> list[str]:
    """``values`` as lines of whole numbers no wider than ``width``, every number right-aligned
    in one common width so the signs and decimal points line up on every line."""
    numbers = [f"{v: .5f}" for v in values]  # a sign column on every number: " 0.5", "-0.5"
    size = max((len(n) for n in numbers), default=0)
    per_line = max(1, (width + 1) // (size + 1))
    return [
        " ".join(n.rjust(size) for n in numbers[i : i + per_line])
        for i in range(0, len(numbers), per_line)
    ]


def render_vectors(report: VectorsReport, console: Console) -> None:
    """The table of vectors found; words the set lacks are the command's warning (stderr)."""
    if not report.vectors:
        return
    width = console.width
    word_width = max(cells(w) for w in [*report.vectors, "word"])
    room = max(1, width - word_width - 7)  # the table's edges and the gap between its columns
    rows: list[list[Cell]] = [
        [Text(word), "\n".join(vector_lines(values, room))]
        for word, values in report.vectors.items()
    ]
    columns = [Column("word", style="bold"), Column("vector")]
    _title(console, f"GloVe {report.name} ({plural(report.dim, 'number')} a word)", width)
    _print(console, fit_table(columns, rows, width, title=None, box=box.SIMPLE_HEAD))


def _sim_table(console: Console, title: str, rows, label: str = "word") -> None:
    """Rank, word and cosine whole; the bars take what width is left (none below 4 cells)."""
    width = console.width
    numbered = [(f"{i:,}", n.word, f"{n.similarity:.4f}") for i, n in enumerate(rows, 1)]
    used = max([cells("#"), *(cells(i) for i, _, _ in numbered)])
    used += max([cells(label), *(cells(w) for _, w, _ in numbered)])
    used += max([cells("cosine"), *(cells(c) for _, _, c in numbered)])
    room = min(BAR, width - used - 3 * 4 - 1)
    columns = [
        Column("#", justify="right", style="dim"),
        Column(label, style="bold"),
        Column("cosine", justify="right"),
    ]
    if room >= 4:
        columns.append(Column(""))
    table_rows: list[list[Cell]] = []
    for (i, word, cosine), n in zip(numbered, rows):
        row: list[Cell] = [i, Text(word), cosine]
        if room >= 4:
            row.append(Text("█" * max(0, round(n.similarity * room)), style="cyan"))
        table_rows.append(row)
    _title(console, title, width)
    _print(console, fit_table(columns, table_rows, width, title=None, box=box.SIMPLE_HEAD))


def render_neighbors(report: NeighborsReport, console: Console) -> None:
    _sim_table(console, f"Nearest to {report.word!r} in GloVe {report.name}", report.neighbors)


def render_analogy(report: AnalogyReport, console: Console) -> None:
    width = console.width
    pieces = [report.a, ":", report.b, "::", report.c, ":"]
    lines = pack(pieces, width, indent="", sep=" ")
    answer = report.answer or "?"
    text = Text("\n".join(lines[:-1]) + ("\n" if len(lines) > 1 else ""))
    last = lines[-1]
    if cells(last) + 1 + cells(answer) > width:
        text.append(last + "\n")
    else:
        text.append(last + " ")
    text.append(answer, style="bold green")
    console.print(text)
    _sim_table(
        console,
        f"Nearest to {report.b} - {report.a} + {report.c} (unit vectors)",
        report.candidates,
    )


def render_similarity(report: SimilarityReport, console: Console) -> None:
    width = console.width
    pieces = [
        (f"cosine({report.word1}, {report.word2}) =", ""),
        (f"{report.similarity:.4f}", "bold"),
        (f" (GloVe {report.name})", "dim"),
    ]
    lines = pack([p for p, _ in pieces], width, indent="", sep=" ")
    if len(lines) == 1:
        console.print(
            Text.assemble(*((p + (" " if i < 2 else ""), s) for i, (p, s) in enumerate(pieces)))
        )
    else:
        for piece, style in pieces:
            console.print(Text(wrap(piece.strip(), width), style=style))

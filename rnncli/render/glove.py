"""Rich output for the GloVe commands: the catalogue, vectors, neighbours, analogies."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from rnncli.sizes import format_bytes

if TYPE_CHECKING:  # pragma: no cover
    from rnncli.glove.query import (
        AnalogyReport,
        NeighborsReport,
        SimilarityReport,
        VectorsReport,
    )
    from rnncli.glove.set_listing import SetListReport


def _cached_cell(listing) -> Text:
    if listing.damaged:
        return Text("damaged", style="bold red")
    return Text("yes", style="green") if listing.cached else Text("no", style="dim")


def render_list(report: SetListReport, console: Console) -> None:
    table = Table(title="GloVe sets (pytorch-nlp's catalogue)", box=box.SIMPLE_HEAD, pad_edge=False)
    # The names are what users type: never cut them; the archive column wraps instead.
    width = max((len(s.name) for s in report.sets), default=4)
    table.add_column("name", style="bold", no_wrap=True, min_width=width)
    table.add_column("archive", overflow="fold")
    table.add_column("words", justify="right")
    table.add_column("dim", justify="right")
    table.add_column("cached", no_wrap=True, min_width=len("damaged"))
    table.add_column("on disk", justify="right")
    for s in report.sets:
        table.add_row(
            Text(s.name),
            Text(s.archive),
            f"{s.vocab_size:,}",
            str(s.dim),
            _cached_cell(s),
            format_bytes(s.bytes_on_disk) if s.bytes_on_disk is not None else "",
        )
    console.print(table)
    from rnncli.glove.set_layout import fetch_hint

    for s in report.sets:
        if s.damaged:
            hint = fetch_hint(s.name, Path(report.cache_dir))
            console.print(Text(f"{s.name} is damaged ({s.damaged}); {hint} again to rebuild it"))
    for info in report.extra:
        if info.damaged:
            console.print(Text(f"Also in the cache, damaged: {info.name} ({info.damaged})."))
            continue
        console.print(Text(f"Also cached: {info.name} ({info.count:,} × {info.dim})."))
    console.print(Text(f"Cache: {report.cache_dir}", style="dim"))
    if not any(s.cached or s.damaged for s in report.sets):
        console.print(Text("Nothing cached yet: rnncli glove fetch 6B.50d", style="dim"))


def render_vectors(report: VectorsReport, console: Console) -> None:
    """The table of vectors found; words the set lacks are the command's warning (stderr)."""
    table = Table(
        title=escape(f"GloVe {report.name} ({report.dim} numbers a word)"), box=box.SIMPLE_HEAD
    )
    table.add_column("word", style="bold", no_wrap=True)
    table.add_column("vector", overflow="fold")
    for word, values in report.vectors.items():
        table.add_row(Text(word), " ".join(f"{v: .5f}" for v in values))
    if report.vectors:
        console.print(table)


def _sim_table(title: str, rows, label: str = "word") -> Table:
    table = Table(title=escape(title), box=box.SIMPLE_HEAD)
    table.add_column("#", justify="right", style="dim")
    table.add_column(label, style="bold")
    table.add_column("cosine", justify="right")
    table.add_column("", no_wrap=True)
    for i, n in enumerate(rows, 1):
        width = max(0, round(n.similarity * 20))
        table.add_row(str(i), Text(n.word), f"{n.similarity:.4f}", Text("█" * width, style="cyan"))
    return table


def render_neighbors(report: NeighborsReport, console: Console) -> None:
    console.print(
        _sim_table(f"Nearest to {report.word!r} in GloVe {report.name}", report.neighbors)
    )


def render_analogy(report: AnalogyReport, console: Console) -> None:
    console.print(
        Text.assemble(
            (f"{report.a} : {report.b} :: {report.c} : ", ""),
            (report.answer or "?", "bold green"),
        )
    )
    console.print(
        _sim_table(
            f"Nearest to {report.b} - {report.a} + {report.c} (unit vectors)", report.candidates
        )
    )


def render_similarity(report: SimilarityReport, console: Console) -> None:
    console.print(
        Text.assemble(
            f"cosine({report.word1}, {report.word2}) = ",
            (f"{report.similarity:.4f}", "bold"),
            (f"  (GloVe {report.name})", "dim"),
        )
    )

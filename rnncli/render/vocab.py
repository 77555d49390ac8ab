"""Rich output for a :class:`~rnncli.text.vocab.VocabSummary`: the numbers, the top tokens and
Zipf's curve (count by rank, both axes logarithmic) drawn with characters, with the cut marked."""

from __future__ import annotations

import math
from typing import Optional

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from rnncli.text.vocab import VocabSummary

PLOT_HEIGHT = 10
PLOT_MAX_WIDTH = 64


def render_vocab(summary: VocabSummary, console: Console, written: Optional[str] = None) -> None:
    """Print the summary table, Zipf's curve and the most frequent tokens."""
    console.print(_summary_table(summary, written))
    if summary.vocab.stats.profile:
        console.print(zipf_plot(summary, width=min(PLOT_MAX_WIDTH, max(24, console.width - 14))))
    if summary.top_n > 0 and summary.vocab.kept > 0:
        console.print(_top_table(summary))
    glove = summary.glove
    if glove is not None and glove.missing_top:
        console.print(_missing_table(glove))
    if glove is not None and glove.missing and not summary.vocab.lower and not _cased(glove.name):
        console.print(
            Text(
                f"{glove.name} holds lowercased words only; a vocabulary built with --lower "
                "finds more of its rows.",
                style="yellow",
            )
        )


def _cased(name: str) -> bool:
    """Whether a set keeps case (840B); sets outside the catalogue are assumed to."""
    from rnncli.glove.catalog import SETS

    entry = SETS.get(name)
    return entry.cased if entry is not None else True


def _glove_row(glove) -> str:
    """``9,812 of 10,000 kept tokens (98.12%), 99.10% of running tokens``."""
    return (
        f"{glove.found:,} of {glove.kept:,} kept tokens ({glove.distinct_share:.2%}), "
        f"{glove.running_share:.2%} of running tokens"
    )


def _missing_table(glove) -> Table:
    shown = len(glove.missing_top)
    title = f"Most frequent tokens {glove.name} lacks ({shown:,} of {glove.missing:,})"
    table = Table(
        title=escape(title),
        min_width=len(title),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("index", justify="right")
    table.add_column("token", overflow="fold")
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    total = glove.running or 1
    for m in glove.missing_top:
        table.add_row(str(m.index), Text(m.token), f"{m.count:,}", f"{m.count / total:.2%}")
    return table


def _summary_table(summary: VocabSummary, written: Optional[str]) -> Table:
    v, s = summary.vocab, summary.vocab.stats
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column()
    files = ", ".join(s.files) if len(s.files) <= 3 else f"{s.files[0]}, … ({len(s.files)} files)"
    table.add_row("files", Text(files))
    table.add_row("lines", f"{s.lines:,}")
    table.add_row("tokens", f"{s.tokens:,} running")
    single = f" ({s.singletons:,} seen once)" if s.singletons else ""
    table.add_row("distinct", f"{s.distinct:,}{single}")
    rule = f"count ≥ {v.min_freq}" + (f", top {v.max_size:,}" if v.max_size else "")
    table.add_row("kept", f"{v.kept:,} ({rule})")
    specials = " ".join(v.specials) if v.specials else "none"
    table.add_row(
        "size", Text(f"{len(v):,} entries = {len(v.specials)} specials ({specials}) + kept")
    )
    missing = s.tokens - s.covered
    unk = f", the other {missing:,} map to {v.unk}" if v.unk and missing else ""
    table.add_row("coverage", Text(f"{s.coverage:.2%} of running tokens{unk}"))
    table.add_row("tokenizer", f"{v.tokenizer}, {'lowercased' if v.lower else 'case kept'}")
    if summary.glove is not None:
        table.add_row(Text(f"GloVe {summary.glove.name}"), _glove_row(summary.glove))
    if written:
        table.add_row("written", Text(written))
    elif summary.path:
        table.add_row("file", Text(summary.path))
    else:  # `vocab build` without --out: nothing was saved
        table.add_row("not saved", Text("add --out FILE to save it (--out - prints the JSON)"))
    return table


def _top_table(summary: VocabSummary) -> Table:
    s = summary.vocab.stats
    table = Table(
        title=f"Top {min(summary.top_n, summary.vocab.kept)} tokens",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("index", justify="right")
    table.add_column("token", overflow="fold")
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    table.add_column("cumulative", justify="right")
    total = s.tokens or 1
    running = 0
    for index, token, count in summary.top:
        running += count
        table.add_row(
            str(index), Text(token), f"{count:,}", f"{count / total:.2%}", f"{running / total:.2%}"
        )
    return table


def _log(x: float) -> float:
    return math.log10(x) if x > 0 else 0.0


def _count_at(profile: list[list[int]], rank: float) -> float:
    """Count at ``rank``, interpolated in log-log space between the stored points."""
    if rank <= profile[0][0]:
        return float(profile[0][1])
    for (r0, c0), (r1, c1) in zip(profile, profile[1:]):
        if r0 <= rank <= r1:
            if r1 == r0:
                return float(c1)
            t = (_log(rank) - _log(r0)) / (_log(r1) - _log(r0))
            return 10 ** (_log(c0) + t * (_log(c1) - _log(c0)))
    return float(profile[-1][1])


def _tokens(n: int) -> str:
    return f"{n:,} rarer token" + ("" if n == 1 else "s")


def zipf_plot(summary: VocabSummary, width: int = 60, height: int = PLOT_HEIGHT) -> Text:
    """Count by rank on log-log axes; kept ranks in green, cut ranks dim, the cut marked ``┆``.

    Zipf's law makes this close to a straight line falling to the right: a few tokens are most
    of the text and most tokens are rare. ``--min-freq`` and ``--max-size`` cut the tail.
    """
    v, profile = summary.vocab, summary.vocab.stats.profile
    max_rank = profile[-1][0]
    max_count = max(c for _, c in profile)
    span_x = _log(max_rank) or 1.0
    span_y = _log(max_count) or 1.0
    cut = v.cut_tokens
    cut_rank = max_rank - cut  # ranks above this were not kept
    grid = [[" "] * width for _ in range(height)]
    styles: list[list[str]] = [[""] * width for _ in range(height)]

    def row_of(count: float) -> int:
        return height - 1 - round(_log(max(count, 1.0)) / span_y * (height - 1))

    previous: Optional[int] = None
    for col in range(width):
        rank = 10 ** (col / max(width - 1, 1) * span_x)
        row = row_of(_count_at(profile, rank))
        style = "green" if rank <= cut_rank + 0.5 else "red dim"
        top, bottom = (row, row) if previous is None else (min(row, previous), max(row, previous))
        # join the column to the previous one so the curve reads as a line
        for r in range(top, bottom + 1):
            if grid[r][col] == " ":
                grid[r][col] = "•" if r == row else "·"
                styles[r][col] = style
        previous = row
    cut_col: Optional[int] = None
    if 0 < cut_rank < max_rank:
        cut_col = round(_log(cut_rank + 0.5) / span_x * (width - 1))
        cut_col = min(max(cut_col, 0), width - 1)
        for r in range(height):
            if grid[r][cut_col] == " ":
                grid[r][cut_col] = "┆"
                styles[r][cut_col] = "yellow"

    label_width = len(f"{max_count:,}")
    text = Text()
    text.append("count by rank, log-log (Zipf's curve)\n", style="bold")
    for r in range(height):
        if r == 0:
            label = f"{max_count:,}"
        elif r == height - 1:
            label = "1"
        else:
            label = ""
        text.append(label.rjust(label_width) + " │")
        for col in range(width):
            text.append(grid[r][col], style=styles[r][col] or None)
        text.append("\n")
    text.append(" " * label_width + " └" + "─" * width + "\n")
    left, right = "rank 1", f"{max_rank:,}"
    text.append(" " * (label_width + 2) + left + right.rjust(width - len(left)) + "\n")
    if cut > 0:
        reasons = []
        if v.capped:
            reasons.append(f"--max-size {v.max_size:,}")
        if v.min_freq > 1:
            reasons.append(f"--min-freq {v.min_freq}")
        verb = ("maps", "has") if cut == 1 else ("map", "have")
        target = f"{verb[0]} to {v.unk}" if v.unk else f"{verb[1]} no index"
        if cut_rank > 0:
            line = f"┆ cut after rank {cut_rank:,} ({', '.join(reasons)}): {_tokens(cut)} {target}"
        else:
            every = "the only token" if cut == 1 else f"all {cut:,} distinct tokens"
            line = f"nothing kept ({', '.join(reasons)}): {every} {target}"
        text.append(line, style="yellow")
    else:
        text.append("every distinct token kept (raise --min-freq to cut the tail)", style="dim")
    return text

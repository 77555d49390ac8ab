"""Rich output for a :class:`~rnncli.text.vocab.VocabSummary`: the numbers, the top tokens and
Zipf's curve (count by rank, both axes logarithmic) drawn with characters, with the cut marked."""

from __future__ import annotations

import math
from typing import Optional

from rich import box
from rich.console import Console
from rich.text import Text

from rnncli.render.fit import Cell, Column, fields, fit_table, wrap
from rnncli.render.words import plural
from rnncli.text.vocab import VocabSummary

PLOT_HEIGHT = 10
PLOT_MAX_WIDTH = 64


def render_vocab(summary: VocabSummary, console: Console, written: Optional[str] = None) -> None:
    """Print the summary, Zipf's curve and the most frequent tokens. Every token, count and
    path is whole at any width: a value too wide beside its label (a long path) goes on its own
    line, and a token wider than its table stacks the table one record a block."""
    width = console.width
    # soft_wrap: a path wider than the whole terminal is printed whole, for the terminal to fold
    console.print(Text("\n".join(_summary(summary, written, width))), soft_wrap=True)
    if summary.vocab.stats.profile:
        label = len(f"{max(c for _, c in summary.vocab.stats.profile):,}") + 2
        plot = min(PLOT_MAX_WIDTH, max(24, width - max(14, label + 2)))
        console.print(zipf_plot(summary, width=plot, line_width=width))
    if summary.top_n > 0 and summary.vocab.kept > 0:
        _print(console, _top_table(summary, width))
    glove = summary.glove
    if glove is not None and glove.missing_top:
        _print(console, _missing_table(glove, width))
    if glove is not None and glove.missing and not summary.vocab.lower and not _cased(glove.name):
        line = (
            f"{glove.name} holds lowercased words only; a vocabulary built with --lower "
            "finds more of its rows."
        )
        console.print(Text(wrap(line, width), style="yellow"))


def _print(console: Console, parts: list) -> None:
    for part in parts:
        console.print(part)


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


def _missing_table(glove, width: int) -> list:
    shown = len(glove.missing_top)
    title = f"Most frequent tokens {glove.name} lacks ({shown:,} of {glove.missing:,})"
    columns = [
        Column("index", justify="right"),
        Column("token"),
        Column("count", justify="right"),
        Column("share", justify="right"),
    ]
    total = glove.running or 1
    rows: list[list[Cell]] = [
        [f"{m.index:,}", Text(m.token), f"{m.count:,}", f"{m.count / total:.2%}"]
        for m in glove.missing_top
    ]
    return [
        Text(wrap(title, width), style="italic"),
        *fit_table(columns, rows, width, title=None, box=box.SIMPLE_HEAD, pad_edge=False),
    ]


def _summary(summary: VocabSummary, written: Optional[str], width: int) -> list[str]:
    """The numbers of the vocabulary as ``label  value`` lines."""
    v, s = summary.vocab, summary.vocab.stats
    files = (
        ", ".join(s.files) if len(s.files) <= 3 else f"{s.files[0]} and {len(s.files) - 1:,} more"
    )
    rows = [
        ("files", files),
        ("lines", f"{s.lines:,}"),
        ("tokens", f"{s.tokens:,} running"),
    ]
    single = f" ({s.singletons:,} seen once)" if s.singletons else ""
    rows.append(("distinct", f"{s.distinct:,}{single}"))
    rule = f"count ≥ {v.min_freq:,}" + (f", top {v.max_size:,}" if v.max_size else "")
    rows.append(("kept", f"{v.kept:,} ({rule})"))
    specials = " ".join(v.specials) if v.specials else "none"
    specials_count = plural(len(v.specials), "special")
    rows.append(
        ("size", f"{plural(len(v), 'entry', 'entries')} = {specials_count} ({specials}) + kept")
    )
    missing = s.tokens - s.covered
    unk = f", the other {missing:,} map to {v.unk}" if v.unk and missing else ""
    if v.unk and missing == 1:
        unk = f", the other 1 maps to {v.unk}"
    rows.append(("coverage", f"{s.coverage:.2%} of running tokens{unk}"))
    rows.append(("tokenizer", f"{v.tokenizer}, {'lowercased' if v.lower else 'case kept'}"))
    if summary.glove is not None:
        rows.append((f"GloVe {summary.glove.name}", _glove_row(summary.glove)))
    if written:
        rows.append(("written", written))
    elif summary.path:
        rows.append(("file", summary.path))
    else:  # `vocab build` without --out: nothing was saved
        rows.append(("not saved", "add --out FILE to save it (--out - prints the JSON)"))
    return fields(rows, width)


def _top_table(summary: VocabSummary, width: int) -> list:
    s = summary.vocab.stats
    columns = [
        Column("index", justify="right"),
        Column("token"),
        Column("count", justify="right"),
        Column("share", justify="right"),
        Column("cumulative", justify="right"),
    ]
    total = s.tokens or 1
    running = 0
    rows: list[list[Cell]] = []
    for index, token, count in summary.top:
        running += count
        rows.append(
            [
                f"{index:,}",
                Text(token),
                f"{count:,}",
                f"{count / total:.2%}",
                f"{running / total:.2%}",
            ]
        )
    title = f"Top {plural(min(summary.top_n, summary.vocab.kept), 'token')}"
    return [
        Text(wrap(title, width), style="italic"),
        *fit_table(columns, rows, width, title=None, box=box.SIMPLE_HEAD, pad_edge=False),
    ]


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
    return plural(n, "rarer token")


def zipf_plot(
    summary: VocabSummary, width: int = 60, height: int = PLOT_HEIGHT, line_width: int = 80
) -> Text:
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
        text.append(wrap(line, line_width), style="yellow")
    else:
        line = "every distinct token kept (raise --min-freq to cut the tail)"
        text.append(wrap(line, line_width), style="dim")
    return text

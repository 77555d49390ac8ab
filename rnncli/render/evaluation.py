"""Rich output for `rnncli glove evaluate`: a table per dataset, section bars, failures.

Tables go through :func:`rnncli.render.fit.fit_table`: dataset and section names, words and
figures are never cut; the bars shrink to the width left, then drop with a note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from rich.console import Console
from rich.text import Text

from rnncli.render.fit import Cell, Column, cells, fit_table

if TYPE_CHECKING:  # pragma: no cover
    from rnncli.glove.analogy_eval import AnalogyResult
    from rnncli.glove.evaluation import EvaluationReport
    from rnncli.glove.similarity_eval import SimilarityResult

#: The widest a bar is drawn (100 %), and the narrowest worth drawing (else no bar column).
BAR_CELLS = 20
MIN_BAR_CELLS = 5


def _figure(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def _percent(correct: int, total: int) -> str:
    return f"{100.0 * correct / total:.1f} %" if total else "n/a"


def _bar(fraction: float, width: int, style: str = "cyan") -> Text:
    return Text("█" * max(0, round(fraction * width)), style=style)


def _bar_width(columns: list[Column], rows: list[list[Cell]], console_width: int) -> int:
    """The cells left for a bar column beside ``columns`` (at most BAR_CELLS); 0: no bar."""
    others = sum(
        max(cells(c.header), *(cells(row[i]) for row in rows)) for i, c in enumerate(columns)
    )
    left = min(BAR_CELLS, console_width - others - 3 * (len(columns) + 1) - 1)
    return left if left >= MIN_BAR_CELLS else 0


def _with_bars(
    columns: list[Column], rows: list[list[Cell]], bars: list[tuple[float, str]], width: int
) -> tuple[list[Column], list[list[Cell]]]:
    """``columns`` and ``rows`` with a bar column of ``(fraction, style)`` where it fits."""
    cells_wide = _bar_width(columns, rows, width)
    if not cells_wide:
        return columns, rows
    bar_rows: list[list[Cell]] = [
        [*row, _bar(fraction, cells_wide, style)] for row, (fraction, style) in zip(rows, bars)
    ]
    return [*columns, Column("")], bar_rows


def _similarity_table(result: SimilarityResult, width: int):
    columns = [
        Column("pairs", justify="right"),
        Column("used", justify="right"),
        Column("skipped", justify="right"),
        Column("Spearman ρ", justify="right", style="bold"),
        Column("Pearson r", justify="right"),
    ]
    rows: list[list[Cell]] = [
        [
            f"{result.pairs:,}",
            f"{result.used:,}",
            f"{result.skipped:,}",
            _figure(result.spearman),
            _figure(result.pearson),
        ]
    ]
    bars = [(max(0.0, result.spearman or 0.0), "cyan")]
    columns, rows = _with_bars(columns, rows, bars, width)
    return fit_table(columns, rows, width, title=f"{result.dataset}: word similarity")


def _analogy_tables(result: AnalogyResult, width: int):
    columns = [
        Column("section", style="cyan"),
        Column("correct", justify="right"),
        Column("used", justify="right"),
        Column("accuracy", justify="right"),
    ]
    totals = [
        ("semantic", result.semantic.correct, result.semantic.total),
        ("syntactic", result.syntactic.correct, result.syntactic.total),
        ("all", result.correct, result.used),
    ]
    rows: list[list[Cell]] = [
        [s.name, f"{s.correct:,}", f"{s.total:,}", _percent(s.correct, s.total)]
        for s in result.sections
    ]
    rows += [
        [Text(label, style="bold"), f"{c:,}", f"{t:,}", Text(_percent(c, t), style="bold")]
        for label, c, t in totals
    ]
    bars = [(s.correct / s.total if s.total else 0.0, "cyan") for s in result.sections]
    bars += [(c / t if t else 0.0, "bold green") for _, c, t in totals]
    columns, rows = _with_bars(columns, rows, bars, width)
    skipped = result.questions - result.used
    caption = (
        f"{result.used:,} of {result.questions:,} questions used, {skipped:,} skipped (a word "
        f"outside the vocabulary); answer: the nearest word to b - a + c, a, b and c excluded"
    )
    out = fit_table(columns, rows, width, title=f"{result.dataset}: analogies", caption=caption)
    if result.failures:
        failure_rows: list[list[Cell]] = [
            [
                Text(f.section),
                Text(f"{f.a} : {f.b} :: {f.c} : ?"),
                Text(f.expected, style="green"),
                Text(f.got, style="red"),
            ]
            for f in result.failures
        ]
        failure_columns = [
            Column("section", style="cyan"),
            Column("question", kind="wrap"),
            Column("expected"),
            Column("got"),
        ]
        out.append(Text(""))
        out += fit_table(failure_columns, failure_rows, width, title="Some questions it gets wrong")
    return out


def render_evaluation(report: EvaluationReport, console: Console) -> None:
    """A line saying which words were used, then each dataset's table in the order asked."""
    width = console.width
    console.print(
        Text.assemble(
            (f"GloVe {report.name}", "bold"),
            f", its first {report.vocab_size:,} words, case-insensitive (gensim's protocol)",
        )
    )
    for result in report.similarity:
        console.print()
        for part in _similarity_table(result, width):
            console.print(part)
    if report.analogies is not None:
        console.print()
        for part in _analogy_tables(report.analogies, width):
            console.print(part)

"""Rich tables for an :class:`~rnncli.embedding.EmbedReport`: words, one-hot and dense rows."""

from __future__ import annotations

import re

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from rnncli.embedding import EmbedReport
from rnncli.glove.words import listed, word_label
from rnncli.render.fit import Cell, Column, cells, fit_table, pack, wrap
from rnncli.render.words import plural

#: Values of a dense vector shown before eliding the rest (the JSON has them all).
SHOW_VALUES = 6
#: A one-hot row is printed in full up to this vocabulary size, else as "1 at i of V".
SHOW_ONEHOT = 8
#: Names of vocabulary entries without a GloVe row listed in the table output (JSON: all).
SHOW_MISSING = 20


#: Words listed in the table; a whole vocabulary (``embed --vocab FILE``) is cut after these.
MAX_ROWS = 50


def format_vector(values: list[float], digits: int = 4, show: int = SHOW_VALUES) -> str:
    """``[ 1.5410, -0.2934, +3 more]``: rounded for the eye, sign-aligned, a long row shortened
    with the count of values left out (``--json`` has them all)."""
    shown = [f"{v: .{digits}f}" for v in values[:show]]
    if len(values) > show:
        shown.append(f"+{len(values) - show:,} more")
    return "[" + ", ".join(shown) + "]"


def format_onehot(index: int, size: int) -> str:
    """``[0 1 0]`` for a small vocabulary, ``1 at 3 of 50,002`` for a big one."""
    if size <= SHOW_ONEHOT:
        return "[" + " ".join("1" if i == index else "0" for i in range(size)) + "]"
    return f"1 at {index:,} of {size:,}"


def render_embed(report: EmbedReport, console: Console) -> None:
    """Print the lookup table, then the shapes of every tensor and the one-hot comparison."""
    width = console.width
    console.print(_title(report, width))
    _print(console, _word_table(report, width))
    _print(console, _shape_table(report, width))
    v, d = report.vocab_size, report.dim
    where = "--dim" if report.pretrained is None else f"the width of {report.pretrained.name}"
    line = (
        f"Per word: one-hot {plural(v, 'number')} (the vocabulary size, all 0 but one); "
        f"dense {d:,} ({where}), however large the vocabulary grows."
    )
    console.print(Text(wrap(line, width), style="dim"))
    if report.unknown:
        unk = report.vocab.unk
        line = f"Not in the vocabulary, looked up as {unk}: {_listed(report.unknown)}"
        console.print(Text(wrap(line, width)))
    if report.pretrained is not None:
        console.print(pretrained_note(report, width))


def _print(console: Console, parts: list) -> None:
    for part in parts:
        console.print(part)


def _listed(items: list[str], show: int = SHOW_MISSING) -> str:
    return listed(items, show, more=" (--json lists all)")


def pretrained_note(report: EmbedReport, width: int = 80) -> Text:
    """Where the rows came from, and which vocabulary entries got a policy row instead."""
    rows = report.pretrained
    v = report.vocab_size
    text = Text()
    entries = plural(v, "vocabulary entry", "vocabulary entries")
    line = f"Rows from GloVe {rows.name}: {rows.found:,} of {entries}."
    if not rows.missing:
        text.append(wrap(line + " Every entry has a GloVe row.", width))
        return text
    text.append(wrap(line, width))
    policy = rows.policy.value
    if policy == "random":
        spread = rows.spread
        of = (
            f"the {spread.rows:,} GloVe rows found"
            if spread.source == "vocabulary rows"
            else f"{spread.rows:,} rows sampled across {rows.name}"
        )
        how = f"random rows (normal, seed {rows.seed}, per-dimension mean/std of {of})"
    else:
        how = "zero rows"
    line = (
        f"* {len(rows.missing):,} not in {rows.name}, given {how} (--missing {policy}): "
        + _listed(rows.missing)
    )
    text.append("\n" + wrap(line, width), style="yellow")
    return text


def _code_lines(code: str, width: int) -> list[str]:
    """A line of Python cut only between statements or before its comment, never inside a
    call: ``torch.nn.Embedding(2, 5)`` stays whole."""
    if cell_len(code) <= width:
        return [code]
    return pack(re.split(r"(?<=;) |  (?=# )", code), width, indent="", sep=" ")


def _title(report: EmbedReport, width: int) -> Text:
    v, d = report.vocab_size, report.dim
    if report.weight_source == "random":
        made = f"torch.manual_seed({report.seed}); embeds = torch.nn.Embedding({v}, {d})"
    else:
        source = (
            f"GloVe {report.pretrained.name}"
            if report.pretrained is not None
            else report.weight_source
        )
        made = f"embeds = torch.nn.Embedding.from_pretrained(weight)  # {source}: [{v}, {d}]"
    source = f"vocabulary {report.vocab_source}" if report.vocab_source else "vocabulary"
    entries = plural(v, "entry", "entries")
    looked = plural(len(report.words), "word")
    return Text.assemble(
        ("\n".join(_code_lines(made, width)), "bold cyan"),
        ("\n", ""),
        (wrap(f"{source}: {entries}, {looked} looked up", width), "dim"),
    )


def _word_table(report: EmbedReport, width: int) -> list:
    """Word, index and one-hot whole; the dense vector shows as many values as the width holds
    (at least one; ``--json`` has them all)."""
    unknown = set(report.unknown)
    no_row = set(report.pretrained.missing) if report.pretrained is not None else set()
    labels, onehots = [], []
    for word, index in zip(report.words[:MAX_ROWS], report.indices[:MAX_ROWS]):
        label = Text(word_label(word))  # bytes that were not UTF-8 as \xNN escapes
        if word in unknown:
            label.append(f" → {report.vocab.itos[index]}", style="yellow")
        if report.vocab.itos[index] in no_row:
            label.append(" *", style="yellow")
        labels.append(label)
        onehots.append(format_onehot(index, report.vocab_size))
    indices = [f"{i:,}" for i in report.indices[:MAX_ROWS]]
    more = len(report.words) - MAX_ROWS
    header = f"dense vector ({plural(report.dim, 'float')})"
    used = (
        max([cells("word"), *(cell_len(label.plain) for label in labels)])
        + max([cells("index"), *(cells(i) for i in indices)])
        + max([cells("one-hot"), *(cells(o) for o in onehots)])
        + 3 * 4
        - 1
    )
    if cells(header) > width - used:  # a narrow terminal: the short header
        header = f"dense ({plural(report.dim, 'float')})"
    room = max(cells(header), width - used)
    show = report.dim
    vectors = report.vectors[:MAX_ROWS]
    while show > 1 and any(cells(format_vector(x, show=show)) > room for x in vectors):
        show -= 1
    columns = [
        Column("word"),
        Column("index", justify="right"),
        Column("one-hot"),
        Column(header),
    ]
    rows: list[list[Cell]] = [
        [label, index, onehot, format_vector(vector, show=show)]
        for label, index, onehot, vector in zip(labels, indices, onehots, vectors)
    ]
    if more > 0:
        rows.append(
            [
                Text(f"+{more:,} more", style="dim"),
                "",
                "",
                Text("(--json has all)", style="dim"),
            ]
        )
    return fit_table(columns, rows, width, title=None, box=box.SIMPLE_HEAD, pad_edge=False)


def _shape(shape: list[int]) -> str:
    """``[3, 50]``: as torch prints a shape (no thousands separators), as ``inspect`` does."""
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _shape_table(report: EmbedReport, width: int) -> list:
    columns = [
        Column("tensor"),
        Column("made by", kind="explain"),
        Column("shape"),
        Column("dtype"),
        Column("numbers", justify="right"),
    ]
    v = report.vocab_size
    rows: list[list[Cell]] = []
    for name, made, info in (
        ("lookup", "torch.tensor(indices)", report.lookup),
        ("weight", "embeds.weight", report.weight),
        ("result", "embeds(lookup)", report.result),
    ):
        if info is not None:
            dtype = info.dtype.replace("torch.", "")
            rows.append([name, made, _shape(info.shape), dtype, f"{info.numel:,}"])
    onehot = report.onehot()
    rows.append(
        ["one-hot", f"F.one_hot(lookup, {v})", _shape(onehot.shape), "int64", f"{onehot.numel:,}"]
    )
    return fit_table(columns, rows, width, title=None, box=box.SIMPLE_HEAD, pad_edge=False)

"""Rich tables for an :class:`~rnncli.embedding.EmbedReport`: words, one-hot and dense rows."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rnncli.embedding import EmbedReport
from rnncli.glove.words import listed, word_label

#: Values of a dense vector shown before eliding the rest (the JSON has them all).
SHOW_VALUES = 6
#: A one-hot row is printed in full up to this vocabulary size, else as "1 at i of V".
SHOW_ONEHOT = 8
#: Names of vocabulary entries without a GloVe row listed in the table output (JSON: all).
SHOW_MISSING = 20


#: Words listed in the table; a whole vocabulary (``embed --vocab FILE``) is cut after these.
MAX_ROWS = 50


def _shape(shape: list[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def format_vector(values: list[float], digits: int = 4, show: int = SHOW_VALUES) -> str:
    """``[ 1.5410, -0.2934, …]``: rounded for the eye, sign-aligned, long rows elided."""
    shown = [f"{v: .{digits}f}" for v in values[:show]]
    if len(values) > show:
        shown.append(f"… +{len(values) - show}")
    return "[" + ", ".join(shown) + "]"


def format_onehot(index: int, size: int) -> str:
    """``[0 1 0]`` for a small vocabulary, ``1 at 3 of 50,002`` for a big one."""
    if size <= SHOW_ONEHOT:
        return "[" + " ".join("1" if i == index else "0" for i in range(size)) + "]"
    return f"1 at {index:,} of {size:,}"


def render_embed(report: EmbedReport, console: Console) -> None:
    """Print the lookup table, then the shapes of every tensor and the one-hot comparison."""
    console.print(_title(report))
    console.print(_word_table(report, console.width))
    console.print(_shape_table(report))
    v, d = report.vocab_size, report.dim
    where = "--dim" if report.pretrained is None else f"the width of {report.pretrained.name}"
    console.print(
        Text(
            f"Per word: one-hot {v:,} numbers (the vocabulary size, all 0 but one); "
            f"dense {d:,} ({where}), however large the vocabulary grows.",
            style="dim",
        )
    )
    if report.unknown:
        unk = report.vocab.unk
        console.print(Text(f"Not in the vocabulary, looked up as {unk}: {_listed(report.unknown)}"))
    if report.pretrained is not None:
        console.print(pretrained_note(report))


def _listed(items: list[str], show: int = SHOW_MISSING) -> str:
    return listed(items, show, more=" (--json lists all)")


def pretrained_note(report: EmbedReport) -> Text:
    """Where the rows came from, and which vocabulary entries got a policy row instead."""
    rows = report.pretrained
    v = report.vocab_size
    text = Text()
    text.append(f"Rows from GloVe {rows.name}: {rows.found:,} of {v:,} vocabulary entries.")
    if not rows.missing:
        text.append(" Every entry has a GloVe row.")
        return text
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
    text.append(
        f"\n* {len(rows.missing):,} not in {rows.name}, given {how} (--missing {policy}): ",
        style="yellow",
    )
    text.append(_listed(rows.missing), style="yellow")
    return text


def _title(report: EmbedReport) -> Text:
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
    return Text.assemble(
        (made, "bold cyan"),
        ("\n", ""),
        (f"{source}: {v:,} entries, {len(report.words):,} words looked up", "dim"),
    )


def _word_table(report: EmbedReport, width: int) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("word", no_wrap=True, overflow="fold")
    table.add_column("index", justify="right", no_wrap=True)
    table.add_column("one-hot", no_wrap=True)
    table.add_column(f"dense vector ({report.dim} floats)", no_wrap=True)
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
    # Show as many values as fit beside the other columns (9 characters each); JSON has all.
    # (an empty vocabulary looks nothing up: no rows, so default=0 rather than max() failing)
    used = (
        max((len(label) for label in labels), default=0)
        + max(5, len(str(max(report.indices[:MAX_ROWS], default=0))))
        + max((len(o) for o in onehots), default=0)
        + 3 * 2
    )
    show = max(2, min(report.dim, (width - used - 4) // 9))
    if show < report.dim:
        show = max(2, (width - used - 12) // 9)  # room for the "… +N" marker
    for label, index, onehot, vector in zip(labels, report.indices, onehots, report.vectors):
        table.add_row(label, str(index), onehot, format_vector(vector, show=show))
    if len(report.words) > MAX_ROWS:
        more = len(report.words) - MAX_ROWS
        table.add_row(
            Text(f"… +{more:,} more", style="dim"), "", "", Text("(--json has all)", style="dim")
        )
    return table


def _shape_table(report: EmbedReport) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left")
    table.add_column("tensor")
    table.add_column("made by")
    table.add_column("shape")
    table.add_column("dtype")
    table.add_column("numbers", justify="right")
    v = report.vocab_size
    rows = [
        ("lookup", "torch.tensor(indices)", report.lookup),
        ("weight", "embeds.weight", report.weight),
        ("result", "embeds(lookup)", report.result),
    ]
    for name, made, info in rows:
        if info is not None:
            dtype = info.dtype.replace("torch.", "")
            table.add_row(name, made, _shape(info.shape), dtype, f"{info.numel:,}")
    onehot = report.onehot()
    table.add_row(
        "one-hot", f"F.one_hot(lookup, {v})", _shape(onehot.shape), "int64", f"{onehot.numel:,}"
    )
    return table

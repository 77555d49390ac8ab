"""Tables that fit the terminal: names, shapes and numbers whole, explanations give way.

A column is ``keep`` (a name, a shape, a number: never wrapped, never cut), ``wrap`` (a list of
tokens or a sentence: wraps at spaces, never dropped) or ``explain`` (what a row means: wraps at
spaces, and drops, in its ``drop`` order, with one note saying which width shows it). A table
that fits as it is prints as it always did; one whose kept columns do not fit even alone prints
as one block per row instead (the stacked layout). Widths are terminal cells, not characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

from rich.box import Box
from rich.cells import cell_len
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

Cell = Union[str, Text]

_OPENS_NUMBERS = re.compile(r"^\w*[(\[][\d,]*$")
_UNITS = frozenset({"B", "kB", "MB", "GB", "TB", "PB"})

#: The width named in the note when explanatory columns are left out (or the width they need).
WIDE = 120


@dataclass(frozen=True)
class Column:
    """One column: its header, its kind (``keep``, ``wrap``, ``explain``) and rich's looks."""

    header: str
    kind: str = "keep"
    justify: str = "left"
    style: Optional[str] = None
    footer: str = ""
    min_width: Optional[int] = None
    #: Explanatory columns drop in increasing order of this number.
    drop: int = 0


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def cells(cell: Cell) -> int:
    """The widest line of ``cell``, in terminal cells."""
    return max((cell_len(line) for line in _plain(cell).split("\n")), default=0)


def longest_word(cell: Cell) -> int:
    """The widest word of ``cell``: the narrowest a column can wrap it to, no word cut."""
    return max((cell_len(word) for word in _plain(cell).split()), default=0)


def words(line: str) -> list[str]:
    """The words of ``line``, a bracketed group such as ``zeros(6, 3, 512)`` or ``[6, 2]`` one
    word, and a size with its unit (``655.1 MB``): what :func:`wrap` never splits."""
    found: list[str] = []
    depth = 0
    for word in line.split(" "):
        if found and (depth > 0 or word in _UNITS):
            found[-1] += " " + word
        else:
            found.append(word)
        if depth > 0 or _OPENS_NUMBERS.match(word):  # a group of numbers, not a remark
            depth += sum(word.count(c) for c in "([") - sum(word.count(c) for c in ")]")
    return found


def wrap(line: str, width: int) -> str:
    """``line`` wrapped at spaces as rich wraps it (a line keeps its trailing space where it
    fits), except that no bracketed shape or list is split (unless it is wider than ``width``
    itself: then between its numbers, each number whole)."""
    pieces: list[str] = []
    for word in words(line):
        pieces.extend(word.split(" ") if cell_len(word) > width else [word])
    return "\n".join(pack(pieces, width, indent="", sep=" ", keep_space=True))


def pack(
    pieces: list[str], width: int, indent: str = "  ", sep: str = "  ", keep_space: bool = False
) -> list[str]:
    """Greedy lines of whole ``pieces``; continuation lines start with ``indent``."""
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if line and cell_len(line) + cell_len(sep) + cell_len(piece) > width:
            if keep_space and cell_len(line) + cell_len(sep) <= width:
                line += sep
            lines.append(line)
            line = indent + piece
        else:
            line = f"{line}{sep}{piece}" if line else piece
    if line:
        lines.append(line)
    return lines


def _ratio_reduce(
    total: int, ratios: list[int], maximums: list[int], values: list[int]
) -> list[int]:
    """Rich's own way to share a reduction (so a table that wraps keeps today's widths)."""
    ratios = [ratio if most else 0 for ratio, most in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    result = []
    for ratio, most, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            share = min(most, round(ratio * remaining / total_ratio))
            result.append(value - share)
            remaining -= share
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _collapse(widths: list[int], floors: list[int], wraps: list[bool], limit: int) -> list[int]:
    """Narrow the widest wrapping columns first, as rich does, but none below its floor."""
    widths = widths[:]
    excess = sum(widths) - limit
    while excess > 0:
        open_ = [wraps[i] and widths[i] > floors[i] for i in range(len(widths))]
        if not any(open_):
            break
        top = max(w for w, o in zip(widths, open_) if o)
        second = max((w for w, o in zip(widths, open_) if o and w != top), default=0)
        ratios = [1 if o and w == top else 0 for w, o in zip(widths, open_)]
        maximums = [
            min(excess, top - second, widths[i] - floors[i]) if ratios[i] else 0
            for i in range(len(widths))
        ]
        widths = _ratio_reduce(excess, ratios, maximums, widths)
        excess = sum(widths) - limit
    return widths


def fit_table(
    columns: list[Column],
    rows: list[list[Cell]],
    width: int,
    *,
    title: Optional[str],
    caption: Optional[str] = None,
    show_footer: bool = False,
    box: Optional[Box] = None,
    pad_edge: bool = True,
) -> list[RenderableType]:
    """What to print for this table at ``width``: the table (with a note if columns were left
    out), or the stacked blocks where even the kept columns do not fit. ``box`` and
    ``pad_edge`` are rich's (default: rich's heavy-headed box, edges padded)."""
    looks = {"box": box, "pad_edge": pad_edge}
    edge = 0 if pad_edge else 2  # the two edge paddings a table without them saves

    def natural_width(column: Column, i: int) -> int:
        texts = [column.header, column.footer if show_footer else ""]
        found = max(cells(t) for t in texts + [row[i] for row in rows])
        return max(found, column.min_width or 0)

    def least_width(column: Column, i: int) -> int:
        if column.kind == "keep":
            return natural[i]
        found = max(longest_word(t) for t in [column.header] + [row[i] for row in rows])
        return max(found, column.min_width or 0)

    # Each column's widths once: whole cells, and narrowest (its longest word, or whole).
    natural = [natural_width(column, i) for i, column in enumerate(columns)]
    least = [least_width(column, i) for i, column in enumerate(columns)]
    everything = list(range(len(columns)))
    total = sum(natural) + 3 * len(columns) + 1 - edge
    if total <= width:
        return _captioned(
            _table(columns, rows, everything, None, title, caption, show_footer, **looks),
            total,
            width,
        )
    kept = everything
    droppable = sorted(
        (i for i in everything if columns[i].kind == "explain"), key=lambda i: columns[i].drop
    )
    while True:
        floors = [least[i] for i in kept]
        limit = width - 3 * len(kept) - 1 + edge
        if sum(floors) <= limit:
            widths = [natural[i] for i in kept]
            for phase in _phases(columns, kept):
                widths = _collapse(widths, floors, phase, limit)
            out = _captioned(
                _table(columns, rows, kept, widths, title, caption, show_footer, **looks),
                sum(widths) + 3 * len(kept) + 1 - edge,
                width,
            )
            if len(kept) < len(columns):
                out.append(_dropped_note(columns, kept, least, edge))
            return out
        if not droppable:
            return _stacked(columns, rows, width, title, caption, show_footer)
        gone = droppable.pop(0)
        kept = [i for i in kept if i != gone]


def _captioned(table: Table, table_width: int, width: int) -> list[RenderableType]:
    """The table, its caption under it as rich wraps it; or, where that wrap would split a
    bracketed list such as ``[2, 2, 1, 1]``, the caption on its own at the full width."""
    caption = table.caption
    if not isinstance(caption, str):
        return [table]
    plain = caption.split(" ")
    if pack(words(caption), table_width, sep=" ", indent="") == pack(
        plain, table_width, sep=" ", indent=""
    ):
        return [table]
    table.caption = None
    return [table, Text(wrap(caption, width))]


def _phases(columns: list[Column], kept: list[int]) -> list[list[bool]]:
    """Which columns narrow in turn: the first to drop narrow first, then the others."""
    ranks = sorted(
        {(columns[i].kind == "wrap", columns[i].drop) for i in kept if columns[i].kind != "keep"}
    )
    return [
        [
            (columns[i].kind == "wrap", columns[i].drop) == rank and columns[i].kind != "keep"
            for i in kept
        ]
        for rank in ranks
    ]


def _dropped_note(columns: list[Column], kept: list[int], floors: list[int], edge: int = 0) -> Text:
    names = [c.header for i, c in enumerate(columns) if i not in kept]
    need = max(WIDE, sum(floors) + 3 * len(columns) + 1 - edge)
    said = " and ".join(names)
    if len(names) == 1:
        line = f"the {said} column is left out to fit the width: COLUMNS={need} shows it"
    else:
        line = f"the {said} columns are left out to fit the width: COLUMNS={need} shows them"
    return Text(line, style="dim")


def _table(
    columns: list[Column],
    rows: list[list[Cell]],
    kept: list[int],
    widths: Optional[list[int]],
    title: Optional[str],
    caption: Optional[str],
    show_footer: bool,
    box: Optional[Box] = None,
    pad_edge: bool = True,
) -> Table:
    looks: dict = {"pad_edge": pad_edge} if box is None else {"box": box, "pad_edge": pad_edge}
    table = Table(title=title, title_justify="left", show_footer=show_footer, **looks)
    for n, i in enumerate(kept):
        column = columns[i]
        table.add_column(
            column.header,
            footer=column.footer,
            justify=column.justify,  # type: ignore[arg-type]
            style=column.style,
            no_wrap=column.kind == "keep",
            min_width=column.min_width,
            width=None if widths is None else widths[n],
        )
    for row in rows:
        table.add_row(*(row[i] for i in kept))
    if caption is not None:
        table.caption = caption
        table.caption_justify = "left"
    return table


def _stacked(
    columns: list[Column],
    rows: list[list[Cell]],
    width: int,
    title: Optional[str],
    caption: Optional[str],
    show_footer: bool,
) -> list[RenderableType]:
    """One block per row: the kept values packed whole, then each other column wrapped."""
    out: list[Text] = [Text(title, style="italic")] if title else []
    records = list(rows)
    if show_footer:
        records.append([c.footer for c in columns])
    for row in records:
        pieces = []
        for i, column in enumerate(columns):
            value = _plain(row[i])
            if column.kind == "keep" and value:
                pieces.append(value if not pieces else f"{column.header} {value}")
        out.append(Text("\n".join(pack(pieces, width))))
        for i, column in enumerate(columns):
            value = _plain(row[i])
            if column.kind != "keep" and value:
                parts = [f"  {column.header}:", *value.split()]
                out.append(Text("\n".join(pack(parts, width, indent="    ", sep=" "))))
    if caption is not None:
        out.append(Text(caption))
    return [Text("\n").join(out)]


def fields(rows: list[tuple[str, str]], width: int, *, indent: str = "", gap: int = 2) -> list[str]:
    """A listing of ``key  value`` lines, the values wrapped at spaces in a column of their own.

    A value with a word (a path, a URL) too wide for its column beside the keys goes on its own
    lines under its key, indented by two more spaces: the word is never cut or split.
    """
    key_width = max((cell_len(key) for key, _ in rows), default=0)
    column = width - cell_len(indent) - key_width - gap
    lines: list[str] = []
    for key, value in rows:
        head = f"{indent}{key}{' ' * (key_width - cell_len(key) + gap)}"
        if longest_word(value) <= column:
            wrapped = wrap(value, column).split("\n")
            lines.append((head + wrapped[0]).rstrip())
            lines.extend((" " * cell_len(head) + more).rstrip() for more in wrapped[1:])
        else:
            lines.append(f"{indent}{key}")
            below = indent + "  "
            for more in wrap(value, max(1, width - cell_len(below))).split("\n"):
                lines.append((below + more).rstrip())
    return lines

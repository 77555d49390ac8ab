"""Save what a command printed as SVG or HTML, colours included, for slides and notes."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.text import Text

from rnncli.atomic import atomic_write

#: Fixed width of saved pictures, so the same command gives the same file on every terminal.
EXPORT_WIDTH = 100


def export(draw: Callable[[Console], None], path: Path, title: str) -> Path:
    """Draw into a recording console with full colour, then write ``path`` (.svg or .html).

    The picture is drawn again rather than captured from stdout: stdout may be a pipe without
    colour, and the file should have colour whatever the terminal.
    """
    import io

    console = Console(
        file=io.StringIO(),
        record=True,
        width=EXPORT_WIDTH,
        force_terminal=True,
        color_system="truecolor",
        no_color=False,
    )
    draw(console)
    if path.suffix.lower() == ".svg":
        content = console.export_svg(title=title)
    else:
        content = console.export_html(inline_styles=True)
    with atomic_write(path) as handle:
        handle.write(content)
    return path


def saved(message: str, console: Console) -> None:
    """The "saved ... to FILE" line of ``inspect --save`` and ``embed --out``: a diagnostic, so
    on the stderr console it is given; the path as typed (never read as markup) and on one line
    for grep."""
    console.print(Text(message), soft_wrap=True)

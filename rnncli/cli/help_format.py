"""How `--help` looks: click's plain help layout, sectioned like typer's panels, at any width.

typer's rich help draws options in a table that cuts option names (``--nonlineari…``) and splits
choice lists (``<rnn|lstm|gr`` / ``u>``) in a narrow terminal, keeps the source's line breaks
in descriptions, and on typer 0.29 shows its type names (``<list[str]>``, ``<int range>``, a
``<bool>`` beside every flag). rnncli asks typer for click's plain layout instead
(``rich_markup_mode=None``, typer's public switch; and draws it itself through click's
``format_help`` steps, since typer before 0.13 ignores the switch): each option's names and
placeholder on one
line, whole (the description moves to the next line when they are long), descriptions reflowed
to the terminal's width. Every option declares its placeholder (``N``, ``FILE``,
``[rnn|lstm|gru]``), so help reads the same on every typer release.

All through click's and typer's public classes and hooks: :class:`SectionedCommand` (every
command's ``cls``) keeps ``inspect``'s groups of options (typer's ``rich_help_panel``) as
sections, :class:`HelpGroup` lists commands with their first sentence whole, and both format
with :class:`HelpFormatter` (the ``formatter_class`` of their context), which wraps text without
breaking a word.
"""

from __future__ import annotations

import re
import textwrap
from enum import Enum
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

#: The widest help: past it lines grow too long to read (click's own default stops at 80).
MAX_HELP_WIDTH = 120
#: Context settings for the root app; child contexts inherit them.
CONTEXT_SETTINGS: dict[str, Any] = {
    "help_option_names": ["-h", "--help"],
    "max_content_width": MAX_HELP_WIDTH,
}


def choices(enum: type[Enum]) -> str:
    """The placeholder of a choice option: ``[rnn|lstm|gru]``, click's classic form."""
    return "[" + "|".join(str(member.value) for member in enum) + "]"


#: Short spans kept on one line: ``[default: 10]``, a command in backticks, a size (``16 MB``).
_KEEP_TOGETHER = re.compile(r"\[[^\[\]\n]{1,28}\]|`[^`\n]{1,28}`|\b\d[\d,.]* [KMGT]B\b")
_GLUE = "\ue000"  # a private-use character: joins the words of such a span while wrapping


def reflow(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` as lines of at most ``width`` (indent included) wherever words allow: paragraphs
    (blank-line separated) reflowed, words never broken, not even at a hyphen, so
    ``--min-freq`` or ``clip_grad_norm_(max_norm=N)`` stays whole (a word longer than the line
    overflows it rather than being cut); ``[default: 10]``, short `code` and a size such as
    ``16 MB`` stay on one line."""
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        words = " ".join(paragraph.split())
        words = _KEEP_TOGETHER.sub(lambda m: m.group(0).replace(" ", _GLUE), words)
        if not words:
            continue
        if lines:
            lines.append("")
        wrapped = textwrap.wrap(
            words,
            max(width, len(indent) + 1),
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines.extend(line.replace(_GLUE, " ") for line in wrapped)
    return lines


class HelpFormatter(typer.Context.formatter_class):  # type: ignore[misc, name-defined]
    """click's help formatter, wrapping text without breaking words (:func:`reflow`)."""

    def write_text(self, text: str) -> None:
        for line in reflow(text, self.width, " " * self.current_indent):
            self.write(f"{line}\n" if line else "\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(str(first), str(second)) for first, second in rows]
        if not rows:
            return
        first_col = min(max(len(first) for first, _ in rows), col_max) + col_spacing
        indent = " " * self.current_indent
        text_indent = " " * (self.current_indent + first_col)
        for first, second in rows:
            self.write(f"{indent}{first}")
            if not second:
                self.write("\n")
                continue
            if len(first) <= first_col - col_spacing:  # the text starts beside the names
                self.write(" " * (first_col - len(first)))
            else:  # names too long: the text goes below them, never the names cut
                self.write(f"\n{text_indent}")
            lines = reflow(second, max(self.width - len(text_indent), 20))
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{text_indent}{line}\n" if line else "\n")


class HelpContext(typer.Context):
    """typer's context, with :class:`HelpFormatter` for ``--help``."""

    formatter_class = HelpFormatter


def short_help(command: Any) -> str:
    """The first sentence of a command's help, whole: the line of the command list."""
    text = command.short_help or (command.help or "").split("\f")[0]
    first = " ".join(text.strip().split("\n\n")[0].split())
    sentence, dot, _ = first.partition(". ")
    return sentence + dot.strip() if dot else first


def argument_name(param: Any) -> str:
    """An argument's placeholder: its ``metavar`` (``FILE``), ``...`` once when it takes many."""
    name = param.metavar or param.human_readable_name.upper()
    if param.nargs == -1 and not name.endswith("..."):
        name += "..."
    return name


class HelpGroup(TyperGroup):
    """A typer group whose command list shows each command's first sentence whole (click cuts
    it with "..." to fit one line) and whose help uses :class:`HelpFormatter`."""

    context_class = HelpContext

    def list_commands(self, ctx: Any) -> list[str]:
        """In the order they were added (inspect first), on every typer (older ones sort)."""
        return list(self.commands)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        plain_help(self, ctx, formatter)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        format_sections(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, short_help(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class SectionedCommand(TyperCommand):
    """A command whose options are listed in sections named by their ``rich_help_panel``
    (arguments first, then options without a panel, then each panel in order of appearance).

    An argument shows its placeholder alone (``FILE``), as on every typer release.
    """

    context_class = HelpContext

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """``[OPTIONS] FILE...``: each argument by its placeholder, in brackets when optional
        (typer 0.29 writes ``{FILE...}...``)."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name != "argument":
                continue
            name = argument_name(param)
            pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_help(self, ctx: Any, formatter: Any) -> None:
        plain_help(self, ctx, formatter)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        format_sections(self, ctx, formatter)


def plain_help(command: Any, ctx: Any, formatter: Any) -> None:
    """click's help layout (``Command.format_help``), whatever typer would draw: typer before
    0.13 draws rich panels whenever rich is installed, even with ``rich_markup_mode=None``."""
    command.format_usage(ctx, formatter)
    command.format_help_text(ctx, formatter)
    command.format_options(ctx, formatter)
    command.format_epilog(ctx, formatter)


def format_sections(command: Any, ctx: Any, formatter: Any) -> None:
    """Arguments, then options in sections named by their ``rich_help_panel`` (``Options``
    for those without one), each in order of appearance."""
    arguments: list[tuple[str, str]] = []
    sections: dict[str, list[tuple[str, str]]] = {"Options": []}
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        if param.param_type_name == "argument":
            arguments.append((argument_name(param), record[1]))
            continue
        panel = getattr(param, "rich_help_panel", None) or "Options"
        sections.setdefault(panel, []).append(record)
    if arguments:
        with formatter.section("Arguments"):
            formatter.write_dl(arguments)
    for name, records in sections.items():
        if records:
            with formatter.section(name):
                formatter.write_dl(records)

"""Where output goes: results to stdout, diagnostics and progress to stderr, as the terminal allows.

An :class:`Environment` holds the two streams and what they are (a terminal or a pipe, the
width, the colours), read once from the process by :meth:`Environment.from_process` with rich's
own rules (``TTY_COMPATIBLE``, ``FORCE_COLOR``, ``NO_COLOR``, ``TERM=dumb``, ``COLORTERM``,
``COLUMNS``), so a console built from it prints what rich alone would. Tests build one by hand
(``Environment(stdout=StringIO(), stdout_terminal=True, width=60)``) and render the terminal and
the piped paths without patching anything, as httpie's ``Environment``.

JSON never goes through rich (it would wrap long lines and could colour a pipe):
:meth:`Environment.write_json` writes it raw. Neither this module nor a ``--json`` run imports
rich: consoles are built, and rich imported, only when something is drawn.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, TextIO

if TYPE_CHECKING:
    from rich.console import Console

#: rich's colour systems by the suffix of ``TERM`` (``xterm-256color``); anything else: standard.
_TERM_COLORS = {"kitty": "256", "256color": "256", "16color": "standard"}


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def _is_terminal(stream: Any, environ: Mapping[str, str]) -> bool:
    """Whether escape codes may go to ``stream``: rich's ``Console.is_terminal``, in its order."""
    tty_compatible = environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    force_color = environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color != ""
    return _isatty(stream)


@dataclass(frozen=True)
class Environment:
    """The output streams of one rnncli run and what they can show.

    ``width`` None: the terminal's own width, asked at each render (80 where there is none), as
    rich does. ``colors``: the colour system a terminal stream gets ("standard", "256",
    "truecolor", or "auto" to let rich ask Windows); a stream that is not a terminal, or a dumb
    one, gets none. ``no_color`` keeps styles such as bold and drops colour (``NO_COLOR``).
    """

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdout_terminal: bool = False
    stderr_terminal: bool = False
    width: Optional[int] = None
    height: Optional[int] = None
    colors: Optional[str] = "standard"
    no_color: bool = False
    dumb: bool = False

    @classmethod
    def from_process(
        cls,
        environ: Optional[Mapping[str, str]] = None,
        stdout: Optional[TextIO] = None,
        stderr: Optional[TextIO] = None,
    ) -> Environment:
        """The environment of this process now: ``sys.stdout``/``sys.stderr`` (a test runner
        may have swapped them) and the variables rich reads."""
        environ = os.environ if environ is None else environ
        stdout = sys.stdout if stdout is None else stdout
        stderr = sys.stderr if stderr is None else stderr
        columns, lines = environ.get("COLUMNS", ""), environ.get("LINES", "")
        if os.name == "nt":  # pragma: no cover - rich asks the Windows console itself
            colors = "auto"
        elif environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
            colors = "truecolor"
        else:
            suffix = environ.get("TERM", "").strip().lower().rpartition("-")[2]
            colors = _TERM_COLORS.get(suffix, "standard")
        return cls(
            stdout=stdout,
            stderr=stderr,
            stdout_terminal=_is_terminal(stdout, environ),
            stderr_terminal=_is_terminal(stderr, environ),
            width=int(columns) if columns.isdigit() else None,
            height=int(lines) if lines.isdigit() else None,
            colors=colors,
            no_color=environ.get("NO_COLOR", "") != "",
            dumb=environ.get("TERM", "").lower() in ("dumb", "unknown"),
        )

    def _console(self, file: TextIO, terminal: bool, **kwargs: Any) -> Console:
        from rich.console import Console

        options: dict[str, Any] = {
            "file": file,
            "force_terminal": terminal,
            "color_system": self.colors if terminal and not self.dumb else None,
            "no_color": self.no_color,
        }
        if self.width is not None:
            options["width"] = self.width
        if self.height is not None:
            options["height"] = self.height
        options.update(kwargs)
        return Console(**options)

    def stdout_console(self, **kwargs: Any) -> Console:
        """A console for results (rich keyword arguments override the environment's)."""
        return self._console(self.stdout, self.stdout_terminal, **kwargs)

    def stderr_console(self, **kwargs: Any) -> Console:
        """A console for diagnostics, warnings and progress bars."""
        return self._console(self.stderr, self.stderr_terminal, **kwargs)

    def warn(self, message: str) -> None:
        """One warning line on stderr, plain text so scripts can grep it."""
        self.stderr.write(f"rnncli: warning: {message}\n")
        self.stderr.flush()

    def write_json(self, data: Any) -> None:
        """One JSON object on stdout and nothing else."""
        self.stdout.write(json.dumps(data, ensure_ascii=False, allow_nan=False))
        self.stdout.write("\n")
        self.stdout.flush()


def debug_enabled() -> bool:
    """``RNNCLI_DEBUG=1`` shows tracebacks instead of one-line errors."""
    return os.environ.get("RNNCLI_DEBUG", "") not in ("", "0")

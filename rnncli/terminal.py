"""Where output goes: results to stdout, diagnostics and progress to stderr.

rich already colours only terminals and honours ``NO_COLOR``, ``FORCE_COLOR``, ``TERM=dumb`` and
``COLUMNS``; these helpers just make sure every command uses the right stream. JSON never goes
through rich (it would wrap long lines and could colour a pipe): :func:`write_json` writes it raw.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def stdout_console(**kwargs: Any) -> Console:
    """A console for results, bound to the current ``sys.stdout`` (test runners swap it).

    rich is imported here, not at module level: a ``--json`` run never loads it.
    """
    from rich.console import Console

    return Console(file=sys.stdout, **kwargs)


def stderr_console(**kwargs: Any) -> Console:
    """A console for diagnostics, warnings and progress bars."""
    from rich.console import Console

    return Console(file=sys.stderr, **kwargs)


def warn(message: str) -> None:
    """One warning line on stderr, plain text so scripts can grep it."""
    sys.stderr.write(f"rnncli: warning: {message}\n")
    sys.stderr.flush()


def write_json(data: Any) -> None:
    """Print one JSON object on stdout and nothing else."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, allow_nan=False))
    sys.stdout.write("\n")
    sys.stdout.flush()


def debug_enabled() -> bool:
    """``RNNCLI_DEBUG=1`` shows tracebacks instead of one-line errors."""
    return os.environ.get("RNNCLI_DEBUG", "") not in ("", "0")

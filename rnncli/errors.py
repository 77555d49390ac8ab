"""The two kinds of failure rnncli tells apart, and the exit codes the CLI maps them to.

A :class:`UsageError` is the user's mistake (exit 2): the message names the option and what is
allowed. An :class:`RnncliError` is a failure the user did not cause by a typo (exit 1).
Library callers catch these like any exception; the CLI turns them into one line on stderr.
"""

from __future__ import annotations

from typing import Optional


class RnncliError(Exception):
    """A failure that is not a usage mistake: exit code 1."""

    exit_code = 1


class UsageError(RnncliError):
    """A value the user gave is not allowed: exit code 2.

    ``option`` names the option (``--hidden``) so the message can point at it.
    """

    exit_code = 2

    def __init__(self, message: str, option: Optional[str] = None) -> None:
        self.option = option
        super().__init__(f"{option}: {message}" if option else message)

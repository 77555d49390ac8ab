"""Every help text written in the code reaches `--help` whole.

typer renders help as rich markup, so "[batch, seq, feature]" or "[default: 10]" in a help
string was read as a style tag and vanished. Each command's --help is rendered wide (no
wrapping) and must contain every parameter's help and the command's description, whitespace
normalised and with the markup escapes (``\\[``) read as the bracket they stand for.
"""

from __future__ import annotations

import inspect

import pytest
import typer.main
from helpers.cli import command_paths, invoke
from typer.testing import CliRunner

from rnncli.cli.app import app


def _command(path):
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


def _plain(text: str) -> str:
    """What rich shows for a help string: escapes resolved, runs of whitespace as one space."""
    return " ".join(text.replace("\\[", "[").split())


@pytest.fixture
def wide(monkeypatch):
    import typer.rich_utils

    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", 2000)
    monkeypatch.setenv("COLUMNS", "2000")


PATHS = [(), *sorted(command_paths())]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "root")
def test_help_shows_every_parameter_help_whole(path, wide):
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.stderr
    shown = _plain(result.stdout)
    command = _command(path)
    helps = [
        (param.name, param.help)
        for param in command.params
        if getattr(param, "help", None) and not getattr(param, "hidden", False)
    ]
    assert helps or hasattr(command, "commands"), "a command without parameter help"
    for name, text in helps:
        assert _plain(text) in shown, f"--help of {' '.join(path)} lost part of {name}'s help"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "root")
def test_help_shows_the_command_description_whole(path, wide):
    result = invoke(*path, "--help")
    shown = _plain(result.stdout)
    description = inspect.cleandoc(_command(path).help or "").partition("\f")[0]
    for paragraph in description.split("\n\n"):
        assert _plain(paragraph) in shown, f"--help of {' '.join(path)} lost: {paragraph!r}"


def test_the_check_sees_a_lost_bracket(wide):
    """The comparison itself: an unescaped tag-like bracket does vanish from the output."""
    probe = typer.Typer()

    @probe.command()
    def main(x: int = typer.Option(1, help="As [batch, seq].")) -> None:
        """Shapes."""

    result = CliRunner().invoke(probe, ["--help"])
    assert "As ." in _plain(result.stdout) and _plain("As [batch, seq].") not in result.stdout

"""Help and completion must stay instant: no torch, numpy or torchnlp on the way."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO

from rnncli.cli.app import app

HEAVY = ("torch", "numpy", "torchnlp", "pyarrow")

PROBE = """
import sys
from rnncli.cli.app import app
try:
    app(args=sys.argv[1:], prog_name="rnncli")
except SystemExit:
    pass
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
"""


def _commands(group=None, prefix=()):
    """Every command path of the app, e.g. ('glove', 'fetch')."""
    import typer.main

    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        path = (*prefix, name)
        yield path
        if hasattr(command, "commands"):
            yield from _commands(command, path)


@pytest.mark.parametrize("path", [(), *sorted(_commands())], ids=lambda p: " ".join(p) or "root")
def test_help_imports_nothing_heavy(path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *path, "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert "Usage" in result.stdout
    assert "HEAVY:\n" in result.stderr, result.stderr


@pytest.mark.parametrize("path", sorted(_commands()), ids=" ".join)
def test_every_command_has_help_text(path):
    import typer.main

    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    assert command.help and len(command.help.strip()) > 10, path


@pytest.mark.parametrize("path", sorted(_commands()), ids=" ".join)
def test_every_command_is_in_the_readme(path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "rnncli " + " ".join(path) in readme, f"README has no example of rnncli {' '.join(path)}"

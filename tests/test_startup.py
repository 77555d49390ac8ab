"""Help and completion must stay instant: no torch, numpy or torchnlp on the way."""

from __future__ import annotations

import pytest
from helpers.cli import REPO, command_paths, imported_modules

from rnncli.cli.app import app

HEAVY = {"torch", "numpy", "torchnlp", "pyarrow"}


@pytest.mark.parametrize(
    "path", [(), *sorted(command_paths())], ids=lambda p: " ".join(p) or "root"
)
def test_help_imports_nothing_heavy(path, tmp_path):
    assert not imported_modules([*path, "--help"], tmp_path=tmp_path) & HEAVY


def test_the_probe_sees_torch_when_a_command_needs_it(tmp_path):
    assert "torch" in imported_modules(["inspect", "--json"], tmp_path=tmp_path)


@pytest.mark.parametrize("path", sorted(command_paths()), ids=" ".join)
def test_every_command_has_help_text(path):
    import typer.main

    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    assert command.help and len(command.help.strip()) > 10, path


@pytest.mark.parametrize("path", sorted(command_paths()), ids=" ".join)
def test_every_command_is_in_the_readme(path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "rnncli " + " ".join(path) in readme, f"README has no example of rnncli {' '.join(path)}"

"""Every help text written in the code reaches `--help` whole, and reads well at any width.

typer's rich help once read "[batch, seq, feature]" in a help string as a style tag and dropped
it; rnncli now uses click's plain layout (rnncli.cli.help_format). Each command's --help must
contain every parameter's help and the command's description, whitespace normalised. At 60, 80
and 120 columns: no typer type names (``<bool>``, ``<list[str]>``, ``<int range>``), every option
name and choice list whole on one line, nothing cut with an ellipsis, one placeholder style
(``N``, ``FILE``, ``[a|b]``), and no line wider than the terminal.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys

import pytest
import typer.main
from helpers.cli import REPO, command_paths, invoke
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
    monkeypatch.setenv("COLUMNS", "2000")  # help stops at MAX_HELP_WIDTH; the check ignores wraps


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


WIDTHS = (60, 80, 120)

#: Renders every --help at every width in one fresh interpreter, as a terminal of COLUMNS would
#: (typer's test runner forces 80 columns).
_RENDER_ALL = """
import contextlib, io, json, os, sys
from rnncli.cli.app import app
shown = {}
for key in json.loads(sys.argv[1]):
    path, width = key.rsplit("@", 1)
    os.environ["COLUMNS"] = width
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            app(args=[*path.split(), "--help"], prog_name="rnncli")
        except SystemExit as exc:
            assert not exc.code, (key, exc.code)
    shown[key] = out.getvalue()
sys.stdout.write(json.dumps(shown))
"""


@pytest.fixture(scope="module")
def rendered() -> dict:
    keys = [f"{' '.join(path)}@{width}" for path in PATHS for width in WIDTHS]
    result = subprocess.run(
        [sys.executable, "-c", _RENDER_ALL, json.dumps(keys)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _help_at(path, width, rendered) -> str:
    return rendered[f"{' '.join(path)}@{width}"]


def _options(path):
    command = _command(path)
    return [p for p in command.params if p.param_type_name == "option" and not p.hidden]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "root")
def test_help_has_no_type_leaks_or_cuts(path, width, rendered):
    shown = _help_at(path, width, rendered)
    for leak in ("<bool>", "<list[", "range>", "<int>", "<str>", "<path>", "<float>", "…"):
        assert leak not in shown, f"--help of {' '.join(path)} at {width} shows {leak!r}"
    for line in shown.splitlines():
        assert len(line) <= width, f"--help of {' '.join(path)} at {width}: {line!r}"
        # click cuts a command's sentence with "..."; placeholders (WORD...) end in it legitimately
        assert not re.search(r"[a-z,]\.\.\.$", line), f"cut at {width}: {line!r}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "root")
def test_option_names_and_choice_lists_stay_whole(path, width, rendered):
    shown = _help_at(path, width, rendered)
    lines = shown.splitlines()
    for param in _options(path):
        for name in [*param.opts, *param.secondary_opts]:
            pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
            assert any(pattern.search(line) for line in lines), (
                f"{name} is not whole on one line of --help of {' '.join(path)} at {width}"
            )
        if param.metavar and param.metavar.startswith("["):
            assert any(param.metavar in line for line in lines), (
                f"{param.metavar} split in --help of {' '.join(path)} at {width}"
            )


#: One placeholder style: an upper-case word (N, FILE, WORD...) or a choice list [a|b].
PLACEHOLDER = re.compile(r"[A-Z][A-Z0-9_]*(\.\.\.)?|\[[a-z0-9]+(\|[a-z0-9]+)+\]")


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "root")
def test_one_placeholder_style(path, rendered):
    command = _command(path)
    for param in command.params:
        if getattr(param, "hidden", False):
            continue
        takes_value = param.param_type_name == "argument" or not getattr(param, "is_flag", False)
        if param.param_type_name == "option" and getattr(param, "is_bool_flag", False):
            takes_value = False
        if not takes_value or param.name in ("help",):
            continue
        assert param.metavar and PLACEHOLDER.fullmatch(param.metavar), (
            f"{' '.join(path)} {param.name}: placeholder {param.metavar!r}"
        )
    usage = _help_at(path, 80, rendered).splitlines()[0]
    assert "{" not in usage and "...]..." not in usage and "......" not in usage, usage


def test_descriptions_are_reflowed_not_hard_wrapped(rendered):
    """The docstring's line breaks do not survive: a paragraph fills the terminal's width."""
    shown = _help_at(("inspect",), 120, rendered)
    assert (
        "With --text, real sentences go through an embedding first, and a step-by-step trace"
        in (" ".join(shown.split()))
    )
    first = next(line for line in shown.splitlines() if "Defaults reproduce" in line)
    assert len(first) > 100  # filled to the width, not broken where the source broke it


def test_a_flag_takes_no_placeholder(rendered):
    shown = _help_at(("inspect",), 80, rendered)
    assert re.search(r"^  --verify +Recompute", shown, re.M)
    assert re.search(r"^  --bias / --no-bias +Use", shown, re.M)


def test_defaults_and_short_commands_stay_on_one_line(rendered):
    """``[default: 20]`` or `rnncli vocab build` is never split between two lines."""
    for width in WIDTHS:
        shown = _help_at(("inspect",), width, rendered)
        lines = shown.splitlines()
        assert any("[default: 20]" in line for line in lines), width
        assert any("`rnncli vocab build`" in line for line in lines), width


def test_a_size_stays_on_one_line(rendered):
    """``16 MB`` in ``--jobs``'s help is never split into ``16`` and ``MB``."""
    for width in WIDTHS:
        for command in (("vocab", "build"), ("glove", "fetch")):
            lines = _help_at(command, width, rendered).splitlines()
            assert any("16 MB" in line for line in lines), (command, width)

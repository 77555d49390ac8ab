"""One output environment for every command: the terminal and the piped paths, without patching.

A test hands the app its own :class:`~rnncli.terminal.Environment` (streams, terminal or not,
width, colours) through the click context; :meth:`Environment.from_process` must give consoles
that print exactly what rich alone would print for the same variables and streams.
"""

from __future__ import annotations

import io
import json
import os
import re

import pytest
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from rnncli.cli.app import app
from rnncli.cli.output import emit, environment
from rnncli.terminal import Environment

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _terminal(width: int = 60) -> Environment:
    return Environment(
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stdout_terminal=True,
        stderr_terminal=True,
        width=width,
        height=25,
        colors="truecolor",
    )


def _pipe(width: int = 80) -> Environment:
    return Environment(stdout=io.StringIO(), stderr=io.StringIO(), width=width, height=25)


def _lines(text: str) -> list[str]:
    return ANSI.sub("", text).splitlines()


def test_a_command_draws_for_a_terminal_in_colour_at_its_width():
    env = _terminal(60)
    result = CliRunner().invoke(app, ["glove", "list"], obj=env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""  # everything went to the environment's stream
    drawn = env.stdout.getvalue()
    assert "\x1b[" in drawn  # colour, though NO_COLOR=1 is set for the test process
    assert max(len(line) for line in _lines(drawn)) == 60
    assert "6B.50d" in drawn and "twitter.27B.200d" in ANSI.sub("", drawn)


def test_a_command_draws_for_a_pipe_without_colour_as_the_process_would():
    env = _pipe(80)
    result = CliRunner().invoke(app, ["glove", "list"], obj=env)
    assert result.exit_code == 0 and result.stdout == ""
    piped = env.stdout.getvalue()
    assert "\x1b" not in piped and max(len(line) for line in piped.splitlines()) <= 80
    # The same command, its environment read from the process (a pipe, COLUMNS=80): same bytes.
    from_process = CliRunner().invoke(app, ["glove", "list"], env={"COLUMNS": "80"})
    assert from_process.stdout == piped


def test_the_same_command_differs_only_in_width_and_colour():
    terminal, pipe = _terminal(80), _pipe(80)
    for env in (terminal, pipe):
        assert CliRunner().invoke(app, ["glove", "list"], obj=env).exit_code == 0
    assert ANSI.sub("", terminal.stdout.getvalue()) == pipe.stdout.getvalue()


def test_json_and_warnings_go_to_the_environment_streams(tmp_path):
    from helpers.glove_files import make_glove_text_set

    make_glove_text_set(tmp_path, {"king": [1.0, 0.5], "queen": [0.9, 0.6]})
    env = _terminal()
    args = ["glove", "vector", "king", "prince", "--json", "--cache-dir", str(tmp_path)]
    result = CliRunner().invoke(app, args, obj=env)
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
    data = json.loads(env.stdout.getvalue())  # raw JSON, never coloured on a terminal
    assert data["missing"] == ["prince"]
    assert env.stderr.getvalue() == "rnncli: warning: not in GloVe 6B.50d: prince\n"


class _Report:
    def to_dict(self):
        return {"b": 2, "a": [1.5, "é"]}


def _draw(report, console, suffix=""):
    console.print("drawn" + suffix)


def test_emit_writes_json_raw_or_calls_the_renderer():
    env = _pipe()
    emit(_Report(), _draw, True, env)
    emit(_Report(), _draw, True, env, data={"only": 1})
    emit(_Report(), _draw, False, env, suffix="!")
    emit(_Report(), "tests.test_output_environment:_draw", False, env)
    assert env.stdout.getvalue() == '{"b": 2, "a": [1.5, "é"]}\n{"only": 1}\ndrawn!\ndrawn\n'


def test_environment_comes_from_the_context_or_the_process():
    env = _pipe()

    class Ctx:
        def __init__(self, obj, parent=None):
            self.obj, self.parent = obj, parent

    assert environment(Ctx(None, Ctx(env))) is env
    fresh = environment(None)
    assert isinstance(fresh, Environment) and fresh is not env


def test_the_progress_bar_draws_on_a_terminal_stderr_only():
    from rnncli.render.progress import ByteProgress

    for env, drawn in ((_terminal(), True), (_pipe(), False)):
        with ByteProgress(env, "{task.description:<8}", time_left=True) as bar:
            bar.update("download", 512, 1024)
            bar.update("download", 1024, 1024)
            bar.update("parse", 10, None, "parse")
        assert bar.enabled is drawn
        assert ("download" in env.stderr.getvalue()) is drawn
        assert env.stdout.getvalue() == ""


# --- Environment.from_process against rich's own detection --------------------------------

VARIABLES = ("NO_COLOR", "FORCE_COLOR", "TERM", "COLORTERM", "COLUMNS", "LINES", "TTY_COMPATIBLE")
SETTINGS = [
    {},
    {"NO_COLOR": "1"},
    {"FORCE_COLOR": "1"},
    {"FORCE_COLOR": ""},
    {"TERM": "dumb"},
    {"TERM": "unknown", "COLUMNS": "100"},
    {"TERM": "xterm-256color"},
    {"TERM": "xterm-kitty"},
    {"TERM": "xterm-16color", "NO_COLOR": "1", "FORCE_COLOR": "1"},
    {"COLORTERM": "truecolor"},
    {"COLORTERM": "24bit", "TERM": "dumb", "FORCE_COLOR": "1"},
    {"COLUMNS": "57", "LINES": "30"},
    {"COLUMNS": "wide"},
    {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"},
    {"TTY_COMPATIBLE": "1"},
]


def _sample(console: Console) -> str:
    """What ``console`` prints for a coloured, wrapping table and a link, captured."""
    with console.capture() as captured:
        _draw_sample(console)
    return re.sub(r"id=\d+;", "id=N;", captured.get())  # a link's id is random


def _draw_sample(console: Console) -> None:
    table = Table(title="[bold]sets[/bold]")
    table.add_column("name", style="cyan")
    table.add_column("size", justify="right", style="green")
    table.add_row("6B.50d", "[red]171,350,079[/red] bytes, a long cell that has to wrap somewhere")
    console.print(table)
    console.print("[bold magenta]done[/] [link=https://example.org]link[/link]")


@pytest.fixture
def tty():
    """A real terminal (a pseudo-terminal) to write to."""
    leader, follower = os.openpty()
    stream = open(follower, "w", encoding="utf-8")  # noqa: SIM115
    yield stream
    stream.close()
    os.close(leader)


def _id(settings: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in settings.items()) or "none"


@pytest.mark.parametrize("settings", SETTINGS, ids=_id)
@pytest.mark.parametrize("stream", ["pipe", "tty"])
def test_consoles_from_the_process_decide_as_rich_does(settings, stream, monkeypatch, tty):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    file = tty if stream == "tty" else io.StringIO()
    ours = Environment.from_process(stdout=file, stderr=file).stdout_console()
    riches = Console(file=file)
    for fact in ("is_terminal", "color_system", "no_color", "is_dumb_terminal", "size"):
        assert getattr(ours, fact) == getattr(riches, fact), fact
    assert ours.is_interactive == riches.is_interactive
    if not settings:  # the plain cases: a terminal in colour, a pipe without
        assert ours.is_terminal is (stream == "tty") is (ours.color_system is not None)
    assert _sample(ours) == _sample(riches)  # the bytes themselves

"""Running rnncli in tests: in-process through typer's runner, or as a user's shell would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

REPO = Path(__file__).resolve().parent.parent.parent

_runner = CliRunner()


def invoke(*args: str, input: str | None = None, check: bool = False) -> Result:
    """Run ``rnncli ARGS`` in this process through typer's runner (stdout and stderr apart).

    ``check=True`` asserts the exit code is 0 and shows both streams when it is not.
    """
    from rnncli.cli.app import app

    result = _runner.invoke(app, list(args), input=input)
    if check:
        assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def run_rnncli(*args: str, input: str | None = None, env: dict | None = None, timeout: float = 120):
    """Run the real entry point (`python -m rnncli`) in a subprocess, as a user's shell would."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "rnncli", *args],
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=REPO,
    )


_PROBE = """
import json, sys
from rnncli.cli.app import app
commands, report = json.loads(sys.argv[1]), sys.argv[2]
for args in commands:
    try:
        app(args=args, prog_name="rnncli")
    except SystemExit as exc:
        if exc.code:
            raise SystemExit(f"rnncli {' '.join(args)} exited with {exc.code}")
with open(report, "w") as handle:
    json.dump(sorted({name.split(".")[0] for name in sys.modules}), handle)
"""


def imported_modules(*commands: list[str], tmp_path: Path) -> set[str]:
    """Run rnncli commands in one fresh interpreter; the top-level modules it ended up importing.

    Proves what start-up costs: e.g. that help, vocab or GloVe queries never import torch.
    """
    report = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps([list(c) for c in commands]), str(report)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(report.read_text()))


def command_paths(group=None, prefix: tuple[str, ...] = ()):
    """Every command path of the rnncli app, e.g. ('glove', 'fetch'); groups before their own."""
    import typer.main

    from rnncli.cli.app import app

    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        path = (*prefix, name)
        yield path
        if hasattr(command, "commands"):
            yield from command_paths(command, path)

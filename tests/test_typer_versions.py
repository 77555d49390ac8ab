"""rnncli's CLI works on the oldest typer pyproject allows and on both ends of the range where
`rnncli.cli.coercion` uses typer's private coercion hook (its TESTED_TYPER), and on the newest.

Each typer goes into its own folder with `pip install --target` (its own click, rich, pydantic
as that release wants them; torch is not needed: help, option errors and the GloVe and
vocabulary commands never import it) and runs in front of everything else on PYTHONPATH. The
test skips, saying why, where PyPI cannot be reached.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.cli import REPO

from rnncli.cli.coercion import TESTED_TYPER

LOW, HIGH = TESTED_TYPER
#: (what to install, whether the coercion hook must be on there)
RELEASES = {
    # The oldest typer pyproject accepts, with a click of its day: typer < 0.16 fails on
    # click >= 8.2 by itself (typer's bug, not rnncli's); no pydantic, so no hook.
    "oldest": (["typer==0.12.0", "click<8.2"], False),
    "hook-oldest": ([f"typer=={LOW[0]}.{LOW[1]}.0"], True),
    "hook-newest": ([f"typer>={LOW[0]}.{LOW[1]},<{HIGH[0]}.{HIGH[1]}"], True),
    "newest": (["typer"], None),  # on whether the newest release is still in the tested range
}

_PROBE = """
import json, sys
from rnncli.cli.app import app
from rnncli.cli import coercion
import typer
try:
    app(args=sys.argv[1:], prog_name="rnncli")
except SystemExit as exc:
    code = exc.code
sys.stderr.write(json.dumps({"code": code, "typer": typer.__file__, "version": typer.__version__,
    "hook": coercion.hook_supported(), "pydantic": "pydantic" in sys.modules}) + "\\n")
"""


@pytest.fixture(scope="module")
def installs(tmp_path_factory):
    return tmp_path_factory.mktemp("typers")


def _install(root: Path, name: str, requirements: list[str]) -> Path:
    target = root / name
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
            "--timeout",
            "15",
            "--target",
            str(target),
            *requirements,
            "platformdirs",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        pytest.skip(f"cannot install {' '.join(requirements)} from PyPI: {lines[-1:]}")
    return target


def _run(target: Path, *args: str, probe: bool = False, cwd: Path = REPO, env=None):
    env = dict(os.environ, **(env or {}), PYTHONPATH=os.pathsep.join([str(target), str(REPO)]))
    command = ["-c", _PROBE] if probe else ["-m", "rnncli"]
    return subprocess.run(
        [sys.executable, *command, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=cwd,
    )


@pytest.mark.parametrize("release", list(RELEASES))
def test_the_cli_works_on_this_typer(release, installs, tmp_path):
    requirements, hooked = RELEASES[release]
    target = _install(installs, release, requirements)

    probe = _run(target, "glove", "list", "--json", probe=True)
    facts = json.loads(probe.stderr.strip().splitlines()[-1])
    assert facts["typer"].startswith(str(target)), facts  # this typer, not the project's
    assert facts["code"] in (0, None), probe.stderr
    if hooked is not None:
        assert facts["hook"] is hooked, facts
    if facts["hook"]:  # the fast coercion is what spares the pydantic import
        assert facts["pydantic"] is False, facts

    help_text = _run(target, "--help")
    assert help_text.returncode == 0 and "glove" in help_text.stdout and "vocab" in help_text.stdout
    inspect_help = _run(target, "inspect", "--help", env={"COLUMNS": "80"})
    assert inspect_help.returncode == 0, inspect_help.stderr
    shown = inspect_help.stdout  # one help style whatever typer's own: rnncli.cli.help_format
    assert "--cell [rnn|lstm|gru]" in shown and "--hidden N " in shown and "--save FILE" in shown
    assert "Model (torch constructor arguments):" in shown
    for leak in ("<bool>", "<int", "<list[", "INTEGER", "BOOLEAN", "…"):
        assert leak not in shown, (release, leak)
    zsh = _run(target, "--show-completion", "zsh", env={"SHELL": "/bin/bash"})
    assert zsh.returncode == 0 and "compdef" in zsh.stdout, zsh.stderr
    bare = _run(target, "glove")  # no command: the group's help, exit 0
    assert bare.returncode == 0 and "neighbors" in bare.stdout, bare.stderr

    wrong = _run(target, "glove", "neighbors", "king", "-k", "0")
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert wrong.stderr.startswith("rnncli: error: Invalid value for '-k'"), wrong.stderr
    assert wrong.stderr.count("\n") == 1, wrong.stderr
    choice = _run(target, "vocab", "build", "-", "--tokenizer", "spaces")
    assert choice.returncode == 2 and "--tokenizer" in choice.stderr, choice.stderr

    (tmp_path / "corpus.txt").write_text("the cat sat on the mat\n", encoding="utf-8")
    out = tmp_path / "vocab.json"
    built = _run(target, "vocab", "build", "corpus.txt", "--out", str(out), "--json", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["size"] == 7  # <pad>, <unk>, the, cat, sat, on, mat
    shown = _run(target, "vocab", "show", str(out), "--top", "2")
    assert shown.returncode == 0 and "the" in shown.stdout, shown.stderr

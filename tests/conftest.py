"""Shared fixtures: every test gets its own cache folder and a fixed, colourless terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
):
    """No test reads or writes the user's real cache, and output has a fixed width and no colour."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("RNNCLI_CACHE_DIR", str(cache))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("RNNCLI_DEBUG", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return cache


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


def model_specs(max_layers: int = 3):
    """A hypothesis strategy: ModelSpecs over every torch option, small sizes, any cell."""
    from hypothesis import strategies as st

    from rnncli.rnn.spec import ModelSpec

    @st.composite
    def specs(draw):
        cell = draw(st.sampled_from(["rnn", "lstm", "gru"]))
        hidden = draw(st.integers(2, 7))
        return ModelSpec(
            cell=cell,
            input_size=draw(st.integers(1, 6)),
            hidden_size=hidden,
            num_layers=draw(st.integers(1, max_layers)),
            batch_first=draw(st.booleans()),
            bidirectional=draw(st.booleans()),
            proj_size=draw(st.integers(0, hidden - 1)) if cell == "lstm" else 0,
            bias=draw(st.booleans()),
        )

    return specs()


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


def make_glove_text_set(cache_dir: Path, vectors: dict, name: str = "6B.50d") -> Path:
    """Import a tiny GloVe set, written in GloVe's text format, into ``cache_dir``."""
    import io

    from rnncli.glove.set_import import import_text

    dim = len(next(iter(vectors.values())))
    lines = "".join(f"{w} {' '.join(str(x) for x in v)}\n" for w, v in vectors.items())
    import_text(name, io.BytesIO(lines.encode()), cache_dir, dim=dim)
    return cache_dir


@pytest.fixture
def rnncli_process():
    """The subprocess runner, as a fixture for tests that prefer injection."""
    return run_rnncli

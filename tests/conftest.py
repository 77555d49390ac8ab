"""Shared fixtures: every test gets its own cache folder and a fixed, colourless terminal."""

from __future__ import annotations

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


@pytest.fixture
def rnncli_process():
    """The subprocess runner, as a fixture for tests that prefer injection."""
    return run_rnncli

"""Fixtures every test gets: its own cache folder, a fixed colourless terminal, local network only.

Plain helpers (the CLI runners, tiny GloVe files, the local HTTP server, hypothesis strategies)
live in ``tests/helpers``; the fixtures built on them are here, so no test module imports
another.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers.glove_server import GloveServer, closed_port_url
from helpers.network import block_remote_hosts
from hypothesis import settings

from rnncli.glove.sources import MIRRORS_ENV

# `make test` (the CI gate) replays the same examples every run: a case hypothesis happens to
# find for the first time must not fail an unrelated change. A plain `pytest` run explores new
# random examples each time, and remembers its failures in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test reads or writes the user's real cache, and output has a fixed width and no colour."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("RNNCLI_CACHE_DIR", str(cache))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("RNNCLI_DEBUG", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return cache


@pytest.fixture
def cache_dir(_isolated_environment: Path) -> Path:
    """This test's own cache folder, the one ``$RNNCLI_CACHE_DIR`` names."""
    return _isolated_environment


@pytest.fixture(autouse=True)
def _local_network_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches past 127.0.0.1: not in this process, not in the processes it starts.

    In process, lookups of and connections to other hosts raise ``helpers.network.NetworkBlocked``.
    For subprocesses, the GloVe mirrors point at a closed local port and proxies are unset.
    """
    monkeypatch.setenv(MIRRORS_ENV, closed_port_url())
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")

    block_remote_hosts(monkeypatch)


@pytest.fixture
def glove_server():
    """A :class:`~helpers.glove_server.GloveServer` on 127.0.0.1, shut down after the test."""
    server = GloveServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden`` rewrites tests/golden/*.out and the README's console blocks from
    what rnncli prints now, instead of comparing (review the diff before committing)."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden outputs and README console blocks instead of checking them",
    )

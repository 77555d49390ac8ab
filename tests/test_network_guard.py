"""The suite-wide network guard (conftest's autouse ``_local_network_only``) in a module that
imports nothing from the download tests: no test can reach a real host, local servers work."""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request

import pytest
from helpers.network import NetworkBlocked, is_local

from rnncli.glove.sources import MIRRORS_ENV


def test_lookups_of_other_hosts_are_blocked():
    with pytest.raises(NetworkBlocked, match=r"huggingface\.co"):
        urllib.request.urlopen("https://huggingface.co/stanfordnlp/glove", timeout=1)


@pytest.mark.parametrize("address", [("192.0.2.1", 80), ("8.8.8.8", 53)])
def test_connections_to_other_addresses_are_blocked(address):
    with socket.socket() as sock, pytest.raises(NetworkBlocked):
        sock.connect(address)
    with socket.socket() as sock, pytest.raises(NetworkBlocked):
        sock.connect_ex(address)


def test_the_local_server_is_reachable(glove_server):
    glove_server.files["/m1/a.txt"] = b"hello"
    with urllib.request.urlopen(f"{glove_server.url()}/a.txt", timeout=5) as response:
        assert response.read() == b"hello"


def test_subprocesses_get_a_closed_local_mirror_and_no_proxy():
    mirror = os.environ[MIRRORS_ENV]
    assert mirror.startswith("http://127.0.0.1:")
    with pytest.raises(urllib.error.URLError):  # refused: nothing listens there
        urllib.request.urlopen(mirror, timeout=5)
    assert not any(os.environ.get(name) for name in ("http_proxy", "HTTPS_PROXY", "ALL_PROXY"))


@pytest.mark.parametrize(
    ("host", "local"),
    [("127.0.0.1", True), ("127.0.1.1", True), ("::1", True), ("localhost", True),
     ("10.0.0.1", False), ("example.com", False), ("::ffff:8.8.8.8", False)],
)  # fmt: skip
def test_is_local(host, local):
    assert is_local(host) is local

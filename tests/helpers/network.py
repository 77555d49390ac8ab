"""The network guard: in tests, no name lookup or connection reaches past this machine."""

from __future__ import annotations

import ipaddress
import socket

import pytest


class NetworkBlocked(RuntimeError):
    """A test tried to reach a host other than this machine.

    Not an OSError, so code that treats a failed connection as "offline" cannot swallow it.
    """


def is_local(host: object) -> bool:
    """Whether ``host`` (a name or an address, as sockets take it) is this machine."""
    if host in (None, "", "localhost", b"localhost"):
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


def block_remote_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``socket.getaddrinfo`` and ``connect`` raise :class:`NetworkBlocked` for other hosts.

    Undone by ``monkeypatch`` at the end of the test. Unix sockets are left alone.
    """
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, *args, **kwargs):
        if not is_local(host):
            raise NetworkBlocked(f"a test looked up {host!r}: tests use 127.0.0.1 only")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
            raise NetworkBlocked(f"a test connected to {address!r}: tests use 127.0.0.1 only")

    def connect(self, address):
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)

"""Local ports for servers the tests start (other test runs use the same machine)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port of 127.0.0.1 that the system just handed out and nobody holds: for a
    server a test starts, or as a port where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


closed_port = free_port  # the same port, named for tests that want nothing to answer

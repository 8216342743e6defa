"""Local ports for servers the tests start (other test runs use the same machine)."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


free_port = closed_port  # the same: a port the system just handed out and nobody holds

"""The browser tests' HTTP server itself: a dropped connection must not leave a file
open, or a later test fails at random on the ResourceWarning."""

from __future__ import annotations

import gc
import socket
import struct
import time
import warnings
from urllib.parse import urlsplit


def _request_and_reset(address: tuple[str, int], path: str) -> None:
    with socket.create_connection(address) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: {address[0]}\r\n\r\n".encode())
        time.sleep(0.005)
        # Linger 0: close() sends a reset, as a browser cancelling a request does.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_static_files_are_closed_when_the_browser_drops_the_connection(live_server):
    parts = urlsplit(live_server)
    address = (parts.hostname, parts.port)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for _ in range(40):
            _request_and_reset(address, "/static/favicon.svg")
        time.sleep(0.3)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]

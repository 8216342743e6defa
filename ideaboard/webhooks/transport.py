"""Posting one delivery: to an address the SSRF guard has just checked, never the
name resolved again (``ssrf``), with a short timeout, outside any transaction."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from ideaboard.webhooks.ssrf import Target

# What is read of a receiver's answer (its body is not used; a bounded read only).
READ_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None
    latency_ms: int


class _PinnedHTTP(http.client.HTTPConnection):
    """A connection to ``host`` (its Host header) at one checked ``address``."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to one checked ``address``, its certificate verified for ``host`` (SNI)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body`` to the target, trying its checked addresses in turn until one
    connects. Raises ``OSError`` (a timeout, a refused connection, TLS) if none answers.
    Redirects are not followed."""
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    last: OSError | None = None
    for address in target.addresses:
        connection = kind(target.host, target.port, address, timeout)
        started = time.monotonic()
        try:
            connection.request("POST", target.path, body=body, headers={
                "Content-Type": "application/json", "User-Agent": "Ideaboard-Webhooks/1",
                **headers})
            response = connection.getresponse()
            response.read(READ_LIMIT)
            return Answer(response.status, response.getheader("Retry-After"),
                          round((time.monotonic() - started) * 1000))
        except (OSError, http.client.HTTPException) as error:
            last = error if isinstance(error, OSError) else OSError(str(error) or repr(error))
            if not isinstance(error, ConnectionRefusedError):
                break  # it connected, or timed out: another address would not be better
        finally:
            connection.close()
    raise last or OSError("no address to connect to")

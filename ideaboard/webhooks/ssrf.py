"""Which addresses a webhook may be sent to (the guard against server-side request
forgery), checked when an endpoint is saved and again at every delivery.

A URL is resolved and *every* address it resolves to is checked; delivery then
connects to one of those checked addresses (``transport``), never resolving the name
again, so a name whose DNS answer changes between the check and the connection (DNS
rebinding) cannot slip through. Always refused: loopback (unless
``WEBHOOKS_ALLOW_LOOPBACK``, which only the tests set and production refuses),
link-local, the cloud metadata services, unspecified, multicast, reserved and any
other address that is not public. Private ranges (10/8, 172.16/12, 192.168/16,
fc00::/7, 100.64/10) only when ``WEBHOOKS_ALLOW_PRIVATE`` says an intranet needs them.
Only http and https, and https only unless ``WEBHOOKS_ALLOW_HTTP``.

The reasons are for the admin saving an endpoint, in their language; the worker's
check at delivery writes them into the delivery's ``last_error`` in the installation's
default language.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ideaboard.core.i18n import gettext as _

URL_MAX = 2000
# How long a name may take to resolve (see resolve).
RESOLVE_TIMEOUT = 3.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "100.100.100.200"))
PRIVATE = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "100.64.0.0/10"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(ValueError):
    """The URL may not receive webhooks; the message says why, for the admin."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``, all checked) and what to ask."""

    scheme: str
    host: str
    port: int
    path: str  # with its query
    addresses: tuple[str, ...]


def _embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), else itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def refusal(address: IPAddress, config: Mapping[str, Any]) -> str | None:
    """Why webhooks may not go to ``address``, or None if they may."""
    address = _embedded_ipv4(address)
    if address in METADATA:
        return _("a cloud metadata address")
    if address.is_loopback:
        return None if config.get("WEBHOOKS_ALLOW_LOOPBACK") else _("a loopback address")
    if address.is_link_local:
        return _("a link-local address")
    if address.is_unspecified:
        return _("the unspecified address")
    if address.is_multicast:
        return _("a multicast address")
    if address.is_reserved:
        return _("a reserved address")
    if any(address in network for network in PRIVATE):
        return None if config.get("WEBHOOKS_ALLOW_PRIVATE") else _(
            "a private address (an administrator may allow private networks: "
            "%(setting)s)", setting="IDEABOARD_WEBHOOKS_ALLOW_PRIVATE")
    if not address.is_global:
        return _("not a public address")
    return None


def resolve(host: str, port: int, timeout: float = RESOLVE_TIMEOUT) -> list[str]:
    """Every address ``host`` resolves to (an IP literal: itself), within ``timeout``
    seconds: saving an endpoint resolves it inside the request's writing transaction
    (on SQLite, under the write lock), so a slow DNS server must not hold it for long.
    The look-up runs in a thread of its own, left to finish by itself if it is late."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-dns")
    try:
        infos = pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM).result(
            timeout)
    except TimeoutError as error:
        raise UnsafeURL(_("The host %(host)s did not resolve within %(seconds)s s.",
                          host=host, seconds=format(timeout, "g"))) from error
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(_("The host %(host)s cannot be resolved (%(error)s).",
                          host=host, error=error)) from error
    finally:
        pool.shutdown(wait=False)
    addresses: list[str] = []
    for *_info, sockaddr in infos:
        # An IPv6 sockaddr may carry a zone ("fe80::1%eth0"): the address is before it.
        text = str(sockaddr[0]).split("%", 1)[0]
        if text not in addresses:
            addresses.append(text)
    return addresses


def check_url(url: str, config: Mapping[str, Any]) -> Target:
    """The checked target of ``url``, or :class:`UnsafeURL` saying why not."""
    url = (url or "").strip()
    if not url or len(url) > URL_MAX:
        raise UnsafeURL(_("Give a URL of at most %(num)d characters.", num=URL_MAX))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(_("That is not a valid URL.")) from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL(_("Use an http or https URL."))
    if scheme == "http" and not config.get("WEBHOOKS_ALLOW_HTTP"):
        raise UnsafeURL(_("Use an https URL (plain http is not allowed here)."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(_("Leave user names and passwords out of the URL."))
    host = parts.hostname
    if not host:
        raise UnsafeURL(_("The URL has no host."))
    if any(ord(ch) < 33 for ch in url):
        raise UnsafeURL(_("The URL may not contain spaces or control characters."))
    port = port or (443 if scheme == "https" else 80)
    addresses = resolve(host, port)
    if not addresses:
        raise UnsafeURL(_("The host %(host)s has no address.", host=host))
    for text in addresses:
        why = refusal(ipaddress.ip_address(text), config)
        if why:
            raise UnsafeURL(_("The host %(host)s resolves to %(address)s, %(why)s: refused.",
                                  host=host, address=text, why=why))
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Target(scheme, host, port, path, tuple(addresses))

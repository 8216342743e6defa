"""Prometheus metrics at ``/metrics``: requests as they happen, the rest at scrape time.

**Requests** (recorded by ``core.observe`` at the end of each request):
``ideaboard_http_requests_total{endpoint, method, status}`` and the latency histogram
``ideaboard_http_request_duration_seconds{endpoint, method}``. The endpoint is the
view's name (``ideas.detail``), never the path, and a path no route matches is
``unmatched``; methods outside HTTP's usual few are ``other``; the status is its class
(``2xx``). So the number of series is bounded by the routes, whatever clients send.
Recording costs two dictionary look-ups and two updates under prometheus-client's
locks (``tests/ops/test_metrics.py`` measures it; README "Metrics and logs" has the
figures).

**One registry per app**, never prometheus-client's global ``REGISTRY``: tests build
hundreds of apps in one process, and registering the same names twice in one registry
raises. Under gunicorn each worker is its own process with its own counts, which one
scrape (answered by one worker) would not add up: set ``PROMETHEUS_MULTIPROC_DIR`` to
an empty folder for the server, and prometheus-client keeps every worker's values in
files there, which each scrape sums (its multiprocess mode; README "Metrics"). The
hooks in ``ideaboard.core.gunicorn_hooks`` empty the folder when the server starts and
mark a worker's files dead when it exits.

**Scrape-time gauges** come from collectors that capabilities register with the
factory (``register(app, collectors)``, ``add_collector``): each is a function of a
database connection and the time of the scrape returning metric families, from one
small query. They run on a connection of their own, not the request's session, and a
collector that fails (the database is away) is skipped, and says so in
``ideaboard_metrics_collector_up{collector}``, so the request metrics are still
served when they are most wanted.

**Access** is decided by the policy (``@requires("ops.scrape_metrics")``, a gate in
``ideaboard.policy``), which asks :func:`scraper_allowed`: the bearer token
``METRICS_TOKEN``, compared in constant time, or an address in ``METRICS_ALLOW``
(loopback by default).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from ideaboard.database import utcnow
from ideaboard.extensions import db

log = logging.getLogger("ideaboard.metrics")

EXTENSION = "ideaboard.metrics"
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# The endpoint label of a request no route matched (404, 405 on no rule).
UNMATCHED = "unmatched"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds. From a kept fragment's millisecond to a slow export: prometheus-client's
# defaults, with 25 ms and 50 ms between (most pages answer there).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0,
                   7.5, 10.0)

# A scrape-time collector: metric families from one small query on ``connection`` at
# ``now`` (timezone-aware UTC). Capabilities keep theirs in their own ``metrics.py``.
ScrapeCollector = Callable[[sa.Connection, datetime], Iterable[Metric]]


class RequestMetrics:
    """The request counter and latency histogram of one app (or of the process's
    shared files in multiprocess mode, ``registry=None``)."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.requests = Counter(
            "ideaboard_http_requests", "Requests answered, by endpoint, method and status class.",
            ("endpoint", "method", "status"), registry=registry)
        self.latency = Histogram(
            "ideaboard_http_request_duration_seconds",
            "Seconds from the start of a request to its response, by endpoint and method.",
            ("endpoint", "method"), buckets=LATENCY_BUCKETS, registry=registry)
        # The labelled children, found once: ``labels()`` validates and locks each time.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def record(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """Count one request and its latency."""
        key = (endpoint, method, status // 100)
        children = self._children.get(key)
        if children is None:
            label = method if method in KNOWN_METHODS else "other"
            children = self._children[key] = (
                self.requests.labels(endpoint, label, f"{status // 100}xx"),
                self.latency.labels(endpoint, label))
        children[0].inc()
        children[1].observe(seconds)


@dataclass
class Metrics:
    """Everything ``/metrics`` serves for one app."""

    multiprocess_dir: str | None
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    registry: CollectorRegistry | None = None
    requests: RequestMetrics = field(init=False)
    collectors: dict[str, ScrapeCollector] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.multiprocess_dir is None:
            self.registry = CollectorRegistry(auto_describe=True)
        self.requests = RequestMetrics(self.registry)

    def collect(self) -> Iterator[Metric]:
        """Every family of one scrape (``generate_latest`` asks any object with it)."""
        if self.multiprocess_dir is not None:
            yield from MultiProcessCollector(None, path=self.multiprocess_dir).collect()
        elif self.registry is not None:
            yield from self.registry.collect()
        yield from self._scrape_time()

    def _scrape_time(self) -> Iterator[Metric]:
        now = utcnow()
        up = GaugeMetricFamily("ideaboard_metrics_collector_up",
                               "1 if the scrape-time collector answered, 0 if it failed.",
                               labels=("collector",))
        for name, collector in self.collectors.items():
            try:
                # Its own connection: a failed query leaves the request's session alone.
                with db.engine.connect() as connection:
                    families = list(collector(connection, now))
            except sa.exc.SQLAlchemyError as error:
                log.warning("metrics collector %s failed: %s", name,
                            getattr(error, "orig", None) or error)
                up.add_metric((name,), 0)
                continue
            up.add_metric((name,), 1)
            yield from families
        yield up


def parse_networks(entries: Iterable[str]) -> tuple[ipaddress.IPv4Network |
                                                     ipaddress.IPv6Network, ...]:
    """``METRICS_ALLOW`` as networks; ``none`` alone means no address is allowed."""
    entries = [entry for entry in entries if entry]
    if entries == ["none"]:
        return ()
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as error:
        raise RuntimeError(f"IDEABOARD_METRICS_ALLOW is refused: {error}. Give "
                           "comma-separated networks such as 10.0.0.0/8,::1/128, "
                           "or none.") from None


def multiprocess_dir() -> str | None:
    """The folder of multiprocess mode, or None; refuses one that does not exist."""
    folder = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if not folder:
        return None
    if not Path(folder).is_dir():
        raise RuntimeError(f"{MULTIPROCESS_DIR_VARIABLE}={folder} is not a folder: create "
                           "it (empty) before the server starts.")
    return folder


def register(app: Flask, collectors: Iterable[tuple[str, ScrapeCollector]] = ()) -> Metrics:
    """Give ``app`` its metrics, with the scrape-time ``collectors`` ``(name, function)``."""
    metrics = Metrics(multiprocess_dir(), parse_networks(app.config["METRICS_ALLOW"]))
    app.extensions[EXTENSION] = metrics
    for name, collector in collectors:
        add_collector(app, name, collector)
    return metrics


def add_collector(app: Flask, name: str, collector: ScrapeCollector) -> None:
    """Serve ``collector``'s families on every scrape of ``app`` (``name`` labels
    ``ideaboard_metrics_collector_up``)."""
    metrics: Metrics = app.extensions[EXTENSION]
    if name in metrics.collectors:
        raise RuntimeError(f"metrics collector {name!r} registered twice")
    metrics.collectors[name] = collector


def of(app: Flask) -> Metrics:
    """The metrics of ``app``."""
    return app.extensions[EXTENSION]


def exposition() -> bytes:
    """The current app's metrics in Prometheus' text format."""
    return generate_latest(of(current_app))


# --- who may scrape -------------------------------------------------------------------

def _bearer_token_matches(token: str) -> bool:
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    # Both sides as bytes: compare_digest refuses str with non-ASCII characters.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        sent.strip().encode(), token.encode())


def _from_allowed_network(networks: Iterable[ipaddress.IPv4Network |
                                             ipaddress.IPv6Network]) -> bool:
    # Relayed by a proxy the app was not told to believe (PROXY_FIX_X_FOR = 0): the
    # address is the proxy's, perhaps loopback, for anyone on the internet behind it.
    if not current_app.config.get("PROXY_FIX_X_FOR") and (
            "X-Forwarded-For" in request.headers or "Forwarded" in request.headers):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False  # a Unix socket: no address to judge
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def scraper_allowed() -> bool:
    """Whether this request may read the metrics: the right bearer token, or an address
    in ``METRICS_ALLOW``."""
    token = current_app.config.get("METRICS_TOKEN")
    if token and _bearer_token_matches(token):
        return True
    return _from_allowed_network(of(current_app).allowed_networks)

"""Routes every deployment needs: liveness, readiness and metrics.

- ``/healthz``: the process answers. No database, no Redis: a load balancer or an
  orchestrator that restarts what fails it must not restart every app server because
  the database is away (they would all come back to the same outage).
- ``/readyz``: the database and Redis (when ``IDEABOARD_REDIS_URL`` is set) answer, so
  this server can do its work; 503 with a retry hint otherwise. Point a load
  balancer's health check here: it takes a server out while it cannot serve.
- ``/metrics``: Prometheus metrics (``core.metrics``), for a scraper only.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST

from ideaboard.core import metrics
from ideaboard.core.errors import UNAVAILABLE_HEADERS
from ideaboard.core.permissions import PUBLIC, requires
from ideaboard.extensions import db

bp = Blueprint("core", __name__)

# Seconds /readyz waits for Redis to connect and to answer: a health check that hangs
# is a failed one, and the balancer's own timeout is a few seconds.
REDIS_TIMEOUT = 1.0
_REDIS_CLIENT = "ideaboard.readiness.redis"


@bp.get("/healthz")
@requires(PUBLIC)
def healthz():
    """200 while the process answers requests (liveness): nothing else is asked."""
    return {"status": "ok"}


def _database_answers() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        # The request's unit of work rolls the failed transaction back (a 503).
        return False
    return True


def _redis_client(app: Flask) -> Any:
    """The app's Redis client for readiness, built once (it keeps its connection)."""
    client = app.extensions.get(_REDIS_CLIENT)
    if client is None:
        import redis

        client = app.extensions[_REDIS_CLIENT] = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=REDIS_TIMEOUT,
            socket_timeout=REDIS_TIMEOUT)
    return client


def _redis_answers() -> bool | None:
    """True if Redis answers a PING, False if not, None when no Redis is configured."""
    if not current_app.config.get("REDIS_URL"):
        return None
    import redis

    try:
        return bool(_redis_client(current_app).ping())
    except (redis.exceptions.RedisError, OSError):
        return False


@bp.get("/readyz")
@requires(PUBLIC)
def readyz():
    """200 when the database and Redis answer (readiness), 503 naming what does not."""
    database, redis_ok = _database_answers(), _redis_answers()
    checks = {"database": "ok" if database else "unreachable",
              "redis": {None: "not configured", True: "ok", False: "unreachable"}[redis_ok]}
    if not database or redis_ok is False:
        return {"status": "unavailable", **checks}, 503, UNAVAILABLE_HEADERS
    return {"status": "ok", **checks}


@bp.get("/metrics")
@requires("ops.scrape_metrics")
def metrics_page():
    """The metrics in Prometheus' text format, for an allowed scraper (else 404)."""
    return Response(metrics.exposition(), content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})

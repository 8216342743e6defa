"""Liveness and readiness (issue 19): /healthz asks nothing, /readyz asks the database
and Redis, for real (a Redis on a port nothing listens on; the real one)."""

from __future__ import annotations

import time

import pytest

from ideaboard import create_app
from ideaboard.core.errors import RETRY_AFTER_SECONDS
from ideaboard.extensions import db
from tests.helpers.ports import closed_port
from tests.helpers.redis import redis_url_or_skip


@pytest.fixture
def app_with_redis(database_url):
    """``app_with_redis(url)``: an app whose Redis is ``url``; engines closed after."""
    made = []

    def make(redis_url: str):
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url},
                         env="testing")
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_healthz_is_liveness_only(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_with_the_database_and_redis(app_with_redis):
    app = app_with_redis(redis_url_or_skip())
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_is_unreachable(app_with_redis):
    app = app_with_redis(f"redis://127.0.0.1:{closed_port()}/0")
    client = app.test_client()
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 5  # bounded by the readiness timeout
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok",
                             "redis": "unreachable"}
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response.headers["Cache-Control"]
    # Liveness does not care.
    assert client.get("/healthz").status_code == 200

"""Log-in, sign-up and password reset are throttled (memory by default, Redis when set)."""

import os
import uuid

import pytest

from ideaboard import create_app
from ideaboard.extensions import db
from tests.conftest import IsolatedClient, csrf_token

REDIS_URL = os.environ.get("IDEABOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def throttled_app(database_url):
    """``throttled_app(**config)``: an app with rate limits on; its connections are closed after."""
    made = []

    def make(**overrides):
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                          **overrides}, env="testing")
        app.test_client_class = IsolatedClient
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def hammer(client, path: str, data: dict, times: int) -> list[int]:
    codes = []
    for _ in range(times):
        payload = dict(data, csrf_token=csrf_token(client, path))
        codes.append(client.post(path, data=payload).status_code)
    return codes


@pytest.mark.parametrize("path,data", [
    ("/login", {"email": "someone@example.com", "password": "wrong-password"}),
    ("/reset-password", {"email": "someone@example.com"}),
    ("/signup", {"email": "x@example.com", "display_name": "X", "password": "p", "confirm": "p"}),
])
def test_auth_endpoints_are_throttled_in_memory(app, throttled_app, path, data):
    limited = throttled_app()
    assert limited.config["RATELIMIT_STORAGE_URI"] == "memory://"
    with limited.app_context():
        codes = hammer(limited.test_client(), path, data, 11)
    assert 429 not in codes[:10]
    assert codes[10] == 429


def test_throttled_page_is_friendly(app, throttled_app):
    limited = throttled_app()
    with limited.app_context():
        client = limited.test_client()
        hammer(client, "/login", {"email": "a@example.com", "password": "b"}, 10)
        response = client.post("/login", data={"email": "a@example.com", "password": "b",
                                               "csrf_token": csrf_token(client)})
    assert response.status_code == 429
    assert b"Too many attempts" in response.data


def test_page_views_are_not_throttled(app, throttled_app):
    limited = throttled_app()
    with limited.app_context():
        client = limited.test_client()
        assert all(client.get("/login").status_code == 200 for _ in range(30))


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("IDEABOARD_REQUIRE_REDIS") == "1":  # CI: Redis is required
            pytest.fail(f"Redis is not answering at {REDIS_URL}")
        pytest.skip(f"needs Redis at {REDIS_URL} (set IDEABOARD_TEST_REDIS_URL)")
    return REDIS_URL


def test_limits_are_shared_through_redis(app, throttled_app, redis_url):
    """Two app servers on one Redis share the count: 6 attempts on each makes 12 > 10."""
    import redis

    # Limits are counted per client address: a unique one keeps this run's counts
    # apart from any other run's on the same Redis, and lets us remove them after.
    address = "127.{}.{}.{}".format(*uuid.uuid4().bytes[:3])
    server_a = throttled_app(REDIS_URL=redis_url)
    server_b = throttled_app(REDIS_URL=redis_url)
    assert server_a.config["RATELIMIT_STORAGE_URI"] == redis_url
    data = {"email": "someone@example.com", "password": "wrong-password"}
    store = redis.Redis.from_url(redis_url)
    try:
        with server_a.app_context():
            client = server_a.test_client()
            client.environ_base["REMOTE_ADDR"] = address
            first = hammer(client, "/login", data, 6)
        with server_b.app_context():
            client = server_b.test_client()
            client.environ_base["REMOTE_ADDR"] = address
            second = hammer(client, "/login", data, 6)
        keys = store.keys(f"*/{address}/*")
    finally:
        for key in store.scan_iter(f"*/{address}/*"):
            store.delete(key)
    assert 429 not in first
    assert second[-2:] == [429, 429]
    assert keys, "the limiter wrote nothing to Redis"

"""A Redis server for tests that need the real one."""

from __future__ import annotations

import os

import pytest

REDIS_URL = os.environ.get("IDEABOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_url_or_skip() -> str:
    """The test Redis, if it answers; otherwise skip (fail under IDEABOARD_REQUIRE_REDIS=1)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("IDEABOARD_REQUIRE_REDIS") == "1":  # CI: Redis is required
            pytest.fail(f"Redis is not answering at {REDIS_URL}")
        pytest.skip(f"needs Redis at {REDIS_URL} (set IDEABOARD_TEST_REDIS_URL)")
    return REDIS_URL

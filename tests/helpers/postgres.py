"""A PostgreSQL server for tests that need a database of their own."""

from __future__ import annotations

import os

import pytest

DEFAULT_POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_server_url() -> str | None:
    """The maintenance URL of a reachable PostgreSQL server, or None."""
    url = os.environ.get("IDEABOARD_TEST_POSTGRES_URL", DEFAULT_POSTGRES_SERVER)
    try:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                             connect_timeout=3):
            return url
    except Exception:
        return None


def require_or_skip(reason: str, requirement: str = "POSTGRES") -> None:
    """Skip under `make test` on a laptop without the service or program; fail in CI,
    which sets ``IDEABOARD_REQUIRE_<requirement>=1`` for each one it installs or starts."""
    variable = f"IDEABOARD_REQUIRE_{requirement}"
    if os.environ.get(variable) == "1":
        pytest.fail(f"{reason} ({variable}=1, so this may not skip)")
    pytest.skip(reason)

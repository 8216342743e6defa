"""A PostgreSQL server for tests that need a database of their own."""

from __future__ import annotations

import os
import uuid
from typing import NoReturn

import pytest

DEFAULT_POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _maintenance_url() -> str:
    url = os.environ.get("IDEABOARD_TEST_POSTGRES_URL", DEFAULT_POSTGRES_SERVER)
    return url.replace("postgresql+psycopg://", "postgresql://")


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


def require_or_skip(reason: str, variable: str = "IDEABOARD_REQUIRE_POSTGRES") -> NoReturn:
    """Skip under `make test` on a laptop without the service or program; fail in CI,
    which sets ``variable`` to 1 for each one it installs or starts."""
    if os.environ.get(variable) == "1":
        pytest.fail(f"{reason} ({variable}=1, so this may not skip)")
    pytest.skip(reason)


def create_database(server: str) -> str:
    """Create an empty database with a unique name on ``server``; its URL."""
    import psycopg

    name = f"ideaboard_test_{uuid.uuid4().hex[:12]}"
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return plain.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    """Drop the database ``url`` names (connections to it are ended first)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_maintenance_url(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""A database outage answers 503 with a retry hint and a friendly page, not 500, for
real: the app points at a PostgreSQL port nothing listens on, or at a SQLite file that
cannot be opened (issue 11, defect 13)."""

from __future__ import annotations

import socket
import time

import pytest

from ideaboard import create_app
from ideaboard.core.errors import RETRY_AFTER_SECONDS
from ideaboard.extensions import db
from tests.helpers.csrf import csrf_token


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable_app(request, tmp_path):
    if request.param == "postgresql":
        url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/ideaboard"
    else:
        url = f"sqlite:///{tmp_path / 'no-such-folder' / 'ideaboard.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "ideaboard.test",
                      "PROPAGATE_EXCEPTIONS": False}, env="testing")
    yield app
    with app.app_context():
        db.engine.dispose()


def signed_in(app, client) -> None:
    """A session cookie of a signed-in person (loading them is the first query)."""
    # The form a sign-in keeps (ideaboard.accounts.sessions): id, generation, lapses at.
    cookie = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": f"1:0:{int(time.time()) + 3600}", "_fresh": True})
    client.set_cookie("session", cookie, domain="ideaboard.test")


def _assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response.headers["Cache-Control"]


def test_readyz_says_unavailable_with_a_retry_hint(unreachable_app):
    response = unreachable_app.test_client().get("/readyz")
    _assert_unavailable(response)
    assert response.json == {"status": "unavailable", "database": "unreachable",
                             "redis": "not configured"}


def test_healthz_is_alive_without_its_database(unreachable_app):
    """Liveness asks nothing of the database: an orchestrator must not restart every
    app server because the database is away."""
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_a_signed_in_page_is_a_friendly_503(unreachable_app):
    client = unreachable_app.test_client()
    signed_in(unreachable_app, client)
    response = client.get("/")
    _assert_unavailable(response)
    page = response.get_data(as_text=True)
    assert "Temporarily unavailable" in page and "try again in a minute" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_json_clients_get_json(unreachable_app):
    client = unreachable_app.test_client()
    signed_in(unreachable_app, client)
    response = client.get("/notifications", headers={"Accept": "application/json"})
    _assert_unavailable(response)
    assert response.json["status"] == 503 and "database" in response.json["error"]


def test_a_form_post_is_a_503_too(unreachable_app):
    client = unreachable_app.test_client()
    response = client.post("/login", data={"email": "someone@example.com",
                                           "password": "whatever-it-is",
                                           "csrf_token": csrf_token(client)})
    _assert_unavailable(response)
    assert b"Temporarily unavailable" in response.data

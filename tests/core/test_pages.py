"""Cross-cutting page behaviour: permissions declared, error pages, headers."""

import pytest

from ideaboard.core.permissions import PUBLIC
from ideaboard.extensions import db
from tests.helpers.csrf import csrf_token


def test_unknown_action_is_refused(employee):
    from ideaboard.core.permissions import can

    assert not can(employee, "no.such.action")


def test_friendly_404(employee_client):
    response = employee_client.get("/no/such/page")
    assert response.status_code == 404
    assert b"We could not find that page." in response.data
    assert b"Back to Ideaboard" in response.data


def test_404_as_json_for_scripts(employee_client):
    response = employee_client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {"error": "We could not find that page.", "status": 404}


def test_friendly_500(app, database_url):
    from ideaboard import create_app
    from tests.helpers.clients import IsolatedClient

    fresh = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False},
                       env="testing")
    fresh.test_client_class = IsolatedClient

    def explode():
        raise RuntimeError("boom")

    explode.required_action = PUBLIC
    fresh.add_url_rule("/explode", view_func=explode)
    response = fresh.test_client().get("/explode")
    with fresh.app_context():
        db.engine.dispose()
    assert response.status_code == 500
    assert b"Something went wrong on our side." in response.data
    assert b"boom" not in response.data


def test_wrong_method_is_405_not_500(client):
    assert client.put("/login").status_code == 405


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    # HSTS only where TLS is required: production.
    assert "Strict-Transport-Security" not in response.headers


def test_production_security_headers(database_url):
    import secrets

    from ideaboard import create_app

    production = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                             "BASE_URL": "https://ideas.example.com",
                             "SECRET_KEY": secrets.token_hex(32)}, env="production")
    response = production.test_client().get("/login", base_url="https://ideas.example.com")
    with production.app_context():
        db.engine.dispose()
    assert response.status_code == 200
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = headers["Permissions-Policy"]
    assert all(f"{feature}=()" in policy for feature in ("camera", "microphone", "geolocation"))


PERSONAL = "private, no-store"


@pytest.mark.parametrize("path", ["/", "/account", "/notifications", "/no/such/page",
                                  "/ideas/similar?title=paper"])
def test_pages_for_a_signed_in_person_are_not_stored(employee_client, path):
    response = employee_client.get(path, headers={"Accept": "application/json"}
                                   if "similar" in path else {})
    assert response.headers["Cache-Control"] == PERSONAL


@pytest.mark.parametrize("path", ["/login", "/signup", "/reset-password"])
def test_pages_with_a_csrf_token_are_not_stored(client, path):
    response = client.get(path)
    assert b'name="csrf_token"' in response.data
    assert response.headers["Cache-Control"] == PERSONAL


def test_static_files_and_anonymous_json_keep_their_caching(employee_client, client):
    stylesheet = employee_client.get("/static/css/app.css")
    assert stylesheet.status_code == 200
    assert "no-store" not in stylesheet.headers.get("Cache-Control", "")
    stylesheet.close()
    assert "no-store" not in client.get("/healthz").headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/login", "/signup", "/reset-password"])
def test_public_pages_render(client, path):
    assert client.get(path).status_code == 200


def test_session_cookie_flags(client, auth, employee):
    cookies = auth.login(employee.email).headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session


@pytest.mark.parametrize("path", ["/admin/users/0", "/admin/users/-1",
                                  "/admin/users/99999999999999999999", "/admin/users/2147483648"])
def test_out_of_range_ids_are_404(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_largest_id_is_a_plain_404(admin_client):
    assert admin_client.get("/admin/users/2147483647").status_code == 404


def test_oversize_request_is_413(app, client):
    response = client.post("/login", data={"email": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert response.status_code == 413
    assert b"too large" in response.data


def test_invalid_utf8_is_not_a_500(client, employee):
    response = client.post("/login", data=b"email=%ff%fe&password=%c3%28",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 422)
    assert client.get("/login?next=%ff%fe").status_code == 200


@pytest.mark.parametrize("query", [
    "/?sort=bogus", "/?status=not-a-status", "/?department=-5", "/?department=abc",
    "/?show=everything", "/?page=-1", "/?page=99999999999999999999", "/?q=%00%ff",
    "/admin/users?role=emperor&page=0", "/admin/audit?object_type=%27;drop",
    "/admin/users?page=99999999999999999999", "/admin/audit?page=99999999999999999999",
    "/admin/moderation?page=99999999999999999999", "/notifications?page=99999999999999999999",
])
def test_unknown_filter_values_never_break_a_page(admin_client, query):
    response = admin_client.get(query)
    # 302: a page number (links from before keyset paging) leads to the first page.
    assert response.status_code in (200, 302, 400, 404), (query, response.status_code)


def test_nul_characters_are_removed_from_what_is_typed(client, employee_client, employee):
    """PostgreSQL cannot store or compare NUL: found by the form fuzzing on PostgreSQL,
    where a NUL in the log-in e-mail was a 500."""
    response = client.post("/login", data={"email": "employee@example.com\x00",
                                           "password": "correct-horse-battery\x00",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302  # the NUL is gone, the rest is what was typed
    assert employee_client.get("/?q=paper%00").status_code == 200
    assert employee_client.get("/departments/it%00").status_code == 404

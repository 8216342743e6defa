"""API tokens: made on the account and admin pages (shown once, kept hashed, scopes
bounded by the role), and refused once revoked, expired, or their person deactivated."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ideaboard.api import services
from ideaboard.api.models import ApiToken, TokenKind
from ideaboard.database import utcnow
from ideaboard.extensions import db
from tests.helpers.api import PROBLEM_JSON, ApiClient, new_token
from tests.helpers.csrf import csrf_token
from tests.helpers.queries import QueryCounter


def _made(response) -> str:
    return re.search(r'id="new-api-token">([^<]+)<', response.get_data(as_text=True)).group(1)


def test_a_person_makes_a_token_sees_it_once_and_revokes_it(app, employee_client, employee):
    page = employee_client.get("/account")
    assert 'href="/account/tokens"' in page.get_data(as_text=True)
    made = employee_client.post("/account/tokens", data={
        "csrf_token": csrf_token(employee_client), "name": "Weekly report",
        "scopes": ["read", "write"], "expires": "30"})
    assert made.status_code == 200
    secret = _made(made)
    row = db.session.scalar(sa.select(ApiToken))
    # Kept hashed; the prefix shown; never the secret itself.
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(row.prefix) and secret not in row.prefix
    assert row.scopes == "read write" and row.kind == TokenKind.PERSONAL.value
    assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
    listed = employee_client.get("/account/tokens").get_data(as_text=True)
    assert row.prefix in listed and secret not in listed

    api = ApiClient(app.test_client(), secret)
    assert api.get("/departments").status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None

    revoked = employee_client.post(f"/account/tokens/{row.id}/revoke",
                                   data={"csrf_token": csrf_token(employee_client)})
    assert revoked.status_code == 302
    refused = api.get("/departments")
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == PROBLEM_JSON
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_scopes_beyond_the_role_are_refused(app, employee_client, employee):
    with pytest.raises(services.TokenError):
        services.create_token(employee, "Too much", ["read", "review"], expires_in_days=7)
    response = employee_client.post("/account/tokens", data={
        "csrf_token": csrf_token(employee_client), "name": "Forged", "scopes": ["admin"],
        "expires": "30"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_service_tokens_are_the_admins(app, admin_client, employee_client):
    made = admin_client.post("/admin/tokens", data={
        "csrf_token": csrf_token(admin_client), "name": "Nightly export",
        "scopes": ["read", "admin"], "expires": "0"})
    assert made.status_code == 200
    row = db.session.scalar(sa.select(ApiToken))
    assert row.kind == TokenKind.SERVICE.value and row.expires_at is None
    assert "Nightly export" in admin_client.get("/admin/tokens").get_data(as_text=True)
    assert employee_client.get("/admin/tokens").status_code == 403
    # A person's own page never lists service tokens, nor revokes one.
    assert employee_client.post(f"/account/tokens/{row.id}/revoke", data={
        "csrf_token": csrf_token(employee_client)}).status_code == 404


def test_expired_tokens_and_deactivated_people_are_refused(app, employee):
    secret = new_token(employee, ("read",), days=1)
    api = ApiClient(app.test_client(), secret)
    assert api.get("/departments").status_code == 200
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert api.get("/departments").status_code == 401

    other = ApiClient(app.test_client(), new_token(employee, ("read",)))
    assert other.get("/departments").status_code == 200
    employee.active = False
    db.session.commit()
    assert other.get("/departments").status_code == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ib_not-a-token", "Basic abc",
                                    "Bearer " + "ib_" + "x" * 300])
def test_missing_or_unknown_tokens_are_401(client, header):
    response = client.get("/api/v1/ideas", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json["status"] == 401 and response.json["title"] == "Unauthorized"


def test_last_use_is_written_at_most_once_a_minute(app, employee):
    secret = new_token(employee, ("read",))
    api = ApiClient(app.test_client(), secret)
    api.get("/departments")
    db.session.expire_all()
    first = db.session.scalar(sa.select(ApiToken.last_used_at))
    api.get("/departments")
    db.session.expire_all()
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) == first
    db.session.execute(sa.update(ApiToken).values(last_used_at=first - timedelta(minutes=2)))
    db.session.commit()
    api.get("/departments")
    db.session.expire_all()
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) > first - timedelta(minutes=2)


def test_a_call_reads_its_token_and_person_in_one_statement(app, employee):
    # Every API call begins so: a second read of the person (the session's identity map
    # holds them only weakly) was a tenth of a list's time.
    secret, person_id = new_token(employee), employee.id
    db.session.expunge_all()
    with QueryCounter() as counter:
        found = services.token_for(secret)
        assert found is not None and found.user.id == person_id
    assert counter.count == 1

"""The admin's provisioning page: tokens created (shown once, stored hashed) and
revoked behind CSRF, the provisioning log with its errors, people by source."""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.extensions import db
from ideaboard.identity.scim.models import ScimToken
from tests.helpers.csrf import csrf_token
from tests.helpers.scim import ScimClient, assert_scim_error
from tests.identity import scim_payloads as payloads


def created_secret(page: str) -> str:
    match = re.search(r'<code id="new-scim-token">([^<]+)</code>', page)
    assert match, "the new token is shown"
    return match.group(1)


def test_an_admin_creates_a_token_shown_once_and_stored_hashed(app, admin_client, company):
    response = admin_client.post("/admin/provisioning/tokens", data={
        "name": "Entra ID", "csrf_token": csrf_token(admin_client)})
    assert response.status_code == 200
    secret = created_secret(response.get_data(as_text=True))

    token = db.session.scalar(sa.select(ScimToken))
    assert token.name == "Entra ID" and secret.startswith(token.prefix)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in token.token_hash and secret != token.prefix
    later = admin_client.get("/admin/provisioning/").get_data(as_text=True)
    assert secret not in later and token.prefix in later
    assert db.session.scalar(sa.select(AuditEntry.action).where(
        AuditEntry.action == "scim.token_create"))

    # The token works; the log shows what it did, refusals with their reason.
    scim = ScimClient(app.test_client(), secret)
    assert token.last_used_at is None
    assert scim.get("/Users").status_code == 200
    assert scim.post("/Users", payloads.okta_create()).status_code == 201
    db.session.rollback()
    assert db.session.get(ScimToken, token.id).last_used_at is not None
    assert_scim_error(scim.post("/Users", raw="{"), 400)
    page = admin_client.get("/admin/provisioning/").get_data(as_text=True)
    assert "create User" in page and "Refused (400)" in page
    assert "The body is not valid JSON." in page
    assert re.search(r"SCIM: 1</li>", page) and re.search(r"Password: 1</li>", page)


def test_revoking_a_token_shuts_its_connection(app, admin_client, company):
    admin_client.post("/admin/provisioning/tokens", data={
        "name": "Okta", "csrf_token": csrf_token(admin_client)})
    token = db.session.scalar(sa.select(ScimToken))
    secret_page = admin_client.post("/admin/provisioning/tokens", data={
        "name": "Okta 2", "csrf_token": csrf_token(admin_client)}).get_data(as_text=True)
    other_secret = created_secret(secret_page)

    response = admin_client.post(f"/admin/provisioning/tokens/{token.id}/revoke",
                                 data={"csrf_token": csrf_token(admin_client)})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(ScimToken, token.id).revoked_at is not None
    # The other connection's token still works.
    assert ScimClient(app.test_client(), other_secret).get("/Users").status_code == 200


def test_token_forms_need_csrf(admin_client, company):
    assert admin_client.post("/admin/provisioning/tokens",
                             data={"name": "Entra ID"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScimToken)) == 0


def test_a_nameless_token_is_refused(admin_client, company):
    response = admin_client.post("/admin/provisioning/tokens", data={
        "name": "", "csrf_token": csrf_token(admin_client)})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScimToken)) == 0


def test_the_cli_creates_and_revokes_tokens(app, runner):
    result = runner.invoke(args=["scim-token", "create", "Keycloak"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert ScimClient(app.test_client(), secret).get("/Users").status_code == 200
    result = runner.invoke(args=["scim-token", "revoke", secret[:12]])
    assert result.exit_code == 0, result.output
    assert_scim_error(ScimClient(app.test_client(), secret).get("/Users"), 401)

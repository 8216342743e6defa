"""SSO-only mode (IDEABOARD_SSO_ENFORCED): the password pages are gone and refused by
the server, except the administrators' rate-limited, audited break-glass log-in."""

from __future__ import annotations

from html import unescape

import pytest
import sqlalchemy as sa

from ideaboard import create_app
from ideaboard.audit.models import AuditEntry
from ideaboard.extensions import db
from ideaboard.identity import oidc
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import PASSWORD, UserFactory
from tests.helpers.login import signed_in
from tests.helpers.oidc import CLIENT_ID, CraftedProvider, use_provider

BREAK_GLASS = "/login/break-glass"


@pytest.fixture
def enforced(app, httpserver):
    use_provider(app, CraftedProvider(httpserver).issuer, SSO_ENFORCED=True)
    return app


def text(answer) -> str:
    return unescape(answer.get_data(as_text=True))


def break_glass(client, email: str, password: str = PASSWORD):
    return client.post(BREAK_GLASS, data={"email": email, "password": password,
                                          "csrf_token": csrf_token(client, BREAK_GLASS)})


def test_the_login_page_offers_only_single_sign_on(enforced, client):
    page = text(client.get("/login"))
    assert "Sign in with Example ID" in page
    assert 'type="password"' not in page
    assert "/signup" not in page and "/reset-password" not in page


@pytest.mark.parametrize("method, path", [
    ("get", "/signup"), ("post", "/signup"), ("get", "/signup/sent"),
    ("get", "/signup/confirm/some-token"), ("get", "/reset-password"),
    ("post", "/reset-password"), ("get", "/reset-password/some-token"),
])
def test_sign_up_and_reset_are_gone(enforced, client, method, path):
    answer = getattr(client, method)(path, data={
        "email": "new@example.com", "csrf_token": csrf_token(client, BREAK_GLASS)})
    assert answer.status_code == 404
    assert "no passwords" in text(answer)


def test_a_password_log_in_is_refused_even_with_the_right_password(enforced, client,
                                                                    employee):
    answer = client.post("/login", data={"email": employee.email, "password": PASSWORD,
                                         "csrf_token": csrf_token(client, BREAK_GLASS)})
    assert answer.status_code == 403
    assert "no passwords" in text(answer)
    assert client.get("/account").status_code == 302


def test_an_admin_gets_in_by_break_glass_and_it_is_audited(enforced, client, admin):
    answer = break_glass(client, admin.email)
    assert answer.status_code == 302
    assert client.get("/account").status_code == 200
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "user.break_glass_login")).one()
    assert (entry.actor_id, entry.object_id) == (admin.id, admin.id)


def test_break_glass_is_for_admins_only(enforced, client, employee, company):
    wrong = UserFactory(email="root@example.com", role="admin", department=company)
    for email, password in ((employee.email, PASSWORD), (wrong.email, "not-the-password")):
        answer = break_glass(client, email, password)
        assert answer.status_code == 422
        assert "active administrator" in text(answer)
    assert client.get("/account").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "user.break_glass_login")) == 0


def test_break_glass_is_rate_limited(throttled_app, httpserver):
    provider = CraftedProvider(httpserver)
    limited = throttled_app(RATELIMIT_BREAK_GLASS="3 per minute")
    with limited.app_context():
        use_provider(limited, provider.issuer, SSO_ENFORCED=True)
        client = limited.test_client()
        codes = [break_glass(client, "nobody@example.com", "guess").status_code
                 for _ in range(4)]
        assert codes == [422, 422, 422, 429]


def test_sso_only_without_single_sign_on_refuses_to_start(database_url):
    with pytest.raises(RuntimeError, match="IDEABOARD_SSO_ENFORCED needs single sign-on"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SSO_ENFORCED": True},
                   env="testing")
    with pytest.raises(RuntimeError, match="IDEABOARD_OIDC_CLIENT_ID"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                    "OIDC_ISSUER": "https://id.example.com"}, env="testing")
    assert CLIENT_ID and oidc.metadata_url({"OIDC_ISSUER": "https://id.example.com/"}) == \
        "https://id.example.com/.well-known/openid-configuration"


def test_only_an_admin_may_change_a_password_in_sso_only_mode(enforced, app, employee,
                                                               admin):
    app.config["SSO_ENFORCED"] = False  # to sign them in through the form
    person, boss = signed_in(app, employee), signed_in(app, admin)
    app.config["SSO_ENFORCED"] = True
    form = {"password-current_password": PASSWORD, "password-new_password": "x" * 20,
            "password-confirm": "x" * 20, "password-submit": "1"}
    assert "no Ideaboard password to change" in " ".join(text(person.get("/account")).split())
    refused = person.post("/account", data={**form, "csrf_token": csrf_token(person,
                                                                             "/account")})
    assert refused.status_code == 403
    assert 'name="password-current_password"' in text(boss.get("/account"))

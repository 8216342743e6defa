"""OpenID Connect sign-in against a real provider (oidc-provider-mock on 127.0.0.1):
just-in-time accounts, updates, linking, and every refusal writing nothing."""

from __future__ import annotations

from html import unescape

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.audit.models import AuditEntry
from ideaboard.extensions import db
from ideaboard.identity.models import ExternalIdentity
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import UserFactory
from tests.helpers.oidc import (
    authorize,
    mock_provider,
    path_of,
    query_of,
    set_claims,
    use_provider,
)


@pytest.fixture(scope="module")
def provider():
    with mock_provider() as issuer:
        yield issuer


@pytest.fixture
def sso_app(app, provider):
    use_provider(app, provider)
    return app


def sign_in(client, issuer: str, subject: str):
    """Start at /login/sso, fill the provider's form as ``subject``, and return the
    app's answer to the callback."""
    start = client.get("/login/sso")
    assert start.status_code == 302
    assert start.location.startswith(f"{issuer}/")
    return client.get(path_of(authorize(start.location, subject)))


def text(answer) -> str:
    return unescape(answer.get_data(as_text=True))


def people() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def actions(user: User) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "users", AuditEntry.object_id == user.id)
        .order_by(AuditEntry.id)))


def test_the_login_page_offers_the_provider(sso_app, client):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Example ID" in page
    assert 'href="/login/sso"' in page


def test_the_authorization_request_carries_pkce_state_and_nonce(sso_app, client):
    asked = query_of(client.get("/login/sso").location)
    assert asked["response_type"] == "code"
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["code_challenge"]) == 43  # base64url of a SHA-256
    assert asked["state"] and asked["nonce"]
    assert asked["redirect_uri"] == "http://ideaboard.test/login/sso/callback"


def test_first_sign_in_creates_the_person_in_the_claimed_department(
        sso_app, provider, client, it_department):
    set_claims(provider, "noor-1", email="Noor@Example.com", email_verified=True,
               name="Noor New", department="it")
    answer = sign_in(client, provider, "noor-1")
    assert answer.status_code == 302 and answer.location == "/"
    user = db.session.scalars(sa.select(User).where(User.email == "noor@example.com")).one()
    assert (user.display_name, user.department, user.source) == ("Noor New", it_department,
                                                                  "oidc")
    identity = db.session.scalars(sa.select(ExternalIdentity)).one()
    assert (identity.user, identity.provider, identity.subject) == (user, "oidc", "noor-1")
    assert identity.last_seen_at is not None
    assert actions(user) == ["user.create", "user.login"]
    # Signed in, with no e-mail confirmation step, and no password that opens the account.
    account = " ".join(text(client.get("/account")).split())
    assert "there is no Ideaboard password to change" in account
    assert not user.has_password
    other = sso_app.test_client()
    assert other.post("/login", data={"email": user.email, "password": user.password_hash,
                                      "csrf_token": csrf_token(other)}).status_code == 422


def test_later_sign_ins_update_name_and_department_audited(
        sso_app, provider, client, it_department, hr_department):
    set_claims(provider, "mo-1", email="mo@example.com", email_verified=True,
               name="Mo Mover", department="IT")
    sign_in(client, provider, "mo-1")
    client.post("/logout")  # a fresh client below; the first one stays signed in anyway
    set_claims(provider, "mo-1", email="mo@example.com", email_verified=True,
               name="Mo Moved", department="HR")
    other = sso_app.test_client()
    assert sign_in(other, provider, "mo-1").status_code == 302
    user = db.session.scalars(sa.select(User).where(User.email == "mo@example.com")).one()
    db.session.refresh(user)
    assert (user.display_name, user.department) == ("Mo Moved", hr_department)
    assert people() == 1
    update = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "user.update", AuditEntry.object_id == user.id)).one()
    assert update.before == {"display_name": "Mo Mover", "department_id": it_department.id}
    assert update.after == {"display_name": "Mo Moved", "department_id": hr_department.id}


def test_an_unknown_department_places_the_person_in_the_root_and_tells_the_admin(
        sso_app, provider, client, company, it_department):
    set_claims(provider, "una-1", email="una@example.com", email_verified=True,
               name="Una Known", department="Skunkworks")
    assert sign_in(client, provider, "una-1").status_code == 302
    user = db.session.scalars(sa.select(User).where(User.email == "una@example.com")).one()
    assert user.department == company
    note = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "identity.unknown_department")).one()
    assert "Skunkworks" in note.reason and note.object_id == user.id
    assert note.reason.endswith("was placed in Company.")


def test_an_unknown_department_moves_nobody_later(sso_app, provider, client, it_department):
    set_claims(provider, "ike-1", email="ike@example.com", email_verified=True,
               name="Ike", department="IT")
    sign_in(client, provider, "ike-1")
    set_claims(provider, "ike-1", email="ike@example.com", email_verified=True,
               name="Ike", department="Gone Department")
    assert sign_in(sso_app.test_client(), provider, "ike-1").status_code == 302
    user = db.session.scalars(sa.select(User).where(User.email == "ike@example.com")).one()
    db.session.refresh(user)
    assert user.department == it_department
    note = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "identity.unknown_department")).one()
    assert note.reason.endswith("stays in IT.")


def test_an_existing_password_account_is_linked_not_duplicated(
        sso_app, provider, client, employee):
    set_claims(provider, "erin-1", email="employee@example.com", email_verified=True,
               name="Erin Employee", department="IT")
    assert sign_in(client, provider, "erin-1").status_code == 302
    assert people() == 1
    identity = db.session.scalars(sa.select(ExternalIdentity)).one()
    assert identity.user_id == employee.id
    assert "identity.link" in actions(employee)
    assert employee.source == "password"  # where the account came from stays true


@pytest.mark.parametrize("claims, status, message", [
    ({"email": "vic@example.com", "email_verified": False}, 403, "not verified"),
    ({"email": "vic@example.com"}, 403, "not verified"),
    ({"email": "vic@elsewhere.org", "email_verified": True}, 403, "not in a domain"),
])
def test_unverified_or_foreign_addresses_are_refused(sso_app, provider, client, company,
                                                     claims, status, message):
    set_claims(provider, "vic-1", name="Vic Tim", **claims)
    answer = sign_in(client, provider, "vic-1")
    assert answer.status_code == status
    assert message in text(answer)
    assert people() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExternalIdentity)) == 0
    assert client.get("/account").status_code == 302  # not signed in


def test_a_deactivated_person_is_refused_and_stays_deactivated(sso_app, provider, client,
                                                               company):
    gone = UserFactory(email="gone@example.com", active=False)
    set_claims(provider, "gone-1", email="gone@example.com", email_verified=True, name="G")
    answer = sign_in(client, provider, "gone-1")
    assert answer.status_code == 403
    assert "deactivated" in text(answer)
    db.session.refresh(gone)
    assert gone.active is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExternalIdentity)) == 0


def test_a_wrong_or_replayed_state_is_refused(sso_app, provider, client, company):
    set_claims(provider, "sam-1", email="sam@example.com", email_verified=True, name="Sam")
    start = client.get("/login/sso")
    back = authorize(start.location, "sam-1")
    wrong = back.replace(f"state={query_of(back)['state']}", "state=forged")
    answer = client.get(path_of(wrong))
    assert answer.status_code == 400
    assert "state does not match" in text(answer)
    assert people() == 0
    # The right state works once, then never again.
    start = client.get("/login/sso")
    back = path_of(authorize(start.location, "sam-1"))
    assert client.get(back).status_code == 302
    client.post("/logout")
    assert client.get(back).status_code == 400


def test_a_callback_from_another_browser_is_refused(sso_app, provider, client, company):
    set_claims(provider, "eve-1", email="eve@example.com", email_verified=True, name="Eve")
    start = client.get("/login/sso")
    back = path_of(authorize(start.location, "eve-1"))
    victim = sso_app.test_client()  # never started a sign-in: no state in its session
    assert victim.get(back).status_code == 400
    assert people() == 0


def test_without_a_provider_single_sign_on_is_not_there(client):
    assert client.get("/login/sso").status_code == 404
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)

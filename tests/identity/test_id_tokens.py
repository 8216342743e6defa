"""ID tokens the mock provider cannot be made to send, crafted and signed here with real
RSA keys and fetched by the app's real callback from a real token endpoint
(pytest-httpserver): each refused with a clear message, creating no person."""

from __future__ import annotations

import base64
import hashlib
import time
from html import unescape

import pytest
import sqlalchemy as sa
from joserfc.jwk import RSAKey

from ideaboard.accounts.models import User
from ideaboard.extensions import db
from ideaboard.identity.models import ExternalIdentity
from tests.helpers.oidc import CraftedProvider, query_of, use_provider


@pytest.fixture
def crafted(app, httpserver, company):
    provider = CraftedProvider(httpserver)
    use_provider(app, provider.issuer)
    return provider


def callback(client, provider: CraftedProvider, **overrides):
    """Start a sign-in, have the token endpoint answer with claims for it (with
    ``overrides``), and return the app's answer to the provider's redirect."""
    asked = query_of(client.get("/login/sso").location)
    provider.next_claims = provider.claims(asked["nonce"], **overrides)
    return client.get(f"/login/sso/callback?code=some-code&state={asked['state']}")


def text(answer) -> str:
    return unescape(answer.get_data(as_text=True))


def people() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_a_valid_crafted_token_signs_in(crafted, client):
    answer = callback(client, crafted)
    assert answer.status_code == 302, text(answer)
    assert db.session.scalars(sa.select(User.email)).one() == "casey@example.com"


def test_the_code_is_exchanged_with_the_pkce_verifier(crafted, client):
    asked = query_of(client.get("/login/sso").location)
    crafted.next_claims = crafted.claims(asked["nonce"])
    client.get(f"/login/sso/callback?code=the-code&state={asked['state']}")
    sent = crafted.token_requests[-1]
    assert (sent["grant_type"], sent["code"]) == ("authorization_code", "the-code")
    assert sent["redirect_uri"] == "http://ideaboard.test/login/sso/callback"
    digest = hashlib.sha256(sent["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]


@pytest.mark.parametrize("overrides, message", [
    ({"aud": "another-app"}, "wrong audience"),
    ({"iss": "http://127.0.0.1:1/evil"}, "another issuer"),
    ({"nonce": "not-this-sign-in"}, "nonce does not match"),
    ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, "expired"),
    ({"nonce": None}, "nonce"),
], ids=["audience", "issuer", "nonce", "expired", "no-nonce"])
def test_bad_claims_are_refused(crafted, client, overrides, message):
    answer = callback(client, crafted, **overrides)
    assert answer.status_code == 401
    assert message in text(answer)
    assert people() == 0
    assert client.get("/account").status_code == 302


def test_a_token_signed_by_another_key_is_refused(crafted, client):
    # Another key under the published key's id: the signature check, not the id, fails.
    crafted.signing_key = RSAKey.generate_key(2048, parameters={"kid": crafted.key.kid})
    answer = callback(client, crafted)
    assert answer.status_code == 401
    assert "not signed by its keys" in text(answer)
    assert people() == 0


def test_a_token_under_an_unpublished_key_id_is_refused(crafted, client):
    crafted.signing_key = RSAKey.generate_key(2048, parameters={"kid": "rogue"})
    answer = callback(client, crafted)
    assert answer.status_code == 401
    assert people() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExternalIdentity)) == 0


def test_a_rotated_key_is_fetched_when_a_token_names_it(crafted, app, client):
    assert callback(client, crafted).status_code == 302
    assert crafted.jwks_fetches == 1
    client.post("/logout")
    assert callback(app.test_client(), crafted, sub="crafted-1").status_code == 302
    assert crafted.jwks_fetches == 1  # cached
    rotated = RSAKey.generate_key(2048, parameters={"kid": "key-2"})
    crafted.published = [rotated]
    crafted.signing_key = rotated
    assert callback(app.test_client(), crafted).status_code == 302
    assert crafted.jwks_fetches == 2


def test_the_verified_claim_can_be_named(crafted, app, client):
    """Entra ID says a verified address with ``xms_edov``, not ``email_verified``."""
    app.config["OIDC_EMAIL_VERIFIED_CLAIM"] = "xms_edov"
    assert callback(client, crafted).status_code == 403  # email_verified alone: no
    assert callback(client, crafted, email_verified=None, xms_edov=True).status_code == 302

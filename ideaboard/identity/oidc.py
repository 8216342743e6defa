"""OpenID Connect sign-in: Authlib's Flask client against the company's identity provider.

The authorization-code flow with PKCE (S256), ``state`` and ``nonce``, all three kept
in the signed session cookie between the redirect and the callback. The provider is
found by discovery (``IDEABOARD_OIDC_METADATA_URL``, or the issuer's
``/.well-known/openid-configuration``). Authlib checks the ID token: its signature
against the provider's JWKS (fetched once per app and fetched again when a token names a
key id the cached set lacks, so a key rotation needs no restart), ``iss`` (the
configured issuer), ``aud`` (our client id), ``exp`` (two minutes' leeway for clocks),
``nonce`` and ``at_hash``. This module turns every failure into ``SSORefused`` with a
message a person can act on; the claims it hands on are plain values
(``SignInClaims``) for ``services.provision_from_sso``.

Authlib is imported only by an app with an issuer configured, never when this module is:
its Flask client adds about 18 MB to every worker, which an Ideaboard without OpenID
Connect should not carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError
from requests import RequestException
from werkzeug.wrappers import Response

from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.identity.services import SSORefused

EXTENSION = "ideaboard.oidc"
CLIENT_NAME = "oidc"


@dataclass(frozen=True, slots=True)
class SignInClaims:
    """What the identity provider said about the person, under our names."""

    subject: str
    email: str | None
    email_verified: bool
    display_name: str | None
    department: str | None


def metadata_url(config: dict[str, Any]) -> str | None:
    """The discovery document's address: configured, or derived from the issuer."""
    if config.get("OIDC_METADATA_URL"):
        return config["OIDC_METADATA_URL"]
    issuer = config.get("OIDC_ISSUER")
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration" if issuer else None


def register(app: Flask) -> None:
    """Set up the OpenID Connect client when an issuer is configured; refuse to start
    with a configuration that cannot work (no client id, SSO-only without SSO)."""
    discovery = metadata_url(app.config)
    if discovery is None:
        if app.config.get("SSO_ENFORCED") and not app.config.get("SAML_IDP_METADATA"):
            raise RuntimeError("IDEABOARD_SSO_ENFORCED needs single sign-on: set "
                               "IDEABOARD_OIDC_ISSUER (and its client id and secret) or "
                               "IDEABOARD_SAML_IDP_METADATA.")
        return
    if not app.config.get("OIDC_CLIENT_ID"):
        raise RuntimeError("IDEABOARD_OIDC_ISSUER is set but IDEABOARD_OIDC_CLIENT_ID is not.")
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config.get("OIDC_CLIENT_SECRET"),
        server_metadata_url=discovery,
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256"},
    )
    app.extensions[EXTENSION] = oauth


def _client():
    oauth = current_app.extensions.get(EXTENSION)
    if oauth is None:
        raise SSORefused(_("Single sign-on is not set up on this Ideaboard."), 404)
    return oauth.create_client(CLIENT_NAME)


def configured() -> bool:
    """Whether OpenID Connect sign-in is set up on this app."""
    return EXTENSION in current_app.extensions


def provider_name() -> str:
    """The identity provider's name on the sign-in button."""
    return current_app.config["OIDC_PROVIDER_NAME"]


def start(redirect_uri: str) -> Response:
    """The redirect to the provider's authorization endpoint (state, nonce and the PKCE
    verifier kept in the session)."""
    try:
        return _client().authorize_redirect(redirect_uri)
    except RequestException as error:
        raise SSORefused(_("%(provider)s cannot be reached just now. Try again in a "
                           "minute.", provider=provider_name()), 503) from error


def _expected_issuer() -> str | None:
    return current_app.config.get("OIDC_ISSUER") or None


def finish() -> SignInClaims:
    """Exchange the callback's code for tokens and check the ID token; the claims, or
    ``SSORefused`` saying what was wrong."""
    from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError

    client = _client()
    options = None
    if issuer := _expected_issuer():
        # The configured issuer, not only what the discovery document says about itself.
        options = {"iss": {"essential": True, "values": [issuer]}}
    try:
        token = client.authorize_access_token(claims_options=options)
    except MismatchingStateError as error:
        raise SSORefused(_("This sign-in did not start here, or it was already used "
                           "(the state does not match). Start again from the login page."),
                         400) from error
    except OAuthError as error:
        raise SSORefused(_("%(provider)s refused the sign-in: %(reason)s.",
                           provider=provider_name(), reason=error.description or error.error),
                         400) from error
    except ExpiredTokenError as error:
        raise SSORefused(_("The identity provider's token has expired. Sign in again."),
                         401) from error
    except ClaimError as error:
        raise SSORefused(_claim_message(error.claim), 401) from error
    except BadSignatureError as error:
        raise SSORefused(_("The identity provider's token is not signed by its keys; it "
                           "was refused."), 401) from error
    except JoseError as error:
        raise SSORefused(_("The identity provider's token could not be verified: "
                           "%(reason)s.", reason=error.description or error.error),
                         401) from error
    except RequestException as error:
        raise SSORefused(_("%(provider)s cannot be reached just now. Try again in a "
                           "minute.", provider=provider_name()), 503) from error
    claims = token.get("userinfo")
    if not claims:
        raise SSORefused(_("The identity provider sent no ID token."), 401)
    config = current_app.config
    verified = claims.get(config["OIDC_EMAIL_VERIFIED_CLAIM"])
    return SignInClaims(
        subject=str(claims.get("sub") or ""),
        email=_text(claims.get(config["OIDC_EMAIL_CLAIM"])),
        # Some providers send the string "true"; anything else is not a verification.
        email_verified=verified is True or verified == "true",
        display_name=_text(claims.get(config["OIDC_NAME_CLAIM"])),
        department=_text(claims.get(config["OIDC_DEPARTMENT_CLAIM"])),
    )


def _text(value: Any) -> str | None:
    if isinstance(value, list):  # a multi-valued claim: the first value
        value = value[0] if value else None
    return str(value) if value not in (None, "") else None


_WRONG_AUDIENCE = _l("The identity provider's token was issued for another application "
                     "(wrong audience); it was refused.")
_CLAIM_MESSAGES = {
    "aud": _WRONG_AUDIENCE,
    # An audience without our client id fails the authorized-party check first.
    "azp": _WRONG_AUDIENCE,
    "iss": _l("The identity provider's token comes from another issuer; it was refused."),
    "nonce": _l("The identity provider's token does not belong to this sign-in (the nonce "
                "does not match). Start again from the login page."),
}


def _claim_message(claim: str) -> str:
    known = _CLAIM_MESSAGES.get(claim)
    if known is not None:
        return str(known)
    return _("The identity provider's token has an invalid %(claim)s claim; it was "
             "refused.", claim=repr(claim))

"""SAML 2.0 sign-in: pysaml2 as the service provider, the ``xmlsec1`` program as its
signer and verifier.

The AuthnRequest goes by HTTP-Redirect (a GET to the identity provider, which the
page's policy allows; no form posts off the site). Its id is kept server-side
(``saml_requests``, ``services.remember_saml_request``): the identity provider answers
with a cross-site POST to the assertion consumer service, which under ``SameSite=Lax``
carries no session cookie, so the answer is matched to its request by
``InResponseTo`` in the database, and the request is marked used (a replayed Response
is refused). The assertion consumer service only hands the Response back to the
browser, which posts it on from this site with its cookie; that step checks the
request was started in this browser (``routes.saml_continue``: no login CSRF).

pysaml2 checks the Response: the assertion's signature against the identity
provider's certificate in its metadata (``want_assertions_signed``: an unsigned
assertion is refused), the assertion's lifetime (``NotOnOrAfter``, ``NotBefore``, with
a minute's leeway for clocks), the audience (our entity id), the destination and
recipient (our assertion consumer service) and ``InResponseTo`` (the one outstanding
request we name). This module turns every failure into ``SSORefused`` with a message a
person can act on; the attributes it hands on are plain values (``SignInClaims``).

pysaml2 is imported only where a configured app uses it, never when this module is: its
modules (the XML schema bindings, xmlschema) add about 15 MB to every worker and half a
second to its start, which an Ideaboard without SAML should not carry.
"""

from __future__ import annotations

import base64
import binascii
import shutil
import threading
from typing import TYPE_CHECKING, Any

from defusedxml import ElementTree as SafeElementTree
from flask import Flask, current_app
from werkzeug.wrappers import Response

from ideaboard.core.i18n import gettext as _
from ideaboard.core.urls import absolute_url
from ideaboard.identity.oidc import SignInClaims
from ideaboard.identity.services import SSORefused

if TYPE_CHECKING:
    from saml2.client import Saml2Client

EXTENSION = "ideaboard.saml"
# Seconds the clocks of the identity provider and this server may differ by.
CLOCK_LEEWAY = 60
# Seconds to wait for the identity provider's metadata document.
METADATA_TIMEOUT = 10


def register(app: Flask) -> None:
    """Set up SAML sign-in when the identity provider's metadata is configured; refuse to
    start without the ``xmlsec1`` program, or with a key and no certificate."""
    if not app.config.get("SAML_IDP_METADATA"):
        return
    xmlsec = shutil.which("xmlsec1")
    if xmlsec is None:
        raise RuntimeError("IDEABOARD_SAML_IDP_METADATA is set but the xmlsec1 program is "
                           "not installed (Debian/Ubuntu: apt-get install xmlsec1).")
    if bool(app.config.get("SAML_SP_KEY_FILE")) != bool(app.config.get("SAML_SP_CERT_FILE")):
        raise RuntimeError("Set both IDEABOARD_SAML_SP_KEY_FILE and "
                           "IDEABOARD_SAML_SP_CERT_FILE, or neither.")
    # The client is built at first use (in a request: the addresses come from BASE_URL,
    # and remote metadata is fetched then, not while the app starts).
    app.extensions[EXTENSION] = {"xmlsec": xmlsec, "client": None, "lock": threading.Lock()}


def configured() -> bool:
    """Whether SAML sign-in is set up on this app."""
    return EXTENSION in current_app.extensions


def provider_name() -> str:
    """The identity provider's name on the sign-in button."""
    return current_app.config["SAML_PROVIDER_NAME"]


def entity_id() -> str:
    """Our entity id: configured, or the address of our metadata."""
    return current_app.config.get("SAML_SP_ENTITY_ID") or absolute_url("identity.saml_metadata")


def _sp_settings(xmlsec: str) -> dict[str, Any]:
    from saml2 import BINDING_HTTP_POST

    config = current_app.config
    source = config["SAML_IDP_METADATA"]
    metadata = ({"remote": [{"url": source}]} if source.startswith(("https://", "http://"))
                else {"local": [source]})
    signs = bool(config.get("SAML_SP_KEY_FILE"))
    settings: dict[str, Any] = {
        "entityid": entity_id(),
        "xmlsec_binary": xmlsec,
        "metadata": metadata,
        "accepted_time_diff": CLOCK_LEEWAY,
        # A provider that does not answer must not hold a worker (remote metadata).
        "http_client_timeout": METADATA_TIMEOUT,
        "allow_unknown_attributes": True,
        "service": {"sp": {
            "endpoints": {
                "assertion_consumer_service": [
                    (absolute_url("identity.saml_acs"), BINDING_HTTP_POST)],
            },
            "want_assertions_signed": True,
            "want_response_signed": False,
            "authn_requests_signed": signs,
            # Only answers to a request we sent and name (InResponseTo).
            "allow_unsolicited": False,
        }},
    }
    if signs:
        settings["key_file"] = config["SAML_SP_KEY_FILE"]
        settings["cert_file"] = config["SAML_SP_CERT_FILE"]
    return settings


def _client() -> Saml2Client:
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    state = current_app.extensions.get(EXTENSION)
    if state is None:
        raise SSORefused(_("SAML sign-in is not set up on this Ideaboard."), 404)
    with state["lock"]:
        if state["client"] is None:
            sp_config = SPConfig()
            try:
                sp_config.load(_sp_settings(state["xmlsec"]))
            except Exception as error:  # an unreachable or unreadable metadata document
                current_app.logger.warning("SAML metadata could not be loaded: %s", error)
                raise SSORefused(_("%(provider)s cannot be reached just now. Try again in a "
                                   "minute.", provider=provider_name()), 503) from error
            state["client"] = Saml2Client(config=sp_config)
        return state["client"]


def metadata() -> bytes:
    """Our service provider metadata (entity id, assertion consumer service, our
    certificate when we sign), for the identity provider's administrator."""
    from saml2.metadata import create_metadata_string

    text = create_metadata_string(None, config=_client().config)
    return text if isinstance(text, bytes) else text.encode()


def start() -> tuple[str, Response]:
    """The AuthnRequest's id and the redirect carrying it to the identity provider."""
    from saml2 import BINDING_HTTP_REDIRECT

    client = _client()
    request_id, info = client.prepare_for_authenticate(binding=BINDING_HTTP_REDIRECT)
    location = dict(info["headers"])["Location"]
    response = Response(status=302, headers={"Location": location})
    return request_id, response


def in_response_to(saml_response: str) -> str | None:
    """The id of the request a Response answers, read before it is verified (to know
    which outstanding request to check it against); None if there is none."""
    try:
        root = SafeElementTree.fromstring(base64.b64decode(saml_response, validate=False))
    except (binascii.Error, ValueError, SafeElementTree.ParseError) as error:
        raise SSORefused(_("The identity provider's answer is not a SAML Response."),
                         400) from error
    value = root.get("InResponseTo")
    return value or None


def finish(saml_response: str, request_id: str) -> SignInClaims:
    """Check the Response (it must answer ``request_id``); the person's attributes, or
    ``SSORefused`` saying what was wrong."""
    from saml2 import BINDING_HTTP_POST
    from saml2.response import StatusError, UnsolicitedResponse
    from saml2.sigver import SignatureError
    from saml2.validate import ResponseLifetimeExceed, ToEarly

    client = _client()
    try:
        answer = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={request_id: "/"})
    except ResponseLifetimeExceed as error:
        raise SSORefused(_("The identity provider's assertion has expired. Sign in "
                           "again."), 401) from error
    except ToEarly as error:
        raise SSORefused(_("The identity provider's assertion is not valid yet (check "
                           "the clocks). Sign in again."), 401) from error
    except SignatureError as error:
        raise SSORefused(_("The identity provider's assertion is not signed by its keys; "
                           "it was refused."), 401) from error
    except UnsolicitedResponse as error:
        raise SSORefused(_("The identity provider's answer is for a sign-in that did not "
                           "start here. Start again from the login page."), 400) from error
    except StatusError as error:
        raise SSORefused(_("%(provider)s refused the sign-in: %(reason)s.",
                           provider=provider_name(), reason=error), 400) from error
    except Exception as error:  # pysaml2 raises bare Exceptions for some checks
        raise SSORefused(_message(error), 401) from error
    if answer is None or answer.assertion is None:
        raise SSORefused(_("The identity provider's answer holds no assertion."), 400)
    attributes = _attributes(answer)
    config = current_app.config
    name_id = answer.name_id
    return SignInClaims(
        subject=str(name_id.text).strip() if name_id is not None and name_id.text else "",
        email=_first(attributes, config["SAML_EMAIL_ATTRIBUTE"]),
        # The identity provider vouches for the address it asserts (a SAML assertion
        # has no "verified" flag): who can configure its attributes decides.
        email_verified=True,
        display_name=_first(attributes, config["SAML_NAME_ATTRIBUTE"]),
        department=_first(attributes, config["SAML_DEPARTMENT_ATTRIBUTE"]),
    )


def _message(error: Exception) -> str:
    text = str(error)
    if "AudienceRestrictions" in text:
        return _("The identity provider's assertion was issued for another application "
                 "(wrong audience); it was refused.")
    if "signature" in text.lower() or "sign" in type(error).__name__.lower():
        return _("The identity provider's assertion is not signed by its keys; it was "
                 "refused.")
    return _("The identity provider's answer could not be verified (%(error)s); it was "
             "refused.", error=type(error).__name__)


def _attributes(answer: Any) -> dict[str, list[Any]]:
    """The assertion's attributes by every name they go by: pysaml2's friendly name
    (``mail`` for ``urn:oid:0.9.2342.19200300.100.1.3``), and the ``Name`` and
    ``FriendlyName`` exactly as the identity provider sent them (Entra ID's claim URIs),
    so the configured name works whichever the administrator copied."""
    found: dict[str, list[Any]] = dict(answer.ava or {})
    for statement in answer.assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values = [value.text for value in attribute.attribute_value or [] if value.text]
            for name in (attribute.name, attribute.friendly_name):
                if name:
                    found.setdefault(name, values)
    return found


def _first(attributes: dict[str, list[Any]], name: str) -> str | None:
    values = attributes.get(name) or []
    value = values[0] if values else None
    return str(value).strip() if value not in (None, "") else None

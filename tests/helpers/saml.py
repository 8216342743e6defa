"""A real SAML identity provider for the single sign-on tests: pysaml2's ``Server`` in
the test process, with its own RSA key and certificate (made by ``openssl``), signing
its answers with the ``xmlsec1`` program as the app does when it checks them.

The test drives the browser's part (``SamlBrowser``): it starts the sign-in, reads the
AuthnRequest from the app's redirect, has the identity provider answer it
(``IdentityProvider.answer``), and posts the Response as a browser does: cross-site to
the app's assertion consumer service without the session cookie, then on from the page
it answers with, with the cookie.
"""

from __future__ import annotations

import base64
import shutil
import subprocess  # nosec B404
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import AUTHN_PASSWORD, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

from ideaboard.identity import saml

IDP_ENTITY_ID = "https://idp.example.com/saml"
IDP_SSO_URL = "https://idp.example.com/saml/sso"


def xmlsec_binary() -> str | None:
    return shutil.which("xmlsec1")


def make_key_pair(folder: Path, name: str) -> tuple[Path, Path]:
    """A new RSA key and self-signed certificate (PEM) in ``folder``."""
    key, cert = folder / f"{name}.key", folder / f"{name}.crt"
    subprocess.run(  # nosec B603 B607: a fixed command line, no shell
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", f"/CN={name}"],
        check=True, capture_output=True, timeout=30)
    return key, cert


class IdentityProvider:
    """pysaml2's identity provider, knowing our service provider by its metadata."""

    def __init__(self, folder: Path, key: Path, cert: Path, sp_metadata: bytes | None = None,
                 lifetime_minutes: int = 5, sso_url: str = IDP_SSO_URL):
        self.sso_url = sso_url
        sp_file = folder / "sp-metadata.xml"
        if sp_metadata is not None:
            sp_file.write_bytes(sp_metadata)
        settings: dict[str, Any] = {
            "entityid": IDP_ENTITY_ID,
            "xmlsec_binary": xmlsec_binary(),
            "key_file": str(key),
            "cert_file": str(cert),
            "allow_unknown_attributes": True,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(sso_url, BINDING_HTTP_REDIRECT)]},
                "policy": {"default": {"lifetime": {"minutes": lifetime_minutes},
                                       "attribute_restrictions": None}},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            }},
        }
        if sp_metadata is not None:
            settings["metadata"] = {"local": [str(sp_file)]}
        config = IdPConfig()
        config.load(settings)
        self.config = config
        self.server = Server(config=config)

    def metadata(self) -> bytes:
        text = create_metadata_string(None, config=self.config)
        return text if isinstance(text, bytes) else text.encode()

    def read_request(self, location: str) -> Any:
        """The AuthnRequest carried by the app's redirect to ``location``."""
        assert location.startswith(self.sso_url), location
        query = parse_qs(urlsplit(location).query)
        return self.server.parse_authn_request(query["SAMLRequest"][0],
                                               BINDING_HTTP_REDIRECT).message

    def answer(self, authn_request: Any, subject: str, email: str, name: str = "Ada Lovelace",
               department: str | None = None, *, in_response_to: str | None = None,
               audience: str | None = None, sign_assertion: bool = True,
               email_attribute: str = "email") -> str:
        """A Response (base64, as the browser posts it) for ``authn_request``."""
        identity = {email_attribute: [email], "displayName": [name]}
        if department is not None:
            identity["department"] = [department]
        response = self.server.create_authn_response(
            identity,
            in_response_to=in_response_to or authn_request.id,
            destination=authn_request.assertion_consumer_service_url,
            sp_entity_id=audience or authn_request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject),
            authn={"class_ref": AUTHN_PASSWORD, "authn_auth": IDP_ENTITY_ID},
            sign_assertion=sign_assertion, sign_response=False)
        return base64.b64encode(str(response).encode()).decode()


class _Form(HTMLParser):
    """The first form of a page: where it posts and its fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = found.get("action") or ""
        elif tag == "input" and found.get("name"):
            self.fields[found["name"] or ""] = found.get("value") or ""


class SamlBrowser:
    """One browser signing in with SAML: a test client that keeps its session cookie."""

    def __init__(self, app) -> None:
        self.app = app
        self.client = app.test_client()

    def start(self, idp: IdentityProvider) -> Any:
        """GET /login/saml; the AuthnRequest its redirect carries, read by the provider."""
        begin = self.client.get("/login/saml")
        assert begin.status_code == 302, begin.status_code
        return idp.read_request(begin.location)

    def post(self, saml_response: str, data: dict[str, str] | None = None):
        """The provider's cross-site POST of ``saml_response`` (or of ``data``) to the
        assertion consumer service, by a client with no cookie (``SameSite=Lax``
        sends none), then the ACS page's own form, posted from this browser; the
        ACS's answer if it has no form."""
        landing = self.app.test_client().post(
            "/saml/acs", data={"SAMLResponse": saml_response} if data is None else data)
        assert "Set-Cookie" not in landing.headers, "the ACS must not write a session"
        form = _Form()
        form.feed(landing.get_data(as_text=True))
        if landing.status_code != 200 or form.action is None:
            return landing
        return self.client.post(form.action, data=form.fields)


def use_identity_provider(app, metadata_file: Path, **config: Any) -> None:
    """Point ``app`` (not yet serving) at the identity provider whose metadata is in
    ``metadata_file``."""
    app.config.update(SAML_IDP_METADATA=str(metadata_file), SAML_PROVIDER_NAME="Example SAML",
                      ALLOWED_EMAIL_DOMAINS=["example.com"], **config)
    saml.register(app)


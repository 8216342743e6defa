"""OpenID providers for the single sign-on tests.

- ``mock_provider()``: the real ``oidc-provider-mock`` (an Authlib authorization server
  with a login form where one types the subject) on a free port of 127.0.0.1, as a
  subprocess; claims for a subject are set with ``set_claims``.
- ``CraftedProvider``: discovery, JWKS and a token endpoint served by pytest-httpserver,
  answering with ID tokens signed here with real RSA keys, for what the mock cannot be
  made to send (a token signed by another key, expired, for another audience, with the
  wrong nonce). The app's real callback fetches it over HTTP and checks it with Authlib.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.wrappers import Request, Response

from ideaboard.identity import oidc
from tests.helpers.ports import free_port

CLIENT_ID = "ideaboard-test"
CLIENT_SECRET = "test-secret"  # nosec B105


@contextmanager
def mock_provider(timeout: float = 20.0) -> Iterator[str]:
    """The running mock provider's issuer URL (``http://127.0.0.1:<port>``).

    A subprocess rather than a thread: the mock calls Authlib APIs that warn they are
    deprecated, which this suite's warnings-are-errors would turn into 500s in a thread
    of this process (and silencing them here is not thread-safe)."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    # Its log in a file: a pipe nobody reads would fill and stall the server.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port",
             str(port), "--require-nonce", "true"],
            stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONWARNINGS": "ignore"})
        try:
            _wait_until_up(issuer, process, log, timeout)
            yield issuer
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_up(issuer: str, process: subprocess.Popen, log, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
            return
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError("oidc-provider-mock did not start: "
                                   + log.read().decode(errors="replace")[-2000:]) from None
            time.sleep(0.1)


def set_claims(issuer: str, subject: str, **claims: Any) -> None:
    """What the mock provider says about ``subject`` from now on."""
    response = requests.put(f"{issuer}/users/{quote(subject, safe='')}", json=claims,
                            timeout=10)
    assert response.status_code == 204, response.text


def use_provider(app, issuer: str, **config: Any) -> None:
    """Point ``app`` (not yet serving) at ``issuer`` as its OpenID provider."""
    app.config.update(OIDC_ISSUER=issuer, OIDC_CLIENT_ID=CLIENT_ID,
                      OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_PROVIDER_NAME="Example ID",
                      ALLOWED_EMAIL_DOMAINS=["example.com"], **config)
    oidc.register(app)


def authorize(location: str, subject: str) -> str:
    """Fill the mock provider's form (at ``location``) as ``subject``; the address it
    sends the browser back to (the app's callback)."""
    response = requests.post(location, data={"sub": subject}, allow_redirects=False,
                             timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def path_of(url: str) -> str:
    """The path and query of ``url``, for the Flask test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


class CraftedProvider:
    """An OpenID provider whose token endpoint answers with the ID token the test
    crafted (``next_claims`` / ``signing_key``), served by pytest-httpserver."""

    def __init__(self, httpserver):
        self.server = httpserver
        self.issuer = httpserver.url_for("/").rstrip("/")
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
        self.published: list[RSAKey] = [self.key]
        self.signing_key = self.key
        self.next_claims: dict[str, Any] = {}
        self.jwks_fetches = 0
        self.token_requests: list[dict[str, str]] = []
        httpserver.expect_request("/.well-known/openid-configuration").respond_with_json({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })
        httpserver.expect_request("/jwks").respond_with_handler(self._jwks)
        httpserver.expect_request("/token", method="POST").respond_with_handler(self._token)

    def _jwks(self, _request: Request) -> Response:
        self.jwks_fetches += 1
        keys = KeySet(list(self.published)).as_dict(private=False)
        return Response(json.dumps(keys), content_type="application/json")

    def _token(self, request: Request) -> Response:
        self.token_requests.append(dict(request.form))
        header = {"alg": "RS256", "kid": self.signing_key.kid}
        id_token = jwt.encode(header, self.next_claims, self.signing_key)
        body = {"access_token": "opaque-access-token", "token_type": "Bearer",
                "expires_in": 3600, "id_token": id_token}
        return Response(json.dumps(body), content_type="application/json")

    def claims(self, asked_nonce: str, **overrides: Any) -> dict[str, Any]:
        """A valid ID token's claims for this sign-in, with ``overrides``."""
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "crafted-1", "iat": now,
                  "exp": now + 300, "nonce": asked_nonce, "email": "casey@example.com",
                  "email_verified": True, "name": "Casey Crafted", "department": "IT"}
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

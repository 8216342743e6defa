"""Errors of the REST API as RFC 9457 problem details (``application/problem+json``).

Every 4xx and 5xx under ``/api/`` is one JSON object of one shape, whatever raised it
(a refused token, the policy, a broken cursor, an unknown URL or method, a body too
large or not JSON, a field that does not validate, a rate limit, a failure of ours):

``type`` (``about:blank``: the status says what happened), ``title`` (the status's
phrase), ``status``, ``detail`` (what went wrong, for a person) and, for a body or query
that does not validate, ``errors``: where, then which field, then its messages
(``{"json": {"title": ["Shorter than minimum length 5."]}}``). ``core.errors`` answers
with it for every path under ``/api/``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"


def is_api_request() -> bool:
    """Whether the request is the REST API's (its errors are problem details)."""
    return request.path.startswith(API_PREFIX)


# The API answers in English whoever calls it: its clients are scripts, and its
# documentation and error texts are written once.
API_LANGUAGE = "en"


def in_english(text: str | LazyString) -> str:
    """``text`` as the API says it: a lazy text (a message shared with the pages) read in
    English; a plain one as it is."""
    if not isinstance(text, LazyString):
        return text
    with force_locale(API_LANGUAGE):
        return str(text)


class CookielessApi(SecureCookieSessionInterface):
    """The signed-cookie sessions, but none under /api/: there a request's session
    cookie is never read (a browser's session cannot be replayed against the API) and
    none is sent back (a null session cannot be written)."""

    def open_session(self, app: Flask, request) -> SessionMixin | None:  # type: ignore[override]
        if request.path.startswith(API_PREFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)


def problem(status: int, detail: str, *, errors: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None) -> Response:
    """The problem-details response for ``status``."""
    body: dict[str, Any] = {"type": "about:blank",
                            "title": HTTP_STATUS_CODES.get(status, "Error"),
                            "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status,
                                          mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response

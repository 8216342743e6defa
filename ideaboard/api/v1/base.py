"""The API's blueprint and what every call goes through before its view.

**Bearer only.** The session cookie is never read under /api/ (``core.problems.
CookielessApi``: a null session, which nothing can write, so no cookie is sent back), so
a browser's session can never be replayed against the API; CSRF does not apply, since
no browser holds the token. A request without a working token is a 401.

**The one policy, as the token's person, within the token's scopes.** The token's
person becomes the request's ``current_user``; each view declares, with
:func:`operation`, the policy's action (``core.permissions.requires``, as a page's
view does) and the scope it needs (``read`` for every GET, ``write``, ``review`` or
``admin``). Both must allow it.

**Bounded.** A body must be JSON (415 otherwise) of at most ``API_MAX_BODY`` bytes
(413); each token has its own rate limit (``RATELIMIT_API``, 429), and its writes
count against its person's limits like a page's. Errors are problem details
(``core.problems``). Every write that succeeds is audited, naming the token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, g, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE

from ideaboard.api import services
from ideaboard.api.models import ApiToken, Scope
from ideaboard.audit.services import record
from ideaboard.core import throttling
from ideaboard.core.permissions import requires
from ideaboard.core.problems import problem
from ideaboard.core.transactions import READ_METHODS, unit_of_work
from ideaboard.database import utcnow
from ideaboard.extensions import csrf, login_manager

blp = Blueprint("api", __name__, url_prefix="/api/v1",
                description="Ideaboard's REST API: bearer tokens only.")
csrf.exempt(blp)

BODY_METHODS = ("POST", "PUT", "PATCH")
UNAUTHORIZED = ("A valid bearer token is required: it is missing, unknown, revoked or "
                "expired, or its person is deactivated.")


def token() -> ApiToken:
    """The request's token (``_authenticate`` has checked it)."""
    return g.api_token


@blp.before_request
def _authenticate():
    """Before any view: a working token, its rate limit, a JSON body of bounded size."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    found = services.token_for(secret.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        return problem(401, UNAUTHORIZED, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    g.api_token = found
    login_manager._update_request_context_with_user(found.user)
    throttling.spend_token(found.id)
    request.max_content_length = current_app.config["API_MAX_BODY"]
    if request.method in BODY_METHODS and _has_body() and request.mimetype != "application/json":
        abort(415, description="Send the body as application/json.")
    return None


def _has_body() -> bool:
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"


@blp.after_request
def _note_use(response):
    """The token's last use, kept to the minute (``services.LAST_USED_GRAIN``): with a
    write's own unit of work (its commit keeps it), or after a read in a unit of its own."""
    found: ApiToken | None = g.get("api_token")
    now = utcnow()
    if found is None or not services.use_is_news(found, now):
        return response
    if request.method in READ_METHODS:
        with unit_of_work():
            services.note_use(found.id, now)
    else:
        found.last_used_at = now
    return response


def query(schema: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The view's query arguments, as keyword arguments; unknown ones are a 422 too
    (webargs would otherwise drop them from a query string silently)."""
    # An instance, not the class: webargs would make a new schema on every request.
    return blp.arguments(schema(), location="query", as_kwargs=True, unknown=RAISE)


def operation(action: str, scope: Scope) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and enforce what a view needs: the token's ``scope`` and the policy's
    ``action`` (checked before the body is read). A write that succeeds is audited."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if scope.value not in token().scope_set:
                abort(403, description=f"This token lacks the {scope.value!r} scope.")
            answer = view(*args, **kwargs)
            if request.method not in READ_METHODS:
                _audit()
            return answer

        guarded.required_scope = scope  # type: ignore[attr-defined]  # read by tests/api
        return requires(action)(guarded)

    return decorate


def _audit() -> None:
    used = token()
    record(current_user, "api.write", used, after={
        "token": f"{used.prefix}… ({used.name})", "kind": used.kind,
        "call": f"{request.method} {request.path}", "endpoint": request.endpoint})

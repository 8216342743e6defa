"""Friendly error pages (HTML for people, JSON for scripts)."""

from __future__ import annotations

import logging
from typing import TypeGuard

import sqlalchemy as sa
from flask import Flask, g, render_template, request
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.logs import logged_path
from ideaboard.core.problems import in_english, is_api_request, problem
from ideaboard.core.transactions import rolled_back_first
from ideaboard.extensions import login_manager

log = logging.getLogger("ideaboard.errors")

# Lazy: a page reads them in its person's language, the API in English (in_english).
MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to see this page."),
    404: _l("We could not find that page."),
    405: _l("That action is not allowed here."),
    413: _l("What you sent is too large."),
    # Answered so only for the API (pages show their form again with its errors).
    422: _l("Some of what was sent is not valid: see the errors of each field."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. It has been logged."),
    503: _l("Ideaboard cannot reach its database just now. Please try again in a minute."),
}
SOMETHING_WENT_WRONG = _l("Something went wrong.")

# Seconds a client is asked to wait (Retry-After) while the database is away: long
# enough for a restart or a fail-over, short enough that people come back.
RETRY_AFTER_SECONDS = 30
# Sent with every 503 for an outage (pages and /readyz): come back later, keep nothing.
UNAVAILABLE_HEADERS = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}

# What SQLAlchemy raises when the database is down, restarting, unreachable, out of
# connections or locked for longer than the busy timeout: nothing a retry later cannot
# mend, so the answer is 503, not 500.
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.TimeoutError)


def is_database_outage(error: BaseException | None) -> TypeGuard[BaseException]:
    """Whether ``error`` says the database cannot be reached now (not a bug)."""
    return isinstance(error, DATABASE_UNAVAILABLE) or (
        isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(code: int, message: str | LazyString | None = None,
                 headers: dict | None = None, errors: dict | None = None):
    """The error page for ``code``: problem details under /api/ (``core.problems``, with
    the field ``errors`` of input that did not validate; in English, as the whole API),
    JSON for clients asking for JSON, HTML for people (both in the request's language)."""
    message = message or MESSAGES.get(code, SOMETHING_WENT_WRONG)
    if is_api_request():
        return problem(code, in_english(message), errors=errors, headers=headers)
    message = str(message)
    if _wants_json():
        return {"error": message, "status": code}, code, headers or {}
    # The request's id (core.observe), for a person to quote when they report it: the
    # log lines of that very request carry it.
    page = render_template("errors/error.html", code=code, message=message,
                           request_id=g.get("request_id"))
    return page, code, headers or {}


@rolled_back_first
def database_unavailable(error: BaseException):
    """503 with a retry hint, rendered without touching the database again."""
    # The driver's message only: SQLAlchemy's own text carries the statement's parameters.
    log.error("database unavailable on %s %s: %s", request.method, logged_path(),
              getattr(error, "orig", None) or error)
    # Show the page signed out: loading the person may be what failed, and whatever was
    # loaded expired with the rollback (reading it would query again). Their session
    # is left as it is.
    login_manager._update_request_context_with_user()
    return render_error(503, headers=UNAVAILABLE_HEADERS)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # Lazy, so that the API (should a request there be refused so) says it in English.
        return render_error(
            400, _l("Your form expired or was sent from elsewhere. Go back, reload and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        # A description given where the error was raised says what to do about it (a
        # broken page link); werkzeug's default one is written for programmers.
        told = error.description if error.description != type(error).description else None
        headers = None
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers = {"Allow": ", ".join(error.valid_methods)}
        # What webargs found wrong with the fields of a body or query (the API's 422).
        data = getattr(error, "data", None)
        errors = data.get("messages") if isinstance(data, dict) else None
        return render_error(error.code, told or MESSAGES.get(error.code) or error.description,
                            headers=headers, errors=errors)

    for outage in DATABASE_UNAVAILABLE:
        app.register_error_handler(outage, database_unavailable)

    @app.errorhandler(InternalServerError)
    @rolled_back_first
    def internal_error(error: InternalServerError):
        # Raised outside a view (an after-request hook, a lost connection flagged only
        # as invalidated), an outage arrives here wrapped.
        if is_database_outage(error.original_exception):
            return database_unavailable(error.original_exception)
        return render_error(500)

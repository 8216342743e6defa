"""Security headers set on every response, and input no database can hold refused."""

from flask import Flask, request

from ideaboard.core.errors import render_error

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


NUL_MESSAGE = "What you sent contains a NUL character, which cannot be stored. Remove it and try again."


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values)


def register(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        """No text anywhere may hold NUL: PostgreSQL cannot store or even compare it."""
        if "\x00" in request.path or _has_nul(request.args.values()) or (
                request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
                and _has_nul(request.form.values())):
            return render_error(400, NUL_MESSAGE)
        return None

    @app.after_request
    def set_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        return response

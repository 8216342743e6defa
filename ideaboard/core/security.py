"""Security headers on every response; no NUL characters in paths."""

from flask import Flask, abort, request

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


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)


def register(app: Flask) -> None:
    @app.before_request
    def refuse_nul_in_paths():
        """A NUL in a path names nothing (forms and queries lose theirs on parsing)."""
        if "\x00" in request.path:
            abort(404)

    @app.after_request
    def set_headers(response):
        headers = response.headers
        # Not Headers.setdefault: it looks the name up by raising and catching a
        # KeyError, on every response.
        for name, value in SECURITY_HEADERS:
            if name not in headers:
                headers[name] = value
        return response

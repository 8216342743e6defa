"""Security headers on every response, the hosts the app answers for, the development
signing key, and no NUL characters in paths."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request, session
from werkzeug.exceptions import SecurityError
from werkzeug.sansio.utils import host_is_trusted

log = logging.getLogger("ideaboard.security")

def content_security_policy(image_origins: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy header; ``image_origins`` are the other origins
    images may come from (only the configured logo's, ``LOGO_URL``)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            " ".join(("img-src 'self' data:", *image_origins)),
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()

# The page uses none of these browser features; nothing it embeds may ask for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()" for feature in (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "payment", "usb",
    )
)

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    # A page this one opens (a link in a comment) gets no handle on it (window.opener).
    ("Cross-Origin-Opener-Policy", "same-origin"),
)

# A page shown to a signed-in person, or carrying a CSRF token tied to one browser's
# session, must not be kept by a shared cache nor by the browser's back-forward store.
PERSONAL_CACHE_CONTROL = "private, no-store"

# The names every development machine reaches itself by (werkzeug cannot match IPv6).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")

# Where a refused request's original Host header is kept (a WSGI environ key).
REFUSED_HOST = "ideaboard.refused_host"

# The file name of the development key, not a key (bandit B105).
SECRET_KEY_FILE = "secret_key"  # nosec B105


# --- the hosts the app answers for -------------------------------------------------

def trusted_hosts(config) -> list[str]:
    """``TRUSTED_HOSTS`` if configured, else the host of ``BASE_URL`` (and of
    ``SERVER_NAME``), plus the loopback names where the environment trusts them."""
    if config.get("TRUSTED_HOSTS"):
        return [host.strip().lower() for host in config["TRUSTED_HOSTS"] if host.strip()]
    hosts = [urlsplit(config["BASE_URL"]).hostname]
    if config.get("SERVER_NAME"):
        hosts.append(urlsplit(f"//{config['SERVER_NAME']}").hostname)
    if config.get("LOOPBACK_HOSTS_TRUSTED"):
        hosts.extend(LOOPBACK_HOSTS)
    return list(dict.fromkeys(host for host in hosts if host))


def configure_hosts(app: Flask) -> None:
    """Set ``TRUSTED_HOSTS`` for Flask's Host check; refuse a base address outside it
    (every e-mailed link would lead to a 400)."""
    hosts = app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    base_host = urlsplit(app.config["BASE_URL"]).netloc
    if not host_is_trusted(base_host, hosts):
        raise RuntimeError(
            f"IDEABOARD_TRUSTED_HOSTS ({', '.join(hosts)}) must include the host of "
            f"IDEABOARD_BASE_URL ({base_host}): links in e-mails lead there."
        )


class HostCheckingFlask(Flask):
    """Flask that answers a request for a host it does not serve with its own 400 page.

    Flask (3.1) checks ``TRUSTED_HOSTS`` while it builds the request's URL adapter. A
    refused Host left the request without one, so the error page (every template
    builds links) failed, and the 400 became a 500 whose own page failed the same way.
    Here the refusal is remembered, the request goes on as if it had named the
    configured host (so nothing can build a link from the forged one), and
    ``refuse_untrusted_host``, the first before-request hook, answers 400.
    """

    def create_url_adapter(self, request):
        try:
            return super().create_url_adapter(request)
        except SecurityError:
            if request is None:
                raise
            request.environ[REFUSED_HOST] = request.environ.get("HTTP_HOST", "")
            # The headers read the environ: the Host check now passes (configure_hosts
            # made sure BASE_URL's host is trusted).
            request.environ["HTTP_HOST"] = urlsplit(self.config["BASE_URL"]).netloc
            return super().create_url_adapter(request)


def refuse_untrusted_host() -> None:
    """400 for a request whose Host header names a host not in ``TRUSTED_HOSTS``."""
    if REFUSED_HOST in request.environ:
        log.warning("refused a request for host %r", request.environ[REFUSED_HOST][:200])
        abort(400)


# --- the development signing key ----------------------------------------------------

def instance_secret_key(instance_path: str) -> str:
    """The development server's signing key: random, kept in the instance folder (mode
    0600) and reused, so sessions survive a restart and no published key signs them.

    Written to a private temporary file first, then linked into place: a second process
    starting at the same moment reads the winner's key, never half of one.
    """
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SECRET_KEY_FILE
    if not path.exists():
        temporary = folder / f".{SECRET_KEY_FILE}.{secrets.token_hex(8)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won the race: use its key
        finally:
            temporary.unlink()
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise RuntimeError(f"{path} is readable by others: chmod 600 it (or delete it "
                           "to have a new development key generated).")
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key: delete it to have one generated.")
    return key


# --- response headers ---------------------------------------------------------------

def is_personal() -> bool:
    """Whether this response was made for one person: they are signed in, or the page
    carries a CSRF token (bound to their browser's session)."""
    token_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    # Flask-Login keeps the signed-in person's id under "_user_id"; reading the session
    # costs no query, unlike current_user for a page that never looked at the user.
    return token_name in g or bool(session.get("_user_id"))


def logo_origin(url: str | None) -> str | None:
    """The origin of an absolute logo URL (``https://cdn.example.com``); None for a path
    on this site or no logo."""
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def register(app: Flask) -> None:
    headers_for_all = SECURITY_HEADERS
    origin = logo_origin(app.config.get("LOGO_URL"))
    if origin:
        csp = ("Content-Security-Policy", content_security_policy((origin,)))
        headers_for_all = tuple(csp if name == csp[0] else (name, value)
                                for name, value in headers_for_all)
    if app.config.get("HSTS_MAX_AGE"):
        headers_for_all += (
            ("Strict-Transport-Security", f"max-age={int(app.config['HSTS_MAX_AGE'])}"),)

    # First of all hooks: a refused host reaches no extension and no view.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)

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
        for name, value in headers_for_all:
            if name not in headers:
                headers[name] = value
        # Static files keep their caching (they are the same for everyone).
        if request.endpoint != "static" and is_personal():
            headers["Cache-Control"] = PERSONAL_CACHE_CONTROL
        return response

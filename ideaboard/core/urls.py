"""Links: absolute ones for anything read later, safe redirect targets, and links built
once for a whole page."""

from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, request, url_for
from werkzeug.local import LocalProxy


def absolute_url(endpoint: str, **values: Any) -> str:
    """The absolute address of ``endpoint`` on the configured site, ``BASE_URL``.

    The one way to build a link for anything read later and elsewhere: e-mails,
    digests, exports. Never ``url_for(..., _external=True)``, which takes the host from
    the request's Host header: a forged one put an attacker's address in front of a
    real password-reset token. A path prefix in the base address is kept
    (``https://intranet.example/ideas`` gives ``https://intranet.example/ideas/login``).
    Works inside and outside a request. Extra ``values`` become the query string.
    """
    # current_app is declared as the Flask object it stands for; it is its proxy.
    app = cast("LocalProxy[Flask]", current_app)._get_current_object()
    base = urlsplit(app.config["BASE_URL"])
    app.inject_url_defaults(endpoint, values)
    adapter = app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                               url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target:
        return fallback
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or any(ord(ch) < 32 for ch in target):
        return fallback
    return target


def back_to(fallback: str) -> str:
    """The local page the user came from (form field ``next`` or Referer path)."""
    candidate = request.form.get("next") or request.args.get("next")
    if not candidate and request.referrer:
        ref = urlsplit(request.referrer)
        if ref.netloc == request.host:
            candidate = ref.path + (f"?{ref.query}" if ref.query else "")
    return safe_next(candidate, fallback)


def links_with(name: str, values, *, drop: tuple[str, ...] = ("page",)) -> dict[str, str]:
    """Links to the current page with query argument ``name`` set to each of ``values``,
    keeping the other arguments except ``drop``: ``{value: url}``.

    One ``url_for`` for the page, then only string work per link (the sort tabs of a
    list were a ``url_for`` each, on the most viewed page there is)."""
    # Only a request that matched no route has no endpoint, and it reaches no page.
    endpoint = cast(str, request.endpoint)
    base = url_for(endpoint, **(request.view_args or {}))
    kept = {key: value for key, value in request.args.items() if key not in drop and key != name}
    return {value: f"{base}?{urlencode({**kept, name: value})}" for value in values}


# Stands for the variable part while a link is built once by url_for.
_SLOT = "___slot___"


def link_with_slot(endpoint: str, key: str) -> str:
    """A format string for ``endpoint``'s URL with ``{}`` where ``key``'s value goes
    (already quoted by the caller): a list builds each kind of link once, not per row."""
    values: dict[str, Any] = {key: _SLOT}
    return url_for(endpoint, **values).replace(_SLOT, "{}")


def link_by_id(endpoint: str, key: str = "idea_id") -> str:
    """A format string for ``endpoint``'s URL with ``{}`` where the integer ``key`` goes:
    ``link_by_id("ideas.detail").format(7) == url_for("ideas.detail", idea_id=7)``."""
    # Integer converters refuse a placeholder: build with an id no row has, then cut.
    sentinel = 987_654_321_987
    values: dict[str, Any] = {key: sentinel}
    return url_for(endpoint, **values).replace(str(sentinel), "{}")

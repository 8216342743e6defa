"""Safe redirect targets."""

from urllib.parse import urlsplit

from flask import request


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

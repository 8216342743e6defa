"""Bearer secrets: the API's and the SCIM connections' tokens, and the one-time links of
data exports (no prefix: they travel in a URL, never as a header).

A secret is a recognisable prefix (so secret scanners and people spot a leaked one) and
32 random bytes, URL-safe base64. Only its SHA-256 is stored, and a secret is found by
that digest through a unique index: with that much randomness a slow password hash
protects nothing more, and no secret is ever compared in Python (nothing to time).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TypeGuard

MAX_LENGTH = 200  # longer than any secret made here: refused before it is hashed


def new_secret(prefix: str) -> str:
    """A fresh secret beginning with ``prefix``."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored of ``secret``, and what it is found by."""
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like(secret: str | None, prefix: str) -> TypeGuard[str]:
    """Whether ``secret`` could be one of ours with ``prefix``: worth a look-up."""
    return secret is not None and secret.startswith(prefix) and len(secret) <= MAX_LENGTH

"""Standard Webhooks signatures (https://www.standardwebhooks.com/): the secret, and
the ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# The standard's prefix of every secret, not a secret itself.
SECRET_PREFIX = "whsec_"  # nosec B105
SECRET_BYTES = 32  # the standard asks for 24 to 64


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and the base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_message_id() -> str:
    """A ``webhook-id``: unique, the same for every attempt of one delivery."""
    return f"msg_{secrets.token_urlsafe(18)}"


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,`` and the base64 HMAC-SHA256 of ``id.timestamp.body`` under the secret."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one attempt, signed at ``timestamp`` (the attempt's own time)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }

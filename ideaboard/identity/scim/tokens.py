"""The provider connections' bearer tokens: made by an admin, shown once, kept hashed.

A token is ``scim_`` and a secret made and kept as ``core.bearer`` says (only its
SHA-256 is stored). ``prefix`` (its first 12 characters) tells tokens apart in the admin
pages and the provisioning log without revealing them.
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.audit.services import record
from ideaboard.core import bearer
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.identity.scim.models import ScimToken

# bandit B105: what every SCIM token begins with, so a leaked one is recognised; not a secret.
TOKEN_PREFIX = "scim_"  # nosec B105
PREFIX_SHOWN = 12


def create_token(name: str, actor: User | None) -> tuple[ScimToken, str]:
    """A new token named ``name``: the stored row and the token itself, which is
    shown once and never again. Audited; flushes."""
    secret = bearer.new_secret(TOKEN_PREFIX)
    token = ScimToken(name=name.strip()[:80] or "SCIM", prefix=secret[:PREFIX_SHOWN],
                      token_hash=bearer.digest(secret), created_by=actor)
    db.session.add(token)
    db.session.flush()
    record(actor, "scim.token_create", token, after={"name": token.name,
                                                     "prefix": token.prefix})
    return token, secret


def revoke_token(token: ScimToken, actor: User | None) -> None:
    """Refuse ``token`` from now on (kept for the log). Audited; flushes."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    record(actor, "scim.token_revoke", token, before={"revoked": False},
           after={"revoked": True})


def token_for(secret: str | None) -> ScimToken | None:
    """The active token ``secret`` is, or None (unknown, revoked, missing)."""
    if not bearer.looks_like(secret, TOKEN_PREFIX):
        return None
    token = db.session.scalar(sa.select(ScimToken).where(
        ScimToken.token_hash == bearer.digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    return token


def all_tokens() -> list[ScimToken]:
    """Every token, newest first (for the admin page)."""
    return list(db.session.scalars(sa.select(ScimToken).order_by(ScimToken.id.desc())))

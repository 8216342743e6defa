"""Making, finding and revoking API tokens.

A token is ``ib_`` and a secret made and kept as ``core.bearer`` says (only its SHA-256
is stored, and it is found by that), shown once; the first ``PREFIX_SHOWN`` characters
stay visible to tell tokens apart. A token works while it is neither revoked nor expired
and its person is active (a deactivated person's tokens stop at once).

``last_used_at`` is written at most once a minute per token (``LAST_USED_GRAIN``), so
a script's burst of reads does not turn every read into a write that queues behind
the others for the database's write lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ideaboard.accounts.models import User
from ideaboard.api.models import ApiToken, Scope, TokenKind
from ideaboard.audit.services import record
from ideaboard.core import bearer
from ideaboard.database import utcnow
from ideaboard.extensions import db

# bandit B105: what every API token begins with, so a leaked one is recognised (secret
# scanners look for it); not a secret.
TOKEN_PREFIX = "ib_"  # nosec B105
PREFIX_SHOWN = 11
LAST_USED_GRAIN = timedelta(minutes=1)
# Days a new token may live, the choices of the form (None: until revoked).
EXPIRY_CHOICES: tuple[int | None, ...] = (7, 30, 90, 365, None)

SCOPES_BY_ROLE: dict[str, tuple[Scope, ...]] = {
    "employee": (Scope.READ, Scope.WRITE),
    "manager": (Scope.READ, Scope.WRITE, Scope.REVIEW),
    "admin": (Scope.READ, Scope.WRITE, Scope.REVIEW, Scope.ADMIN),
}


class TokenError(ValueError):
    """A token that cannot be made as asked (a scope beyond the person's role)."""


def allowed_scopes(user: User) -> tuple[Scope, ...]:
    """The scopes ``user``'s role lets their tokens have."""
    return SCOPES_BY_ROLE.get(user.role, ())


def _scopes_text(scopes: Iterable[str]) -> str:
    chosen = set(scopes)
    return " ".join(scope.value for scope in Scope if scope.value in chosen)


def create_token(user: User, name: str, scopes: Iterable[str], *,
                 expires_in_days: int | None, kind: TokenKind = TokenKind.PERSONAL,
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token acting as ``user``: the row and the secret, shown this once.
    Scopes beyond the role's are refused (``TokenError``). Audited; flushes."""
    text = _scopes_text(scopes)
    if not text:
        raise TokenError("Choose at least one scope.")
    beyond = set(text.split()) - {scope.value for scope in allowed_scopes(user)}
    if beyond:
        raise TokenError(f"Your role does not allow the scope {', '.join(sorted(beyond))}.")
    now = now or utcnow()
    secret = bearer.new_secret(TOKEN_PREFIX)
    token = ApiToken(
        kind=kind.value, name=name.strip()[:80] or "API token", prefix=secret[:PREFIX_SHOWN],
        token_hash=bearer.digest(secret), scopes=text, user_id=user.id, created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None)
    db.session.add(token)
    db.session.flush()
    record(user, "api.token_create", token, after={
        "name": token.name, "prefix": token.prefix, "kind": token.kind,
        "scopes": token.scopes,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None})
    return token, secret


def revoke_token(token: ApiToken, actor: User) -> None:
    """Refuse ``token`` from now on (kept for the list and the audit trail). Audited."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    record(actor, "api.token_revoke", token, before={"revoked": False},
           after={"revoked": True, "prefix": token.prefix})


# The token and its person as two entities of one row: a third of the cost of the same
# join through ``joinedload`` (measured), on every API call.
TOKEN_AND_PERSON = (sa.select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                    .where(ApiToken.token_hash == sa.bindparam("token_hash")))


def token_for(secret: str | None, now: datetime | None = None) -> ApiToken | None:
    """The working token ``secret`` is, with its person loaded (one query); None if it
    is unknown, revoked, expired, or its person is deactivated."""
    if not bearer.looks_like(secret, TOKEN_PREFIX):
        return None
    found = db.session.execute(TOKEN_AND_PERSON,
                               {"token_hash": bearer.digest(secret)}).one_or_none()
    if found is None:
        return None
    token, person = found
    # Kept on the token: the session's identity map holds objects weakly, so without it
    # ``token.user`` would read the person again once ``person`` goes out of scope.
    set_committed_value(token, "user", person)
    if not token.active(now or utcnow()) or not person.active:
        return None
    return token


def use_is_news(token: ApiToken, now: datetime) -> bool:
    """Whether ``last_used_at`` is older than ``LAST_USED_GRAIN`` (worth a write)."""
    return token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRAIN


def note_use(token_id: int, now: datetime) -> None:
    """Write the token's last use (one UPDATE; the caller's unit of work commits)."""
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id)
                       .values(last_used_at=now))


def tokens_of(user: User) -> list[ApiToken]:
    """``user``'s personal tokens, newest first (their account's page)."""
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id,
                                  ApiToken.kind == TokenKind.PERSONAL.value)
        .order_by(ApiToken.id.desc())))


def service_tokens() -> list[ApiToken]:
    """Every service token with its admin, newest first (the admin page)."""
    return list(db.session.scalars(
        sa.select(ApiToken).options(joinedload(ApiToken.user))
        .where(ApiToken.kind == TokenKind.SERVICE.value).order_by(ApiToken.id.desc())))


def get_token(token_id: int, kind: TokenKind) -> ApiToken | None:
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.kind == kind.value else None

"""The API's bearer tokens: only their SHA-256 is kept, with the prefix shown to tell
them apart, their scopes, expiry, last use and revocation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.accounts.models import User
from ideaboard.database import UTCDateTime, enum_check, utcnow
from ideaboard.extensions import Model


class TokenKind(StrEnum):
    PERSONAL = "personal"  # made by a person on their account page, acting as them
    SERVICE = "service"  # made by an admin for a tool, acting as that admin


class Scope(StrEnum):
    """What a token may be used for, on top of what its person may do (the policy)."""

    READ = "read"  # every GET
    WRITE = "write"  # ideas, votes, comments, follows
    REVIEW = "review"  # the review queue, scores, decisions
    ADMIN = "admin"  # admin things (and seeing anonymous authors, as admins do)


class ApiToken(Model):
    """One bearer token. The token itself is 32 random bytes: a slow hash adds nothing,
    so its SHA-256 is stored (unique, the index it is found by)."""

    __tablename__ = "api_tokens"
    __table_args__ = (enum_check("kind", [k.value for k in TokenKind]),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default=TokenKind.PERSONAL.value)
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Space-separated Scope values, in Scope's order.
    scopes: Mapped[str] = mapped_column(sa.String(64))
    # Whom the token acts as: its maker (a service token's admin).
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept to the minute (services.LAST_USED_GRAIN): not a write on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and not self.expired(now)

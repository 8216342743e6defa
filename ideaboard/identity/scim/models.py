"""What SCIM provisioning keeps: the provider connections' bearer tokens, the resources
as the client last sent them, and a log of every provisioning request's outcome."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.accounts.models import User
from ideaboard.database import UTCDateTime, enum_check, utcnow
from ideaboard.extensions import Model


class ScimToken(Model):
    """One provider connection's bearer token. Only its SHA-256 is stored (a token is
    32 random bytes, so a slow hash adds nothing); its first characters stay visible so
    an admin can tell tokens apart."""

    __tablename__ = "scim_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The last request that changed something (reads write nothing: core.transactions).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ScimUser(Model):
    """A provisioned person: the SCIM User resource as the client last wrote it (so
    every attribute it sends reads back as sent), beside the account it drives. Its
    SCIM ``id`` is the account's id. Deleting the resource deletes this row and
    deactivates the account; what the person wrote stays."""

    __tablename__ = "scim_users"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # userName and externalId as columns, for the filters clients send before a
    # create (``userName eq "..."``); userName lower-cased, as SCIM compares it.
    user_name: Mapped[str] = mapped_column(sa.String(255), unique=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    resource: Mapped[dict] = mapped_column(sa.JSON)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class ScimGroup(Model):
    """A SCIM Group as the client last wrote it. Groups whose name is configured
    (IDEABOARD_SCIM_ADMIN_GROUP, IDEABOARD_SCIM_MANAGER_GROUP) give their members that
    role; see ``services``."""

    __tablename__ = "scim_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(sa.String(255), unique=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    resource: Mapped[dict] = mapped_column(sa.JSON)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Outcome(StrEnum):
    OK = "ok"
    WARNING = "warning"  # done, with something the admin should know (unknown department)
    REFUSED = "refused"  # a 4xx: nothing changed


class ProvisioningEvent(Model):
    """One provisioning request and what became of it, for the admin pages."""

    __tablename__ = "provisioning_events"
    __table_args__ = (enum_check("outcome", [o.value for o in Outcome]),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    token_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scim_tokens.id", ondelete="SET NULL"))
    operation: Mapped[str] = mapped_column(sa.String(16))  # create, replace, patch, delete
    resource_type: Mapped[str] = mapped_column(sa.String(16))  # User, Group
    resource_id: Mapped[str | None] = mapped_column(sa.String(64))
    outcome: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[int] = mapped_column()
    detail: Mapped[str] = mapped_column(sa.Text, default="")

    token: Mapped[ScimToken | None] = relationship()

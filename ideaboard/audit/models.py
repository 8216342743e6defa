"""The append-only audit trail: who did what, when, from what to what, and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.accounts.models import User
from ideaboard.database import UTCDateTime, utcnow
from ideaboard.extensions import Model


class AuditEntry(Model):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # None when the system acted (escalation, automatic review entry).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[User | None] = relationship()


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(_mapper, _connection, target):
    raise AppendOnlyError(f"audit entry {target.id} is append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(_mapper, _connection, target):
    raise AppendOnlyError(f"audit entry {target.id} is append-only")

"""Writing and reading the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.extensions import db


def record(
    actor,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry; ``actor`` None means the system. Flushes, never commits."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else "system"),
        object_id=object_id if object_id is not None else getattr(obj, "id", None),
        before=before,
        after=after,
        reason=reason or "",
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def entries_query(*, action: str | None = None, object_type: str | None = None,
                  actor_id: int | None = None, object_id: int | None = None,
                  system_only: bool = False, since: datetime | None = None,
                  until: datetime | None = None):
    """A filtered, newest-first select of audit entries (``since`` <= created_at < ``until``)."""
    query = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if system_only:
        query = query.where(AuditEntry.actor_id.is_(None))
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    if action:
        query = query.where(AuditEntry.action == action)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    return query

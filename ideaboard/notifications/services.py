"""Creating and reading in-app notifications.

Every capability that tells people something calls ``notify``; it keeps each
user's unread counter (shown in the bell) exact in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.core.paging import Page, paginate
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications.models import Notification, NotificationKind


def notify(
    user_ids: Iterable[int],
    kind: NotificationKind | str,
    message: str,
    *,
    idea_id: int | None = None,
    comment_id: int | None = None,
    exclude: Iterable[int] = (),
) -> list[Notification]:
    """Notify each user once (duplicates and ``exclude`` dropped). Flushes.

    ``message`` must already be safe to show to every recipient: it must never
    name the author of an anonymous idea.
    """
    skip = set(exclude)
    recipients = sorted({uid for uid in user_ids if uid is not None and uid not in skip})
    if not recipients:
        return []
    kind = NotificationKind(kind).value
    created = [
        Notification(user_id=uid, kind=kind, message=message[:300], idea_id=idea_id,
                     comment_id=comment_id)
        for uid in recipients
    ]
    db.session.add_all(created)
    db.session.execute(
        sa.update(User)
        .where(User.id.in_(recipients))
        .values(unread_notifications=User.unread_notifications + 1)
    )
    db.session.flush()
    return created


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False if it is not theirs or already read."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user.id,
               Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if result.rowcount:
        _recount(user)
    return bool(result.rowcount)


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    _recount(user)
    return result.rowcount


def _recount(user: User) -> None:
    unread = (
        sa.select(sa.func.count(Notification.id))
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    db.session.execute(sa.update(User).where(User.id == user.id).values(unread_notifications=unread))
    db.session.flush()
    db.session.refresh(user, ["unread_notifications"])


# What the list shows of each notification: plain rows, newest first, from the
# (user_id, created_at) index. Built once; a page adds the user and its slice.
_LIST = (sa.select(Notification.id, Notification.message, Notification.created_at,
                   Notification.read_at, Notification.idea_id, Notification.comment_id)
         .where(Notification.user_id == sa.bindparam("user_id"))
         .order_by(Notification.created_at.desc(), Notification.id.desc()))


def for_user(user: User, *, page: int = 1, per_page: int = 30) -> Page:
    """One page of the user's notifications, newest first, as rows (id, message,
    created_at, read_at, idea_id, comment_id). Not counted: a count of every
    notification someone ever had grew with their history (the bell's unread count
    is kept in the users row)."""
    return paginate(_LIST, per_page, page, entities=False, params={"user_id": user.id})

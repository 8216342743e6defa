"""Creating and reading in-app notifications.

Every capability that tells people something calls ``notify``; it keeps each
user's unread counter (shown in the bell) exact in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import cast

import sqlalchemy as sa

from ideaboard.accounts.models import EmailFrequency, User
from ideaboard.core.i18n import Text
from ideaboard.core.paging import Cursor, KeysetPage, seek_page
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications.models import Notification, NotificationKind
from ideaboard.notifications.queries import KEYSET, LIST

# How long after its latest event an unread notification still takes in the next one
# of its kind about its idea: a burst of comments is one notification, not one each.
GROUP_WINDOW = timedelta(minutes=15)


def notify(
    user_ids: Iterable[int],
    kind: NotificationKind | str,
    message: str | Text,
    *,
    idea_id: int | None = None,
    comment_id: int | None = None,
    campaign_id: int | None = None,
    exclude: Iterable[int] = (),
    grouped: Callable[[int], str | Text] | None = None,
) -> list[Notification]:
    """Notify each user once (duplicates and ``exclude`` dropped). Flushes.

    With ``grouped`` (the message for ``n`` events) and an idea, a user who has an
    unread notification of this kind about this idea from the last ``GROUP_WINDOW``
    gets that one updated (counted, re-dated, ``grouped(n)`` as its text) instead of a
    new row; their unread counter is unchanged, as the number of unread rows is.
    Returns only the new rows (those are e-mailed, so a burst is e-mailed once).

    ``message`` (and ``grouped``'s) must already be safe to show to every recipient:
    it must never name the author of an anonymous idea. A ``Text`` (core.i18n) is
    shown to each reader in their own language; a plain string as it is.
    """
    skip = set(exclude)
    recipients = sorted({uid for uid in user_ids if uid is not None and uid not in skip})
    if not recipients:
        return []
    kind = NotificationKind(kind).value
    if grouped is not None and idea_id is not None:
        joined = _join_groups(recipients, kind, idea_id, grouped)
        recipients = [uid for uid in recipients if uid not in joined]
        if not recipients:
            return []
    created = [
        Notification(user_id=uid, kind=kind, **_columns(message), idea_id=idea_id,
                     comment_id=comment_id, campaign_id=campaign_id)
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


def _join_groups(recipients: list[int], kind: str, idea_id: int,
                 grouped: Callable[[int], str | Text]) -> set[int]:
    """Count one more event into each recipient's open group; the recipients who had one.

    One UPDATE claims the rows (the newest open one per person) with their new counts,
    so a group that was read meanwhile is not counted into (the person gets a new row,
    and the unread counter stays exact); then one UPDATE per distinct count sets the text.
    A daily reader's group goes into their next digest again with its new count; a
    per-event reader was e-mailed at the group's first event and is not again.
    """
    now = utcnow()
    reads_digests = sa.exists().where(User.id == Notification.user_id,
                                      User.email_frequency == EmailFrequency.DAILY.value)
    newest_open = (
        sa.select(sa.func.max(Notification.id))
        .where(Notification.user_id.in_(recipients), Notification.kind == kind,
               Notification.idea_id == idea_id, Notification.read_at.is_(None),
               Notification.created_at >= now - GROUP_WINDOW)
        .group_by(Notification.user_id)
    )
    claimed = db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(newest_open), Notification.read_at.is_(None))
        .values(group_count=Notification.group_count + 1, created_at=now,
                emailed=sa.case((reads_digests, False), else_=Notification.emailed))
        .returning(Notification.id, Notification.user_id, Notification.group_count)
        .execution_options(synchronize_session=False)
    ).all()
    by_count: dict[int, list[int]] = defaultdict(list)
    for notification_id, _, count in claimed:
        by_count[count].append(notification_id)
    for count, ids in by_count.items():
        db.session.execute(
            sa.update(Notification).where(Notification.id.in_(ids))
            .values(**_columns(grouped(count)))
            .execution_options(synchronize_session=False)
        )
    return {user_id for _, user_id, _ in claimed}


def _columns(message: str | Text) -> dict:
    """The ``message`` (English, at most 300 characters) and ``message_text`` of a row."""
    if isinstance(message, Text):
        return {"message": message.english[:300], "message_text": message.as_json()}
    return {"message": message[:300], "message_text": None}


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False if it is not theirs or already read."""
    # Session.execute is typed as any Result; for DML without RETURNING it is a CursorResult.
    result = cast(sa.CursorResult, db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user.id,
               Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ))
    if result.rowcount:
        _recount(user)
    return bool(result.rowcount)


def mark_all_read(user: User) -> int:
    result = cast(sa.CursorResult, db.session.execute(  # a CursorResult: see mark_read
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ))
    _recount(user)
    return result.rowcount


def _recount(user: User) -> None:
    unread = (
        sa.select(sa.func.count(Notification.id))
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(unread_notifications=unread))
    db.session.flush()
    db.session.refresh(user, ["unread_notifications"])


def for_user(user: User, *, per_page: int = 30, cursor: Cursor | None = None,
             from_request: bool = True) -> KeysetPage:
    """The page of the user's notifications the request's cursor asks for, newest
    first, as rows (id, message, created_at, read_at, idea_id, comment_id, kind,
    message_text, campaign_id). Not
    counted: a count of every notification someone ever had grew with their history
    (the bell's unread count is kept in the users row). The API passes its own
    ``cursor`` instead (``core.paging.seek_page``)."""
    return seek_page(KEYSET, LIST.__getitem__, per_page, {"user_id": user.id},
                     cursor=cursor, from_request=from_request)

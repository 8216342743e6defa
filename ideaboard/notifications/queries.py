"""The statement behind the notification list, built once.

SQLAlchemy keeps the compiled form of a statement object, so the list pays for running
its select, not for building and keying it on every view.
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.core.paging import DIRECTIONS, Keyset, page_order, seek, seek_columns
from ideaboard.notifications.models import Notification

# What the list shows of each notification: plain rows, newest first, seeking along the
# (user_id, created_at) index from the page's cursor (``core.paging.seek``).
KEYSET = Keyset("notifications", Notification.created_at, Notification.id, "datetime")
_THEIRS = (sa.select(Notification.id.label("id"), Notification.created_at.label("sort_key"))
           .where(Notification.user_id == sa.bindparam("user_id")))


def _list(direction: str | None) -> sa.Select:
    page = seek(_THEIRS, KEYSET, direction)
    return (sa.select(Notification.id, Notification.message, Notification.created_at,
                      Notification.read_at, Notification.idea_id, Notification.comment_id,
                      Notification.kind, Notification.message_text, Notification.campaign_id,
                      *seek_columns(page))
            .join(page, page.c.id == Notification.id)
            .order_by(*page_order(page, KEYSET)))


LIST = {direction: _list(direction) for direction in DIRECTIONS}  # one per direction

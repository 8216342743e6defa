"""The statement behind the notification list, built once.

SQLAlchemy keeps the compiled form of a statement object, so the list pays for running
its select, not for building and keying it on every view.
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.notifications.models import Notification

# What the list shows of each notification: plain rows, newest first, from the
# (user_id, created_at) index. A page adds the user and its slice (``core.paging``).
LIST = (sa.select(Notification.id, Notification.message, Notification.created_at,
                  Notification.read_at, Notification.idea_id, Notification.comment_id,
                  Notification.kind)
        .where(Notification.user_id == sa.bindparam("user_id"))
        .order_by(Notification.created_at.desc(), Notification.id.desc()))

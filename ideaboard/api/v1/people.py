"""The departments, and the token's person's own notifications."""

from __future__ import annotations

from ideaboard.api.models import Scope
from ideaboard.api.v1 import schemas
from ideaboard.api.v1.base import blp, operation, query
from ideaboard.api.v1.ideas import cursor_of, me, page_size
from ideaboard.core.i18n import SOURCE_LANGUAGE, in_language
from ideaboard.notifications import services as notifications
from ideaboard.notifications.display import items
from ideaboard.notifications.queries import KEYSET
from ideaboard.org.services import all_departments


@blp.route("/departments", methods=["GET"])
@operation("idea.browse", Scope.READ)
@blp.response(200, schemas.DepartmentList)
@blp.doc(tags=["departments"])
def departments():
    """Every department, by name (ideas are submitted for one)."""
    return {"items": [{"id": d.id, "name": d.name, "slug": d.slug, "parent_id": d.parent_id,
                       "review_threshold": d.review_threshold} for d in all_departments()]}


@blp.route("/me/notifications", methods=["GET"])
@operation("notifications.view", Scope.READ)
@query(schemas.CursorQuery)
@blp.response(200, schemas.NotificationList)
@blp.doc(tags=["notifications"])
def my_notifications(cursor: str | None = None):
    """The person's notifications, newest first, as their page shows them now (what a
    moderator has hidden since is not shown)."""
    page = notifications.for_user(me(), per_page=page_size(None),
                                  cursor=cursor_of(KEYSET, cursor), from_request=False)
    with in_language(SOURCE_LANGUAGE):  # the API answers in English
        shown = items(page.items, me())
    return {"items": [{"id": item.id, "message": item.message, "created_at": item.created_at,
                       "unread": item.unread, "url": item.target_url} for item in shown],
            "next_cursor": page.next_cursor}

"""Where notifications lead, and the notification list's items with their links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for

from ideaboard.core.urls import link_by_id
from ideaboard.notifications.models import Notification


def target_url(notification: Notification) -> str:
    """Where a notification leads: its idea, scrolled to the comment it is about."""
    return _target(link_by_id("ideas.detail"), url_for("notifications.index"),
                   notification.idea_id, notification.comment_id)


def _target(idea_link: str, own_list: str, idea_id: int | None, comment_id: int | None) -> str:
    if idea_id is None:
        return own_list
    return idea_link.format(idea_id) + (f"#comment-{comment_id}" if comment_id else "")


@dataclass(frozen=True, slots=True)
class Item:
    """One notification as the list shows it, with its links."""

    id: int
    message: str
    created_at: datetime
    unread: bool
    target_url: str  # where it leads (see target_url)
    open_url: str  # POST: mark read and go there
    read_url: str  # POST: mark read


def items(rows) -> list[Item]:
    """The list's items; each kind of link is built once for the page, not per row."""
    idea_link = link_by_id("ideas.detail")
    open_link = link_by_id("notifications.open", "notification_id")
    read_link = link_by_id("notifications.read", "notification_id")
    own_list = url_for("notifications.index")
    made = []
    for notification_id, message, created_at, read_at, idea_id, comment_id in rows:
        target = _target(idea_link, own_list, idea_id, comment_id)
        made.append(Item(notification_id, message, created_at, read_at is None, target,
                          open_link.format(notification_id), read_link.format(notification_id)))
    return made

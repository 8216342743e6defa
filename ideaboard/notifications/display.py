"""What the notification list shows: its items with their links, and where each leads.

Each kind of link is built once for the page and filled in per item
(``core.urls.link_by_id``), not asked of ``url_for`` per row, and whether a moderator
has hidden what an item is about is read for the whole page in one query
(``visibility.subjects``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for

from ideaboard.core.permissions import can, checker
from ideaboard.core.urls import link_by_id
from ideaboard.notifications.models import Notification, NotificationKind, shown_text
from ideaboard.notifications.visibility import subjects

# Where a flag notification leads its moderator: the queue where they act on it.
MODERATION_QUEUE = "moderation.queue"
# Where a notification about a comment leads: the comment, on whichever page holds it.
COMMENT = "comments.show"
# Where a campaign's news leads: the campaign's page.
CAMPAIGN = "campaigns.detail"


def target_url(notification: Notification, viewer) -> str:
    """Where a notification leads: its idea, scrolled to the comment it is about; the
    list itself if a moderator has hidden what it is about from ``viewer``."""
    refs = (notification.idea_id, notification.comment_id)
    if not can(viewer, "notification.show_subject", subjects([refs])[refs]):
        return url_for("notifications.index")
    if notification.kind == NotificationKind.FLAG:
        return url_for(MODERATION_QUEUE)
    if notification.campaign_id is not None:
        return link_by_id(CAMPAIGN, "campaign_id").format(notification.campaign_id)
    return _target(link_by_id("ideas.detail"), url_for("notifications.index"), *refs,
                   comment_link=link_by_id(COMMENT, "comment_id"))


def _target(idea_link: str, own_list: str, idea_id: int | None, comment_id: int | None,
            kind: str = "", queue: str = "", *, comment_link: str = "") -> str:
    if kind == NotificationKind.FLAG and queue:
        return queue
    if idea_id is None:
        return own_list
    # A comment's own address finds the page that holds it now: the idea's comments
    # are paged, and a comment moves to later pages as the discussion grows.
    return comment_link.format(comment_id) if comment_id else idea_link.format(idea_id)


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
    moderated: bool = False  # what it is about is hidden, and shown: the viewer may see it


def items(rows, viewer) -> list[Item]:
    """The list's items as ``viewer`` may see them now; each kind of link is built once
    for the page, not per row.

    Whether a moderator has hidden an item's idea or comment since is read for the whole
    page in one query (``visibility.subjects``); an item the viewer may no longer see
    shows a neutral line instead of its text and leads back to the list.
    """
    rows = list(rows)
    idea_link = link_by_id("ideas.detail")
    open_link = link_by_id("notifications.open", "notification_id")
    read_link = link_by_id("notifications.read", "notification_id")
    own_list = url_for("notifications.index")
    comment_link = link_by_id(COMMENT, "comment_id")
    campaign_link = link_by_id(CAMPAIGN, "campaign_id")
    about = subjects((row[4], row[5]) for row in rows)
    may_show = checker(viewer, "notification.show_subject")
    queue = url_for(MODERATION_QUEUE) if any(
        row[6] == NotificationKind.FLAG for row in rows) else ""
    made = []
    # Past the nine columns, a list's rows carry their cursor's (core.paging.seek_columns).
    for (notification_id, message, created_at, read_at, idea_id, comment_id, kind, kept_text,
         campaign_id, *_rest) in rows:
        subject = about[(idea_id, comment_id)]
        shown = may_show(subject)
        if shown:
            message = shown_text(message, kept_text)  # in the reader's language
            target = campaign_link.format(campaign_id) if campaign_id is not None else \
                _target(idea_link, own_list, idea_id, comment_id, kind, queue,
                        comment_link=comment_link)
        else:
            message, target = subject.neutral_message, own_list
        made.append(Item(notification_id, message, created_at, read_at is None, target,
                         open_link.format(notification_id), read_link.format(notification_id),
                         moderated=shown and subject.hidden))
    return made

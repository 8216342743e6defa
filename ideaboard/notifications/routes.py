"""The signed-in user's notifications: the list, marking read, and opening one."""

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from ideaboard.extensions import db
from ideaboard.notifications import services
from ideaboard.notifications.models import Notification
from ideaboard.policy import requires
from ideaboard.core.paging import page_number
from ideaboard.core.urls import link_by_id

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

PAGE_SIZE = 30


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


def _items(rows) -> list[Item]:
    """The list's items; each kind of link is built once for the page, not per row."""
    idea_link = link_by_id("ideas.detail")
    open_link = link_by_id("notifications.open", "notification_id")
    read_link = link_by_id("notifications.read", "notification_id")
    own_list = url_for("notifications.index")
    items = []
    for notification_id, message, created_at, read_at, idea_id, comment_id in rows:
        target = _target(idea_link, own_list, idea_id, comment_id)
        items.append(Item(notification_id, message, created_at, read_at is None, target,
                          open_link.format(notification_id), read_link.format(notification_id)))
    return items


def _own(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    return notification


@bp.get("")
@requires("notifications.view")
def index():
    notifications = services.for_user(current_user, page=page_number(), per_page=PAGE_SIZE)
    return render_template("notifications/index.html", notifications=notifications,
                           items=_items(notifications.items))


@bp.post("/<int:notification_id>/read")
@requires("notifications.view")
def read(notification_id: int):
    _own(notification_id)
    services.mark_read(current_user, notification_id)
    db.session.commit()
    return redirect(_back() + f"#notification-{notification_id}")


@bp.post("/<int:notification_id>/open", endpoint="open")
@requires("notifications.view")
def open_(notification_id: int):
    """Mark the notification read and go to what it is about (a POST: it changes state)."""
    notification = _own(notification_id)
    services.mark_read(current_user, notification.id)
    db.session.commit()
    return redirect(target_url(notification))


@bp.post("/read-all")
@requires("notifications.view")
def read_all():
    services.mark_all_read(current_user)
    db.session.commit()
    return redirect(_back())


def _back() -> str:
    """Back to the page of the list the user was on."""
    page = request.form.get("page", type=int)
    return url_for("notifications.index", page=page) if page and page > 1 \
        else url_for("notifications.index")

"""The signed-in user's notifications: the list, marking read, and opening one."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from ideaboard.core.permissions import requires
from ideaboard.extensions import db
from ideaboard.notifications import services
from ideaboard.notifications.display import items, target_url
from ideaboard.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

PAGE_SIZE = 30


def _own(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    return notification


@bp.get("")
@requires("notifications.view")
def index():
    notifications = services.for_user(current_user, per_page=PAGE_SIZE)
    return render_template("notifications/index.html", notifications=notifications,
                           items=items(notifications.items, current_user))


@bp.post("/<int:notification_id>/read")
@requires("notifications.view")
def read(notification_id: int):
    _own(notification_id)
    services.mark_read(current_user, notification_id)
    return redirect(_back() + f"#notification-{notification_id}")


@bp.post("/<int:notification_id>/open", endpoint="open")
@requires("notifications.view")
def open_(notification_id: int):
    """Mark the notification read and go to what it is about (a POST: it changes state)."""
    notification = _own(notification_id)
    services.mark_read(current_user, notification.id)
    return redirect(target_url(notification, current_user))


@bp.post("/read-all")
@requires("notifications.view")
def read_all():
    services.mark_all_read(current_user)
    return redirect(_back())


def _back() -> str:
    """Back to the page of the list the user was on."""
    page = request.form.get("page", type=int)
    return url_for("notifications.index", page=page) if page and page > 1 \
        else url_for("notifications.index")

"""The signed-in user's notifications."""

from flask import Blueprint, render_template

from ideaboard.policy import requires

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("")
@requires("notifications.view")
def index():
    return render_template("notifications/index.html")

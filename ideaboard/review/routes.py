"""The review queue and the manager's review and decision forms."""

from flask import Blueprint, render_template

from ideaboard.policy import requires

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.get("")
@requires("review.queue")
def queue():
    return render_template("review/queue.html")

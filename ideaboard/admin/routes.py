"""Admin pages: people, departments and the audit trail."""

from flask import Blueprint, render_template

from ideaboard.policy import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@requires("admin.users")
def users():
    return render_template("admin/users.html")

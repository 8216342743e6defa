"""Routes every deployment needs: the health check for load balancers."""

import sqlalchemy as sa
from flask import Blueprint

from ideaboard.core.errors import UNAVAILABLE_HEADERS
from ideaboard.core.permissions import PUBLIC, requires
from ideaboard.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
@requires(PUBLIC)
def healthz():
    """200 when the app and its database answer, 503 otherwise."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        # A 503: the request's unit of work rolls the failed transaction back.
        return {"status": "unavailable", "database": "unreachable"}, 503, UNAVAILABLE_HEADERS
    return {"status": "ok", "database": "ok"}

"""Follow and unfollow an idea from its page (plain form POSTs that redirect back)."""

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from ideaboard.core import throttling
from ideaboard.core.i18n import gettext as _
from ideaboard.core.permissions import authorize, requires, visible_or_404
from ideaboard.extensions import db
from ideaboard.following import services
from ideaboard.ideas.display import idea_page_section
from ideaboard.ideas.models import Idea

bp = Blueprint("following", __name__)


@idea_page_section("following")
def follow_section(idea: Idea, viewer) -> dict:
    """Whether the viewer follows the idea (one query)."""
    user = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    return {"is_following": services.is_following(user.id, idea.id)}


def _visible_idea(idea_id: int) -> Idea:
    return visible_or_404(db.session.get(Idea, idea_id), "idea.view")


def _back(idea: Idea):
    return redirect(url_for("ideas.detail", idea_id=idea.id, _anchor="follow"))


@bp.post("/ideas/<int:idea_id>/follow")
@requires("idea.browse")
def follow(idea_id: int):
    idea = _visible_idea(idea_id)
    authorize("idea.follow", idea)
    throttling.spend("follow", current_user)
    services.follow(current_user.id, idea.id)
    flash(_("You follow this idea: you will hear of its comments and status changes."),
          "success")
    return _back(idea)


@bp.post("/ideas/<int:idea_id>/unfollow")
@requires("idea.browse")
def unfollow(idea_id: int):
    idea = _visible_idea(idea_id)
    authorize("idea.follow", idea)
    throttling.spend("follow", current_user)
    services.unfollow(current_user.id, idea.id)
    flash(_("You no longer follow this idea."), "info")
    return _back(idea)

"""Voting: a plain form POST that redirects back, or JSON for the in-place widget."""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ideaboard.core.errors import render_error
from ideaboard.core.urls import back_to
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.policy import can, requires, visible_or_404
from ideaboard.voting import services
from ideaboard.voting.forms import VoteForm

bp = Blueprint("voting", __name__)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/ideas/<int:idea_id>/vote")
@requires("idea.browse")
def vote(idea_id: int):
    # The department comes along: the vote may take the idea past its review threshold.
    idea = visible_or_404(db.session.get(Idea, idea_id, options=[joinedload(Idea.department)]),
                          "idea.view")
    form = VoteForm()
    if not form.validate():
        return render_error(400, "That vote could not be understood.")
    if not can(current_user, "idea.vote", idea):
        return render_error(403, "You cannot vote on this idea: it is your own, or no longer "
                                 "open for votes.")
    value = services.cast_vote(current_user, idea, form.value.data)
    db.session.commit()
    if _wants_json():
        return {"idea_id": idea.id, "upvotes": idea.upvotes, "downvotes": idea.downvotes,
                "net": idea.net_votes, "my_vote": value}
    return redirect(back_to(url_for("ideas.index")) + f"#idea-{idea.id}")

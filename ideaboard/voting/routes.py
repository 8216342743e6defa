"""Voting: a plain form POST that redirects back, or JSON for the in-place widget."""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from ideaboard.core import throttling
from ideaboard.core.errors import render_error
from ideaboard.core.forms import required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import ngettext
from ideaboard.core.permissions import can, requires, visible_or_404
from ideaboard.core.urls import back_to
from ideaboard.ideas.display import review_progress
from ideaboard.voting import services
from ideaboard.voting.forms import VoteForm

bp = Blueprint("voting", __name__)


def _widget_words(idea, my_vote: int) -> dict[str, str]:
    """What static/js/vote.js writes after a vote, in the voter's language: the buttons'
    names as templates/_macros/vote.html writes them ("{title}" stands for the idea's
    title, which the page holds), the score's, and what a screen reader announces."""
    return {
        "up": _("Support, %(supporters)s: %(title)s", title="{title}", supporters=ngettext(
            "%(num)d supporter", "%(num)d supporters", idea.upvotes)),
        "down": _("Oppose, %(against)s: %(title)s", title="{title}", against=ngettext(
            "%(num)d against", "%(num)d against", idea.downvotes)),
        "score": _("Net score %(score)d", score=idea.net_votes),
        "mine": (_("You support this idea.") if my_vote == 1 else
                 _("You oppose this idea.") if my_vote == -1 else _("Your vote is taken back.")),
        "net": _("Net score %(score)d.", score=idea.net_votes),
        "reached": _("It has the votes it needs and goes to review."),
    }


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/ideas/<int:idea_id>/vote")
@requires("idea.browse")
def vote(idea_id: int):
    # Only the few columns of the idea a vote needs (services.VoteTarget), not an Idea:
    # loading one with its texts and department, then again after the commit to answer,
    # was a third of the cost of a vote.
    idea = visible_or_404(services.vote_target(idea_id), "idea.view")
    form = VoteForm()
    if not form.validate():
        return render_error(400, _("That vote could not be understood."))
    voter = current_user._get_current_object()
    if not can(voter, "idea.vote", idea):
        return render_error(403, _("You cannot vote on this idea: it is your own, or no "
                                   "longer open for votes."))
    # Over the limit: Throttled answers 429 with Retry-After (JSON for the widget).
    throttling.spend("vote", voter)
    value = services.cast_vote(voter, idea, required(form.value.data))
    if _wants_json():
        # The progress to review, as the page shows it (null once the idea left "open").
        progress = review_progress(idea.status, idea.net_votes, idea.review_threshold,
                                   idea.department_name)
        return {"idea_id": idea.id, "upvotes": idea.upvotes, "downvotes": idea.downvotes,
                "net": idea.net_votes, "my_vote": value, "status": idea.status,
                "progress": progress._asdict() if progress else None,
                "words": _widget_words(idea, value)}
    return redirect(back_to(url_for("ideas.index")) + f"#idea-{idea.id}")

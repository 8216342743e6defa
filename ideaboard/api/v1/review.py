"""For managers: their review queue, their scores of an idea, and decisions, which go
through the one state machine (``review.services.score_and_decide`` asks
``review.workflow``; nothing here sets a status)."""

from __future__ import annotations

from typing import Any

from flask import abort

from ideaboard.api.models import Scope
from ideaboard.api.v1 import schemas
from ideaboard.api.v1.base import blp, operation, query
from ideaboard.api.v1.ideas import idea_or_404, me, read_idea
from ideaboard.core.permissions import authorize
from ideaboard.review import services as review
from ideaboard.review.workflow import ConflictError, TransitionError


@blp.route("/review/queue", methods=["GET"])
@operation("review.queue", Scope.REVIEW)
@query(schemas.PageQuery)
@blp.response(200, schemas.QueuePage)
@blp.doc(tags=["review"])
def queue(page: int = 1):
    """The ideas waiting for the person's review, in the queue's order (one query)."""
    found = review.queue_page(me(), page)
    return {"page": found.page, "has_next": found.has_next, "items": [
        {"id": row.id, "title": row.title, "department": row.department_name,
         "entered_review_at": row.entered_review_at, "review_due_at": row.review_due_at,
         "net_votes": row.upvotes - row.downvotes, "review_count": row.review_count,
         "merit_score": row.merit_score, "scored_by_me": bool(row.scored_by_viewer)}
        for row in found.items]}


def _refused(error: Exception):
    abort(409 if isinstance(error, ConflictError) else 422, description=str(error))


@blp.route("/ideas/<int:idea_id>/score", methods=["PUT"])
@operation("idea.browse", Scope.REVIEW)
@blp.arguments(schemas.ScoreIn())
@blp.response(200, schemas.ScoreOut)
@blp.doc(tags=["review"])
def score(data: dict[str, Any], idea_id: int):
    """Save the person's scores of an idea under their review (1 to 5 each)."""
    idea = idea_or_404(idea_id)
    authorize("idea.score", idea)
    try:
        saved = review.save_review(idea, me(), impact=data["impact"],
                                   feasibility=data["feasibility"], effort=data["effort"],
                                   note=data.get("note", ""))
    except (review.ReviewError, TransitionError) as error:
        _refused(error)
    return {"idea_id": idea.id, "impact": saved.impact, "feasibility": saved.feasibility,
            "effort": saved.effort, "note": saved.note}


@blp.route("/ideas/<int:idea_id>/decision", methods=["POST"])
@operation("idea.browse", Scope.REVIEW)
@blp.arguments(schemas.DecisionIn())
@blp.response(200, schemas.IdeaDetail)
@blp.doc(tags=["review"])
def decide(data: dict[str, Any], idea_id: int):
    """Decide an idea under review: accepted (with an owner), needs_info, declined or
    duplicate (of another idea); all but acceptance need a rationale."""
    idea = idea_or_404(idea_id)
    authorize("idea.decide", idea)
    try:
        review.score_and_decide(idea, me(), data["decision"], data.get("rationale", ""),
                                owner_id=data.get("owner_id"),
                                duplicate_of_id=data.get("duplicate_of_id"))
    except (review.ReviewError, TransitionError) as error:
        _refused(error)
    return read_idea(idea.id)

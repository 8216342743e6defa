"""Comments: one page of an idea's threads as its page shows them, a new comment, a
reply. Authors are named as on the page (``comments.display.shown_threads``): an
anonymous idea's author is "The author" to all but admins, removed and hidden comments
show no text."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from ideaboard.api.models import Scope
from ideaboard.api.v1 import schemas
from ideaboard.api.v1.base import blp, operation, query
from ideaboard.api.v1.ideas import idea_or_404, me
from ideaboard.comments import services as comments
from ideaboard.comments.display import ShownComment, shown_threads
from ideaboard.comments.models import Comment
from ideaboard.core import throttling
from ideaboard.core.permissions import authorize, visible_or_404
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea


def _comment(shown: ShownComment) -> dict[str, Any]:
    return {"id": shown.id, "author": shown.author,
            "body_html": str(shown.body_html) if shown.body_html is not None else None,
            "removed": shown.placeholder, "created_at": shown.created_at,
            "edited_at": shown.edited_at}


def _listed(shown: ShownComment) -> dict[str, Any]:
    """One comment of a list, as ``schemas.CommentOut`` dumps it (``schemas.Dumped``)."""
    return {**_comment(shown), "created_at": shown.created_at.isoformat(),
            "edited_at": shown.edited_at.isoformat() if shown.edited_at else None}


@blp.route("/ideas/<int:idea_id>/comments", methods=["GET"])
@operation("idea.browse", Scope.READ)
@query(schemas.CommentListQuery)
@blp.response(200, schemas.CommentList)
@blp.doc(tags=["comments"])
def list_comments(idea_id: int, before: int | None = None):
    """One page of the idea's threads, newest first, each with its first replies (one
    query, whatever the length of the discussion)."""
    idea = idea_or_404(idea_id)
    page = comments.thread_page(idea, before=before)
    threads = shown_threads(idea, me(), utcnow(), page.items)
    return {"items": [{"comment": _listed(t.comment),
                       "replies": [_listed(r) for r in t.replies],
                       "reply_count": t.reply_count} for t in threads],
            "next_before": page.earlier}


def _created(comment: Comment) -> dict[str, Any]:
    [thread] = shown_threads(comment.idea, me(), utcnow(),
                             [comments.Thread(comments.comment_row(comment))])
    return _comment(thread.comment)


def _post(idea: Idea, body: str, parent: Comment | None) -> dict[str, Any]:
    throttling.spend("reply" if parent is not None else "comment", current_user)
    try:
        comment = comments.add_comment(me(), idea, body, parent=parent)
    except comments.CommentError as error:
        abort(422, description=str(error))
    return _created(comment)


@blp.route("/ideas/<int:idea_id>/comments", methods=["POST"])
@operation("idea.browse", Scope.WRITE)
@blp.arguments(schemas.CommentIn())
@blp.response(201, schemas.CommentOut)
@blp.doc(tags=["comments"])
def create_comment(data: dict[str, Any], idea_id: int):
    """Comment on the idea (Markdown, @mentions); one starts following it."""
    idea = idea_or_404(idea_id)
    authorize("idea.comment", idea)
    return _post(idea, data["body"], None)


@blp.route("/comments/<int:comment_id>/replies", methods=["POST"])
@operation("idea.browse", Scope.WRITE)
@blp.arguments(schemas.CommentIn())
@blp.response(201, schemas.CommentOut)
@blp.doc(tags=["comments"])
def reply(data: dict[str, Any], comment_id: int):
    """Reply to a comment (a reply to a reply goes under its top-level comment)."""
    parent = db.session.get(Comment, comment_id)
    parent = visible_or_404(parent, "idea.view", through=parent and parent.idea)
    authorize("idea.comment", parent.idea)
    authorize("comment.reply", parent)
    return _post(parent.idea, data["body"], parent)

"""Ideas: the list (the idea list's own query, keyset-paged), one idea with its
timeline and decision, submitting and editing, votes and follows. Each view is the
page's view without the HTML: the same services, queries and policy."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app
from flask_login import current_user

from ideaboard.api.models import Scope
from ideaboard.api.v1 import schemas
from ideaboard.api.v1.base import blp, operation, query
from ideaboard.core import throttling
from ideaboard.core.paging import cursor_or_400, seek_page
from ideaboard.core.permissions import authorize, can, visible_or_404
from ideaboard.extensions import db
from ideaboard.following import services as following
from ideaboard.ideas import display
from ideaboard.ideas import services as ideas
from ideaboard.ideas.models import Idea
from ideaboard.ideas.queries import default_sort
from ideaboard.org.models import Department
from ideaboard.org.services import get_by_slug
from ideaboard.review import display as review_display
from ideaboard.review.services import current_decision
from ideaboard.voting import services as voting

BROKEN_CURSOR = "That cursor is broken or belongs to another list: start from the first page."


def me():
    return current_user._get_current_object()


def page_size(asked: int | None) -> int:
    limit = int(current_app.config["API_MAX_PAGE_SIZE"])
    return min(asked or current_app.config["PAGE_SIZE"], limit)


def cursor_of(keyset, text: str | None):
    """The cursor a client sent back, or a 400 problem for one that does not read."""
    return cursor_or_400(keyset, text, BROKEN_CURSOR)


def idea_or_404(idea_id: int) -> Idea:
    """The idea if the token's person may see it: hidden (moderated) ideas are 404."""
    return visible_or_404(db.session.get(Idea, idea_id), "idea.view")


def _summary(key: display.CardKey) -> dict[str, Any]:
    """One card as ``schemas.IdeaSummary`` dumps it (``schemas.Dumped``)."""
    # The card's facts, not display.card: its links and labels, which JSON drops, were
    # two fifths of a list's time.
    facts = display.card_facts(key)
    return {"id": facts.id, "title": facts.title, "excerpt": facts.excerpt,
            "status": facts.status, "upvotes": facts.upvotes, "downvotes": facts.downvotes,
            "net_votes": facts.upvotes - facts.downvotes,
            "comment_count": facts.comment_count,
            "created_at": facts.created_at.isoformat(),
            "author": facts.author_name, "is_anonymous": facts.is_anonymous,
            "department": facts.department_name, "tags": list(facts.tags),
            "my_vote": facts.my_vote, "votable": facts.votable}


@blp.route("/ideas", methods=["GET"])
@operation("idea.browse", Scope.READ)
@query(schemas.IdeaListQuery)
@blp.response(200, schemas.IdeaList)
@blp.doc(tags=["ideas"])
def list_ideas(status: str = "", department: str = "", tag: str = "", q: str = "",
               sort: str = "", limit: int | None = None,
               cursor: str | None = None):
    """The ideas, filtered, searched and sorted as on the idea list; hidden ideas are
    left out. One query per page, whatever its size."""
    department_id = None
    if department:
        found = get_by_slug(department)
        if found is None:
            return {"items": [], "next_cursor": None}
        department_id = found.id
    filters = ideas.IdeaFilters(sort=sort or default_sort(q), q=q, status=status,
                                department_id=department_id, tag=tag)
    query = ideas.list_query(me(), filters)
    page = seek_page(query.keyset, query.statements, page_size(limit), query.params,
                     cursor=cursor_of(query.keyset, cursor), from_request=False)
    return {"items": [_summary(key) for key in display.cards(me(), page.items)],
            "next_cursor": page.next_cursor}


def _actor(change, idea: Idea, author_visible: bool) -> str:
    """Who made a status change, as the idea page names them (``change_actor``)."""
    if change.actor_id is None:
        return "Ideaboard (automatic)"
    if change.actor_id == idea.author_id and idea.is_anonymous and not author_visible:
        return "The author"
    return change.actor.display_name


def _change(change, idea: Idea, author_visible: bool) -> dict[str, Any]:
    return {"from_status": change.from_status, "to_status": change.to_status,
            "actor": _actor(change, idea, author_visible), "reason": change.reason,
            "created_at": change.created_at}


def idea_payload(idea: Idea, tag_names, my_vote: int) -> dict[str, Any]:
    """One idea as its page shows it to the token's person."""
    author_visible = can(me(), "idea.see_author", idea)
    changes = review_display.timeline(idea.id)
    decision = current_decision(idea, changes)
    return {
        "id": idea.id, "title": idea.title, "body_markdown": idea.body_md,
        "body_html": idea.body_html, "status": idea.status, "upvotes": idea.upvotes,
        "downvotes": idea.downvotes, "net_votes": idea.upvotes - idea.downvotes,
        "comment_count": idea.comment_count, "created_at": idea.created_at,
        "author": idea.author.display_name if author_visible else None,
        "is_anonymous": idea.is_anonymous, "department": idea.department.name,
        "department_slug": idea.department.slug, "tags": list(tag_names),
        "my_vote": my_vote,
        "timeline": [_change(change, idea, author_visible) for change in changes],
        "decision": _change(decision, idea, author_visible) if decision else None,
    }


def read_idea(idea_id: int) -> dict[str, Any]:
    page = ideas.get_idea_page(idea_id, me())
    if page is None:
        abort(404, description="There is no such idea.")
    idea = visible_or_404(page.idea, "idea.view")
    return idea_payload(idea, page.tag_names, page.my_vote)


@blp.route("/ideas/<int:idea_id>", methods=["GET"])
@operation("idea.browse", Scope.READ)
@blp.response(200, schemas.IdeaDetail)
@blp.doc(tags=["ideas"])
def get_idea(idea_id: int):
    """One idea with its timeline and the decision that stands, if any."""
    return read_idea(idea_id)


@blp.route("/ideas", methods=["POST"])
@operation("idea.create", Scope.WRITE)
@blp.arguments(schemas.IdeaCreate())
@blp.response(201, schemas.IdeaDetail)
@blp.doc(tags=["ideas"])
def create_idea(data: dict[str, Any]):
    """Submit an idea (open, for its department; the person's own department if none)."""
    department = me().department
    if data.get("department_id"):
        department = db.session.get(Department, data["department_id"])
        if department is None:
            abort(422, description="There is no such department.")
    throttling.spend("idea", me())
    try:
        tags = ideas.clean_tags(data.get("tags") or [])
        idea = ideas.submit_idea(me(), data["title"], data["body"], department, tags,
                                 bool(data.get("anonymous")))
    except ideas.IdeaError as error:
        abort(422, description=str(error))
    return read_idea(idea.id)


@blp.route("/ideas/<int:idea_id>", methods=["PATCH"])
@operation("idea.browse", Scope.WRITE)
@blp.arguments(schemas.IdeaEdit())
@blp.response(200, schemas.IdeaDetail)
@blp.doc(tags=["ideas"])
def edit_idea(data: dict[str, Any], idea_id: int):
    """Edit one's idea while it is in one's hands (fields left out stay as they are)."""
    idea = idea_or_404(idea_id)
    authorize("idea.edit", idea)
    throttling.spend("edit", me())
    try:
        tags = ideas.clean_tags(data["tags"] if "tags" in data
                                else [tag.name for tag in idea.tags])
        ideas.edit_idea(idea, me(), data.get("title", idea.title),
                        data.get("body", idea.body_md), tags)
    except ideas.IdeaError as error:
        abort(422, description=str(error))
    return read_idea(idea.id)


@blp.route("/ideas/<int:idea_id>/vote", methods=["POST"])
@operation("idea.browse", Scope.WRITE)
@blp.arguments(schemas.VoteIn())
@blp.response(200, schemas.VoteOut)
@blp.doc(tags=["ideas"])
def vote(data: dict[str, Any], idea_id: int):
    """Vote +1 or -1, or take one's vote back with 0 (never on one's own idea)."""
    target = visible_or_404(voting.vote_target(idea_id), "idea.view")
    authorize("idea.vote", target)
    throttling.spend("vote", me())
    value = voting.cast_vote(me(), target, data["value"])
    return {"idea_id": target.id, "upvotes": target.upvotes, "downvotes": target.downvotes,
            "net_votes": target.net_votes, "my_vote": value, "status": target.status}


def _follow(idea_id: int, on: bool) -> dict[str, Any]:
    idea = idea_or_404(idea_id)
    authorize("idea.follow", idea)
    throttling.spend("follow", me())
    (following.follow if on else following.unfollow)(me().id, idea.id)
    return {"idea_id": idea.id, "following": on}


@blp.route("/ideas/<int:idea_id>/follow", methods=["PUT"])
@operation("idea.browse", Scope.WRITE)
@blp.response(200, schemas.FollowOut)
@blp.doc(tags=["ideas"])
def follow(idea_id: int):
    """Follow the idea: hear of its comments and status changes."""
    return _follow(idea_id, True)


@blp.route("/ideas/<int:idea_id>/follow", methods=["DELETE"])
@operation("idea.browse", Scope.WRITE)
@blp.response(200, schemas.FollowOut)
@blp.doc(tags=["ideas"])
def unfollow(idea_id: int):
    """Stop following the idea."""
    return _follow(idea_id, False)

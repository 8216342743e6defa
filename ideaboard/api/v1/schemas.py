"""The marshmallow schemas of the API v1: what each endpoint reads and answers.

Bodies and queries refuse unknown fields (marshmallow's RAISE): a misspelt field is a
422 naming it, never silently ignored. Every text is bounded as its form is.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from ideaboard.comments.services import MAX_BODY_LENGTH as COMMENT_MAX
from ideaboard.core.converters import MAX_ID
from ideaboard.ideas.models import IdeaStatus
from ideaboard.ideas.queries import RELEVANCE_SORT, SORTS
from ideaboard.ideas.services import BODY_MAX, MAX_TAGS, TAG_MAX_LENGTH, TITLE_MAX, TITLE_MIN
from ideaboard.review import workflow

CURSOR_MAX = 400
# As the review page's fields are (review.forms): the rationale and the private note.
RATIONALE_MAX = NOTE_MAX = 5000
STATUSES = [status.value for status in IdeaStatus]
# Identifiers: bounded as the database's keys and the URLs' ids are
# (core.converters.IdConverter): a larger number is no row's id, and PostgreSQL's
# integer would refuse it with an error rather than find nothing.
ID = validate.Range(min=1, max=MAX_ID)


class Strict(Schema):
    class Meta:
        unknown = RAISE


class ProblemSchema(Schema):
    """RFC 9457 problem details: every error under /api/."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Field errors: location, then field, "
                                                  "then its messages."})


class Dumped(fields.Nested):
    """A nested schema's values that the view has already made exactly as the schema
    would dump them (JSON types, ISO dates): documented as the schema, sent as they are.
    For the long lists, where marshmallow's field-by-field dump was a fifth of a call;
    ``tests/api/test_dumped.py`` checks each such view against the schema's own dump."""

    # Nested and Field name the first argument differently; neither can be matched.
    def _serialize(self, nested_obj: Any, attr: Any, obj: Any,  # type: ignore[override]
                   **kwargs: Any) -> Any:
        return nested_obj


class Paged(Schema):
    next_cursor = fields.String(allow_none=True, required=True,
                                metadata={"description": "Pass as `cursor` for the next "
                                                         "page; null on the last."})


# --- ideas ------------------------------------------------------------------------

class IdeaListQuery(Strict):
    status = fields.String(validate=validate.OneOf(STATUSES))
    department = fields.String(validate=validate.Length(max=80),
                               metadata={"description": "A department's slug."})
    tag = fields.String(validate=validate.Length(max=TAG_MAX_LENGTH))
    q = fields.String(validate=validate.Length(max=200),
                      metadata={"description": "Words to search for."})
    sort = fields.String(validate=validate.OneOf([*SORTS, RELEVANCE_SORT]), metadata={
        "description": "Default: relevance with q (best match first), else trending."})
    limit = fields.Integer(validate=validate.Range(min=1, max=100))
    cursor = fields.String(validate=validate.Length(max=CURSOR_MAX))


class IdeaSummary(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    excerpt = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    upvotes = fields.Integer(required=True)
    downvotes = fields.Integer(required=True)
    net_votes = fields.Integer(required=True)
    comment_count = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    author = fields.String(allow_none=True, required=True,
                           metadata={"description": "Null when the idea is anonymous "
                                                    "(admins excepted)."})
    is_anonymous = fields.Boolean(required=True)
    department = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    my_vote = fields.Integer(required=True)
    votable = fields.Boolean(required=True)


class IdeaList(Paged):
    items = fields.List(Dumped(IdeaSummary), required=True)


class TimelineEntry(Schema):
    from_status = fields.String(allow_none=True, required=True)
    to_status = fields.String(required=True)
    actor = fields.String(required=True)
    reason = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class IdeaDetail(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    body_markdown = fields.String(required=True)
    body_html = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    upvotes = fields.Integer(required=True)
    downvotes = fields.Integer(required=True)
    net_votes = fields.Integer(required=True)
    comment_count = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    author = fields.String(allow_none=True, required=True)
    is_anonymous = fields.Boolean(required=True)
    department = fields.String(required=True)
    department_slug = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    my_vote = fields.Integer(required=True)
    timeline = fields.List(fields.Nested(TimelineEntry), required=True)
    decision = fields.Nested(TimelineEntry, allow_none=True, required=True)


_TITLE = validate.Length(min=TITLE_MIN, max=TITLE_MAX)
_BODY = validate.Length(min=1, max=BODY_MAX)
_TAGS = validate.Length(max=MAX_TAGS)
_TAG = fields.String(validate=validate.Length(min=1, max=TAG_MAX_LENGTH))


class IdeaCreate(Strict):
    title = fields.String(required=True, validate=_TITLE)
    body = fields.String(required=True, validate=_BODY, metadata={"description": "Markdown."})
    department_id = fields.Integer(allow_none=True, validate=ID, metadata={
        "description": "The department it is for; the person's own when left out."})
    tags = fields.List(_TAG, validate=_TAGS)
    anonymous = fields.Boolean()


class IdeaEdit(Strict):
    title = fields.String(validate=_TITLE)
    body = fields.String(validate=_BODY)
    tags = fields.List(_TAG, validate=_TAGS)


class VoteIn(Strict):
    value = fields.Integer(required=True, strict=True, validate=validate.OneOf([-1, 0, 1]))


class VoteOut(Schema):
    idea_id = fields.Integer(required=True)
    upvotes = fields.Integer(required=True)
    downvotes = fields.Integer(required=True)
    net_votes = fields.Integer(required=True)
    my_vote = fields.Integer(required=True)
    status = fields.String(required=True)


class FollowOut(Schema):
    idea_id = fields.Integer(required=True)
    following = fields.Boolean(required=True)


# --- comments -----------------------------------------------------------------------

class CommentListQuery(Strict):
    before = fields.Integer(validate=ID, metadata={
        "description": "The `next_before` of the previous page: older threads."})


class CommentOut(Schema):
    id = fields.Integer(required=True)
    author = fields.String(allow_none=True, required=True)
    body_html = fields.String(allow_none=True, required=True)
    removed = fields.String(allow_none=True, required=True, metadata={
        "description": "Why the text is not shown (removed, hidden), or null."})
    created_at = fields.DateTime(required=True)
    edited_at = fields.DateTime(allow_none=True, required=True)


class ThreadOut(Schema):
    comment = fields.Nested(CommentOut, required=True)
    replies = fields.List(fields.Nested(CommentOut), required=True)
    reply_count = fields.Integer(required=True)


class CommentList(Schema):
    items = fields.List(Dumped(ThreadOut), required=True)
    next_before = fields.Integer(allow_none=True, required=True)


class CommentIn(Strict):
    body = fields.String(required=True, validate=validate.Length(min=1, max=COMMENT_MAX))


# --- departments, notifications -------------------------------------------------------

class DepartmentOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    review_threshold = fields.Integer(allow_none=True, required=True)


class DepartmentList(Schema):
    items = fields.List(fields.Nested(DepartmentOut), required=True)


class CursorQuery(Strict):
    cursor = fields.String(validate=validate.Length(max=CURSOR_MAX))


class NotificationOut(Schema):
    id = fields.Integer(required=True)
    message = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    unread = fields.Boolean(required=True)
    url = fields.String(required=True)


class NotificationList(Paged):
    items = fields.List(fields.Nested(NotificationOut), required=True)


# --- review ---------------------------------------------------------------------------

class PageQuery(Strict):
    page = fields.Integer(validate=validate.Range(min=1, max=10_000))


class QueueEntry(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    department = fields.String(required=True)
    entered_review_at = fields.DateTime(allow_none=True, required=True)
    review_due_at = fields.DateTime(allow_none=True, required=True)
    net_votes = fields.Integer(required=True)
    review_count = fields.Integer(required=True)
    merit_score = fields.Float(allow_none=True, required=True)
    scored_by_me = fields.Boolean(required=True)


class QueuePage(Schema):
    items = fields.List(fields.Nested(QueueEntry), required=True)
    page = fields.Integer(required=True)
    has_next = fields.Boolean(required=True)


_SCORE = validate.Range(min=1, max=5)


class ScoreIn(Strict):
    impact = fields.Integer(required=True, strict=True, validate=_SCORE)
    feasibility = fields.Integer(required=True, strict=True, validate=_SCORE)
    effort = fields.Integer(required=True, strict=True, validate=_SCORE)
    note = fields.String(validate=validate.Length(max=NOTE_MAX))


class ScoreOut(Schema):
    idea_id = fields.Integer(required=True)
    impact = fields.Integer(required=True)
    feasibility = fields.Integer(required=True)
    effort = fields.Integer(required=True)
    note = fields.String(required=True)


class DecisionIn(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(
        [status.value for status in workflow.DECISIONS]))
    rationale = fields.String(validate=validate.Length(max=RATIONALE_MAX))
    owner_id = fields.Integer(allow_none=True, validate=ID, metadata={
        "description": "Who carries out accepted work (an active person's id)."})
    duplicate_of_id = fields.Integer(allow_none=True, validate=ID, metadata={
        "description": "The idea a duplicate is merged into."})

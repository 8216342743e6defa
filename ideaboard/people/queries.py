"""The statements behind a person's page, built once (see ``ideas.queries``).

What a person's page lists is what every colleague may see of them, whoever looks:
never an idea they posted anonymously, nor a comment they wrote on one (it would name
the author the idea hides: the idea page calls them "The author"), nor anything hidden
by a moderator or removed, nor a comment on a hidden idea. Each list is one statement
per page, seeking along its index from the page's cursor: ideas by
``ix_ideas_author_created``, comments by ``ix_comments_author_id`` (newest first by id,
which that index carries on SQLite and which sorts one person's comments only on
PostgreSQL).
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.comments.models import Comment
from ideaboard.core.paging import DIRECTIONS, Keyset, page_order, seek, seek_columns
from ideaboard.ideas.models import Idea
from ideaboard.ideas.queries import card_select
from ideaboard.org.models import Department

PERSON_PARAM = "person_id"

# The person with their department's name: the page's header.
PERSON = (sa.select(User.id, User.display_name, User.created_at,
                    Department.name.label("department_name"),
                    Department.slug.label("department_slug"))
          .outerjoin(Department, Department.id == User.department_id)
          .where(User.id == sa.bindparam(PERSON_PARAM)))

# Their ideas as the idea list's cards, newest first: chosen on ideas alone, seeking
# from the cursor (``core.paging.seek``), then the card columns read for the page's rows
# only (as ideas.queries.list_statement does).
IDEAS_KEYSET = Keyset("people.ideas", Idea.created_at, Idea.id, "datetime")
_THEIR_IDEAS = (
    sa.select(Idea.id.label("id"), Idea.created_at.label("sort_key"))
    .where(Idea.author_id == sa.bindparam(PERSON_PARAM), sa.not_(Idea.is_anonymous),
           sa.not_(Idea.hidden)))


def _ideas(direction: str | None) -> sa.Select:
    page = seek(_THEIR_IDEAS, IDEAS_KEYSET, direction)
    return (card_select().add_columns(*seek_columns(page)).join(page, page.c.id == Idea.id)
            .order_by(*page_order(page, IDEAS_KEYSET)))


# Their comments with the title of the idea each is on, newest first: by id alone.
COMMENTS_KEYSET = Keyset("people.comments", Comment.id, Comment.id, "int")
_THEIR_COMMENTS = (
    sa.select(Comment.id.label("id"), Comment.id.label("sort_key"))
    .join(Idea, Idea.id == Comment.idea_id)
    .where(Comment.author_id == sa.bindparam(PERSON_PARAM), sa.not_(Comment.hidden),
           Comment.deleted_at.is_(None), sa.not_(Idea.hidden),
           # On their own anonymous idea a comment would unmask them.
           sa.not_(sa.and_(Idea.is_anonymous, Idea.author_id == Comment.author_id))))


def _comments(direction: str | None) -> sa.Select:
    page = seek(_THEIR_COMMENTS, COMMENTS_KEYSET, direction)
    return (sa.select(Comment.id, Comment.idea_id, Comment.body_html, Comment.created_at,
                      Comment.edited_at, Idea.title.label("idea_title"), *seek_columns(page))
            .join(page, page.c.id == Comment.id).join(Idea, Idea.id == Comment.idea_id)
            .order_by(*page_order(page, COMMENTS_KEYSET)))


# Built once per direction (the first page, after a cursor, before one).
IDEAS = {direction: _ideas(direction) for direction in DIRECTIONS}
COMMENTS = {direction: _comments(direction) for direction in DIRECTIONS}

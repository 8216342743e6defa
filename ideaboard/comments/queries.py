"""The statements behind the comments section of the idea page, built once.

SQLAlchemy keeps the compiled form of a statement object, so a page built from
statements made at import pays only for running them (building and keying a select
anew cost more than the database took to run it).

Comments are paged by seek (keyset) on ``(created_at, id)``, never by OFFSET: a page
names the comment it starts after (or ends before) by its id, and the database finds
its place through ``ix_comments_idea_created`` (threads) or ``ix_comments_parent_created``
(replies), so the hundredth page costs what the first does. Threads are read newest
first (the idea page opens on the latest discussion), a thread's replies oldest first
(a conversation reads in order).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ideaboard.accounts.models import User
from ideaboard.comments.models import Comment

# The fields of ``services.CommentRow`` after ``idea``, in order. Plain columns, no
# Markdown source: building 50 ORM comments and their authors was a fifth of the idea
# page's CPU.
COLUMNS = (Comment.id, Comment.idea_id, Comment.author_id, User.display_name,
           Comment.parent_id, Comment.body_html, Comment.created_at, Comment.edited_at,
           Comment.deleted_at, Comment.hidden)

# The ways to ask for a page: from the start (the newest threads; the oldest replies),
# after the comment ``cursor`` (later ones, read upwards) or before it (earlier ones,
# read downwards).
FIRST, AFTER, BEFORE = "first", "after", "before"
DIRECTIONS = (FIRST, AFTER, BEFORE)

_UP = (Comment.created_at, Comment.id)
_DOWN = (Comment.created_at.desc(), Comment.id.desc())


def _seek(direction: str, *, newest_first: bool) -> tuple[sa.ColumnElement[bool], tuple]:
    """The condition that places a page after or before the comment ``cursor`` on
    ``(created_at, id)``, and the order to read it in (the first page: from the newest
    when ``newest_first``). Written as OR/AND rather than a row-value comparison,
    which not every SQLite build takes."""
    if direction == FIRST:
        return sa.true(), _DOWN if newest_first else _UP
    # Aliased: the cursor's own row, not correlated with the comments being paged.
    cursor = aliased(Comment, name="cursor_comment")
    at = sa.select(cursor.created_at).where(cursor.id == sa.bindparam("cursor")) \
        .scalar_subquery()
    if direction == AFTER:
        return (sa.or_(Comment.created_at > at, sa.and_(Comment.created_at == at,
                                                        Comment.id > sa.bindparam("cursor"))),
                _UP)
    return (sa.or_(Comment.created_at < at, sa.and_(Comment.created_at == at,
                                                    Comment.id < sa.bindparam("cursor"))),
            _DOWN)


def _threads_page(direction: str) -> sa.Select:
    """One page of the idea ``idea_id``'s threads: the ``threads_limit`` top-level
    comments from the place ``direction`` names, each with its first comments (up to
    ``places``: the top-level one and its first replies), in one statement. Each row
    is a ``CommentRow``'s fields, then the comment's place in its thread (1 for the
    top-level comment) and the size of its thread, replies counted: all the idea page
    needs for "Show all 12 replies"."""
    seek, order = _seek(direction, newest_first=True)
    page = (sa.select(Comment.id)
            .where(Comment.idea_id == sa.bindparam("idea_id"), Comment.parent_id.is_(None), seek)
            .order_by(*order).limit(sa.bindparam("threads_limit"))
            .cte("thread_page"))
    thread_of = sa.func.coalesce(Comment.parent_id, Comment.id)
    ranked = (
        sa.select(*COLUMNS,
                  sa.func.row_number().over(
                      partition_by=thread_of,
                      order_by=(Comment.parent_id.is_not(None), Comment.created_at, Comment.id),
                  ).label("place"),
                  sa.func.count().over(partition_by=thread_of).label("size"))
        .join(User, User.id == Comment.author_id)
        .where(Comment.idea_id == sa.bindparam("idea_id"),
               sa.or_(Comment.id.in_(sa.select(page.c.id)),
                      Comment.parent_id.in_(sa.select(page.c.id))))
        .subquery("ranked")
    )
    return sa.select(ranked).where(ranked.c.place <= sa.bindparam("places"))


def _replies_page(direction: str) -> sa.Select:
    """One page of the replies to the comment ``thread_id``: ``replies_limit`` of them
    from the place ``direction`` names, as ``CommentRow`` fields."""
    seek, order = _seek(direction, newest_first=False)
    return (sa.select(*COLUMNS).join(User, User.id == Comment.author_id)
            .where(Comment.parent_id == sa.bindparam("thread_id"), seek)
            .order_by(*order).limit(sa.bindparam("replies_limit")))


THREADS_PAGE = {direction: _threads_page(direction) for direction in DIRECTIONS}
REPLIES_PAGE = {direction: _replies_page(direction) for direction in DIRECTIONS}

# One comment by id, as a ``CommentRow``'s fields (a thread's own page starts with it).
ONE = (sa.select(*COLUMNS).join(User, User.id == Comment.author_id)
       .where(Comment.id == sa.bindparam("comment_id")))

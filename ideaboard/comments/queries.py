"""The statements behind the comments section of the idea page, built once.

SQLAlchemy keeps the compiled form of a statement object, so a page built from
statements made at import pays only for running them (building and keying a select
anew cost more than the database took to run it).
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.comments.models import Comment

# Every comment of the idea ``idea_id`` with its author's name, oldest first: the fields
# of ``services.CommentRow`` after ``idea``, in order. Plain columns, no Markdown source:
# building 50 ORM comments and their authors was a fifth of the idea page's CPU.
THREAD = (
    sa.select(Comment.id, Comment.idea_id, Comment.author_id, User.display_name,
              Comment.parent_id, Comment.body_html, Comment.created_at, Comment.edited_at,
              Comment.deleted_at, Comment.hidden)
    .join(User, User.id == Comment.author_id)
    .where(Comment.idea_id == sa.bindparam("idea_id"))
    .order_by(Comment.created_at, Comment.id)
)

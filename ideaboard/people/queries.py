"""The statements behind a person's page, built once (see ``ideas.queries``).

What a person's page lists is what every colleague may see of them, whoever looks:
never an idea they posted anonymously, nor a comment they wrote on one (it would name
the author the idea hides: the idea page calls them "The author"), nor anything hidden
by a moderator or removed, nor a comment on a hidden idea. Each list is one statement
per page, paged by its index: ideas by ``ix_ideas_author_created``, comments by
``ix_comments_author_id`` (newest first by id, which that index carries on SQLite and
which sorts one person's comments only on PostgreSQL).
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.comments.models import Comment
from ideaboard.core.paging import page_window
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

# Their ideas as the idea list's cards, newest first: chosen on ideas alone, then the
# card columns read for the page's rows only (as ideas.queries.list_statement does).
_CHOSEN_IDEAS = page_window(
    sa.select(Idea.id, Idea.created_at.label("sort_key"))
    .where(Idea.author_id == sa.bindparam(PERSON_PARAM), sa.not_(Idea.is_anonymous),
           sa.not_(Idea.hidden))
    .order_by(Idea.created_at.desc(), Idea.id.desc())
).subquery("page")
IDEAS = (card_select().join(_CHOSEN_IDEAS, _CHOSEN_IDEAS.c.id == Idea.id)
         .order_by(_CHOSEN_IDEAS.c.sort_key.desc(), _CHOSEN_IDEAS.c.id.desc()))

# Their comments with the title of the idea each is on, newest first.
COMMENTS = page_window(
    sa.select(Comment.id, Comment.idea_id, Comment.body_html, Comment.created_at,
              Comment.edited_at, Idea.title.label("idea_title"))
    .join(Idea, Idea.id == Comment.idea_id)
    .where(Comment.author_id == sa.bindparam(PERSON_PARAM), sa.not_(Comment.hidden),
           Comment.deleted_at.is_(None), sa.not_(Idea.hidden),
           # On their own anonymous idea a comment would unmask them.
           sa.not_(sa.and_(Idea.is_anonymous, Idea.author_id == Comment.author_id)))
    .order_by(Comment.id.desc())
)

"""What notifications and e-mails are about, as moderation has left it.

A notification's text is written when its event happens, but a moderator may hide the
idea or comment afterwards. Everything that shows or sends a notification (the
notifications page, the daily digest, the outbox's delivery) reads the *current*
state of its idea and comment here and asks the policy
(``notification.show_subject``) whether this person may still see it; if not, only a
neutral line is shown and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import sqlalchemy as sa

from ideaboard.comments.models import Comment
from ideaboard.core.i18n import N_, gettext
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea

# Shown instead of a notification whose idea or comment the reader may no longer see.
HIDDEN_IDEA_MESSAGE = N_("A moderator has hidden the idea this notification was about.")
HIDDEN_COMMENT_MESSAGE = N_("A moderator has hidden the comment this notification was about.")


class State(NamedTuple):
    """What the policy reads of an idea or a comment."""

    hidden: bool
    author_id: int | None


class Subject(NamedTuple):
    """The idea and the comment a notification is about (either may be None)."""

    idea: State | None
    comment: State | None

    @property
    def hidden(self) -> bool:
        """Whether a moderator hid the idea or the comment."""
        return any(part is not None and part.hidden for part in (self.idea, self.comment))

    @property
    def neutral_message(self) -> str:
        """The line shown to someone who may not see what was hidden."""
        if self.idea is not None and self.idea.hidden:
            return gettext(HIDDEN_IDEA_MESSAGE)
        return gettext(HIDDEN_COMMENT_MESSAGE)


NOTHING = Subject(None, None)

_ideas, _comments = Idea.__table__, Comment.__table__


def subjects(refs: Iterable[tuple[int | None, int | None]]) -> dict[tuple, Subject]:
    """The current subject of each (idea_id, comment_id) pair, in ONE query whatever
    their number (none when no pair names an idea); pairs naming nothing map to
    ``NOTHING``. A comment always belongs to the idea its notification names."""
    refs = set(refs)
    idea_ids = {idea_id for idea_id, _ in refs if idea_id is not None}
    found: dict[tuple, Subject] = dict.fromkeys(refs, NOTHING)
    if not idea_ids:
        return found
    comment_ids = {comment_id for _, comment_id in refs if comment_id is not None}
    on = _comments.c.idea_id == _ideas.c.id
    on = sa.and_(on, _comments.c.id.in_(comment_ids)) if comment_ids else sa.and_(on, sa.false())
    rows = db.session.execute(
        sa.select(_ideas.c.id, _ideas.c.hidden, _ideas.c.author_id, _comments.c.id,
                  _comments.c.hidden, _comments.c.author_id)
        .select_from(_ideas.outerjoin(_comments, on))
        .where(_ideas.c.id.in_(idea_ids))
    ).all()
    ideas: dict[int, State] = {}
    comments: dict[int, State] = {}
    for idea_id, idea_hidden, idea_author, comment_id, comment_hidden, comment_author in rows:
        ideas[idea_id] = State(bool(idea_hidden), idea_author)
        if comment_id is not None:
            comments[comment_id] = State(bool(comment_hidden), comment_author)
    for idea_id, comment_id in refs:
        if idea_id is not None:
            comment = comments.get(comment_id) if comment_id is not None else None
            found[(idea_id, comment_id)] = Subject(ideas.get(idea_id), comment)
    return found

"""Making a discussion for tests: many comments, with replies, edits, hidden and removed ones."""

from __future__ import annotations

from ideaboard.comments import services
from ideaboard.comments.models import Comment
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea


def add_discussion(idea: Idea, people, count: int, *, text: str = "Comment {i}",
                   edit_every: int | None = None) -> list[Comment]:
    """``count`` comments on ``idea`` by ``people`` in turn (``text`` formatted with the
    number): every third a reply, every seventh hidden by a moderator, every eleventh
    deleted by its author, and every ``edit_every``-th edited. Commits; returns the
    idea's comments in order."""
    tops: list[Comment] = []
    for i in range(count):
        live = [t for t in tops if not t.hidden and t.deleted_at is None]
        parent = live[i % len(live)] if i % 3 == 2 and live else None
        author = people[i % len(people)]
        comment = services.add_comment(author, idea, text.format(i=i), parent=parent)
        if parent is None:
            tops.append(comment)
        if edit_every and i % edit_every == edit_every - 1:
            services.edit_comment(comment, author, f"{text.format(i=i)}, edited")
        if i % 7 == 6:
            services.set_hidden(comment, True)
        if i % 11 == 10:
            services.delete_comment(comment)
    db.session.commit()
    return list(db.session.scalars(
        db.select(Comment).where(Comment.idea_id == idea.id).order_by(Comment.id)))

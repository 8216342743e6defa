"""Making a discussion for tests: many comments, with replies, edits, hidden and removed
ones; and people commenting through the app while a test does something else."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from ideaboard.comments import services
from ideaboard.comments.models import Comment
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from tests.helpers.csrf import csrf_token
from tests.helpers.login import AuthActions


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


def show_every_comment(app) -> None:
    """Page the idea page's comments so that its first page shows every thread whole:
    for tests of how each comment is shown, not of paging (tests/comments/test_comment_pages.py)."""
    app.config.update(COMMENT_THREADS_PER_PAGE=10_000, COMMENT_REPLIES_SHOWN=10_000)


class Commenters:
    """``people``, signed in once, who comment on ``idea`` through the app, one after
    another in a thread each, for as long as a ``with commenters.busy() as codes:``
    block runs (``codes``: the status codes of their posts so far)."""

    # Between one person's posts: busy people, yet with a moment between them, as people
    # have (back to back, the threads would pass the write lock among themselves).
    PAUSE = 0.05

    def __init__(self, app, idea: Idea, people):
        self.app, self.idea_id = app, idea.id
        self.clients = []
        for person in people:
            client = app.test_client()
            AuthActions(client).login(person.email)
            self.clients.append((client, csrf_token(client, f"/ideas/{idea.id}")))

    @contextmanager
    def busy(self):
        stop = threading.Event()
        codes: list[int] = []
        errors: list[BaseException] = []

        def comment(client, token: str) -> None:
            try:
                with self.app.app_context():
                    while not stop.is_set():
                        codes.append(client.post(f"/ideas/{self.idea_id}/comments", data={
                            "body": f"Busy comment {len(codes)}", "csrf_token": token,
                        }).status_code)
                        stop.wait(self.PAUSE)
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=comment, args=pair) for pair in self.clients]
        for thread in threads:
            thread.start()
        try:
            for _ in range(1000):  # at most 10 s for them to get going
                if len(codes) >= len(self.clients) or errors:
                    break
                time.sleep(0.01)
            yield codes
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        assert errors == []

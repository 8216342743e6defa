"""16 people voting and commenting at the same moment: no "database is locked", no lost write.

Written for SQLite (WAL, BEGIN IMMEDIATE for writing requests, busy timeout);
it runs on PostgreSQL too.
"""

import threading

import sqlalchemy as sa

from ideaboard.comments.models import Comment
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.voting.models import Vote
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.login import AuthActions

WRITERS = 16


def test_concurrent_voters_and_commenters(app, it_department):
    author = UserFactory(department=it_department)
    idea = IdeaFactory(author=author, department=it_department)
    people = UserFactory.create_batch(WRITERS, department=it_department)
    idea_id = idea.id  # the threads must not touch the test's own session
    # Log everyone in first, so the race is only between the writes themselves.
    clients = []
    for person in people:
        client = app.test_client()
        AuthActions(client).login(person.email)
        clients.append((client, csrf_token(client, f"/ideas/{idea.id}")))

    barrier = threading.Barrier(WRITERS)
    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def act(index: int, client, token: str) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                vote = client.post(f"/ideas/{idea_id}/vote",
                                   data={"value": "1" if index % 4 else "-1", "csrf_token": token})
                comment = client.post(f"/ideas/{idea_id}/comments",
                                      data={"body": f"Comment number {index} from the race",
                                            "csrf_token": token})
                results.append((vote.status_code, comment.status_code))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=act, args=(i, c, t)) for i, (c, t) in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert results == [(302, 302)] * WRITERS
    db.session.expire_all()
    stored = db.session.get(Idea, idea.id)
    votes = db.session.scalars(sa.select(Vote.value).where(Vote.idea_id == idea.id)).all()
    comments = db.session.scalar(
        sa.select(sa.func.count(Comment.id)).where(Comment.idea_id == idea.id))
    assert len(votes) == WRITERS and comments == WRITERS
    assert stored.upvotes == votes.count(1) == WRITERS * 3 // 4
    assert stored.downvotes == votes.count(-1) == WRITERS // 4
    assert stored.comment_count == WRITERS


def test_a_writer_retries_when_the_lock_outlasts_the_busy_timeout(app, database_url, tmp_path):
    """A backup or import holding the SQLite write lock past the busy timeout delays a
    writing request instead of failing it."""
    import sqlite3
    import time

    import pytest

    from ideaboard import create_app
    from tests.helpers.clients import IsolatedClient

    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    impatient = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SQLITE_BUSY_TIMEOUT": 0.3},
                           env="testing")
    impatient.test_client_class = IsolatedClient
    voter = UserFactory()
    with impatient.app_context():
        client = impatient.test_client()
        AuthActions(client).login(voter.email)
        token = csrf_token(client)
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None,
                                 check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        released = threading.Timer(0.45, lambda: holder.execute("COMMIT"))
        released.start()
        started = time.monotonic()
        # Logging out loads the user first: a writing request's transaction.
        response = client.post("/logout", data={"csrf_token": token})
        waited = time.monotonic() - started
        released.join()
        holder.close()
        db.engine.dispose()
    assert response.status_code == 302
    assert waited >= 0.3  # it really waited past one busy timeout

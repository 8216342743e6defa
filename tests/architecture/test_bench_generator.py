"""The benchmark data generator (bench/generate.py) writes exact, consistent data.

Run at a tiny scale on the test database (SQLite or PostgreSQL, whichever the suite
uses); no timing is asserted.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from bench import generate as bench
from ideaboard.accounts.models import User
from ideaboard.accounts.passwords import verify_password
from ideaboard.comments.models import Comment
from ideaboard.extensions import db
from ideaboard.ideas import ranking, search
from ideaboard.ideas.models import Follow, Idea
from ideaboard.notifications.models import Notification
from ideaboard.org.models import department_managers
from ideaboard.voting.models import Vote
from tests.helpers.paths import ROOT

SCALE = 0.002  # 200 ideas, 20 people, 2,000 votes, 600 comments


@pytest.fixture
def report(app):
    return bench.generate(db.engine, scale=SCALE, log=lambda _line: None)


def _count_by(column, *where) -> dict:
    query = sa.select(column, sa.func.count()).group_by(column)
    for condition in where:
        query = query.where(condition)
    return dict(db.session.execute(query).all())


def test_counts_counters_and_scores_are_exact(report):
    """Row counts match the scale; every idea's counters equal its rows, its sort keys
    equal ranking's functions; every user's unread counter equals their unread rows."""
    expected = bench.sizes(SCALE)
    assert expected == {"users": 20, "ideas": 200, "votes": 2000, "comments": 600}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 20
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 2000
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 600
    assert report.counts["votes"] == 2000 and report.counts["comments"] == 600

    ups = _count_by(Vote.idea_id, Vote.value == 1)
    downs = _count_by(Vote.idea_id, Vote.value == -1)
    comments = _count_by(Comment.idea_id)
    followers = _count_by(Follow.idea_id)
    ideas = db.session.scalars(sa.select(Idea)).all()
    assert sum(i.upvotes + i.downvotes for i in ideas) == 2000
    for idea in ideas:
        assert idea.upvotes == ups.get(idea.id, 0), idea.id
        assert idea.downvotes == downs.get(idea.id, 0), idea.id
        assert idea.comment_count == comments.get(idea.id, 0), idea.id
        assert idea.follower_count == followers.get(idea.id, 0), idea.id
        assert idea.wilson_score == ranking.wilson(idea.upvotes, idea.downvotes)
        assert idea.net_score == idea.upvotes - idea.downvotes
        assert idea.trending_score == ranking.trending(idea.upvotes, idea.downvotes,
                                                       idea.comment_count, idea.created_at,
                                                       idea.status)
    # Nobody votes on their own idea, and the data is not degenerate.
    own = db.session.scalar(sa.select(sa.func.count()).select_from(Vote).join(Idea)
                            .where(Vote.user_id == Idea.author_id))
    assert own == 0
    assert len({i.status for i in ideas}) >= 3
    assert max(i.upvotes for i in ideas) > 3 * (2000 / 200) / 2

    unread = _count_by(Notification.user_id, Notification.read_at.is_(None))
    users = db.session.scalars(sa.select(User)).all()
    for user in users:
        assert user.unread_notifications == unread.get(user.id, 0), user.email
    bench_user = db.session.scalar(sa.select(User).where(User.email == bench.USER_EMAIL))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == bench_user.id)) > 0

    # Replies stay on their idea and one level deep, as the comment service makes them.
    parent = aliased(Comment)
    bad = db.session.scalar(
        sa.select(sa.func.count()).select_from(Comment).join(parent, Comment.parent_id == parent.id)
        .where(sa.or_(parent.idea_id != Comment.idea_id, parent.parent_id.is_not(None))))
    assert bad == 0


def test_known_accounts_ideas_search_and_later_writes(report):
    """What the benchmark relies on: the accounts, the known ideas, the search index,
    ids the app can continue from, and no second load into a filled database."""
    accounts = {u.email: u for u in db.session.scalars(
        sa.select(User).where(User.email.in_([bench.ADMIN_EMAIL, bench.MANAGER_EMAIL,
                                              bench.USER_EMAIL])))}
    assert {u.role for u in accounts.values()} == {"admin", "manager", "employee"}
    assert len({u.password_hash for u in accounts.values()}) == 1
    assert verify_password(accounts[bench.USER_EMAIL].password_hash, bench.BENCH_PASSWORD)
    managed = db.session.scalars(sa.select(department_managers.c.department_id).where(
        department_managers.c.user_id == accounts[bench.MANAGER_EMAIL].id)).all()
    assert len(managed) == 1
    detail = db.session.scalar(sa.select(Idea).where(Idea.title == bench.DETAIL_TITLE))
    assert detail.id == report.detail_idea_id
    assert detail.comment_count == bench.DETAIL_COMMENTS
    busy = db.session.scalar(sa.select(Idea).where(Idea.title == bench.BUSY_TITLE))
    assert busy.comment_count == bench.BUSY_COMMENTS and not busy.hidden
    bench_user = accounts[bench.USER_EMAIL]
    for idea_id in report.vote_idea_ids:
        idea = db.session.get(Idea, idea_id)
        assert idea.status == "open" and idea.author_id != bench_user.id
        assert idea.upvotes - idea.downvotes + 1 < idea.department.review_threshold
        assert db.session.scalar(sa.select(Vote).where(
            Vote.idea_id == idea_id, Vote.user_id == bench_user.id)) is None

    # Ids were assigned by the generator: the app's new rows must still get fresh ones.
    db.session.add(Vote(idea_id=report.vote_idea_ids[0], user_id=bench_user.id, value=1))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.max(Vote.id))) == 2001

    matches = search.matches(bench.SEARCH_WORD)
    found = db.session.scalar(sa.select(sa.func.count()).select_from(matches))
    titled = db.session.scalar(sa.select(sa.func.count()).select_from(Idea).where(
        sa.or_(Idea.title.ilike(f"%{bench.SEARCH_WORD}%"),
               Idea.body_md.ilike(f"%{bench.SEARCH_WORD}%"))))
    assert found == titled > 0

    with pytest.raises(RuntimeError, match="already has users"):
        bench.generate(db.engine, scale=SCALE, log=lambda _line: None)


def test_the_in_process_profiler_runs_every_page(report, database_url):
    """bench/profile.py signs in through the real login and measures each page, the vote
    included, against the floor (no timing asserted: only that it runs and reports)."""
    import subprocess
    import sys

    from bench import floor_app

    db.session.commit()
    floor_app.fill(database_url, rows=50)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.profile", "--db-url", database_url,
             "--requests", "2", "--rounds", "1"],
            cwd=ROOT, capture_output=True, text=True,
            timeout=120)
    finally:
        engine = sa.create_engine(floor_app._url(database_url))
        floor_app.FloorRow.__table__.drop(engine)
        engine.dispose()
    assert done.returncode == 0, done.stderr[-2000:]
    for page in ("trending", "search", "detail", "review", "notifications", "vote"):
        assert f"\n{page} " in "\n" + done.stdout, done.stdout

"""The app behind a real PgBouncer (Debian's 1.18) in transaction mode.

PgBouncer 1.18 cannot carry prepared statements across the transactions it pools;
psycopg 3 prepares any statement it has run five times (``prepare_threshold``). With
``IDEABOARD_DATABASE_PGBOUNCER`` on the app prepares none and every journey works; with
it off the same journey fails with PgBouncer's classic error, which shows that the
setting is what makes the difference and that this PgBouncer really pools.

The app keeps a pool of two connections, alternating between them (SQLAlchemy's pool
hands out the one idle longest), and PgBouncer lends at most two server connections,
taking the one idle longest (``server_round_robin``): every statement runs well past the
threshold on connections that change servers. Skipped without PgBouncer or PostgreSQL,
failed instead under ``IDEABOARD_REQUIRE_PGBOUNCER=1``.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from ideaboard import create_app
from ideaboard.comments.models import Comment
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from tests.helpers.clients import IsolatedClient
from tests.helpers.factories import DepartmentFactory, IdeaFactory, UserFactory
from tests.helpers.journeys import idea_journey
from tests.helpers.pgbouncer import pgbouncer_binary, require_pgbouncer_or_skip, running_pgbouncer
from tests.ops.conftest import empty_tables, migrated_postgres

PREPARE_THRESHOLD = 5  # psycopg 3's default: a statement run this often is prepared
ROUNDS = PREPARE_THRESHOLD + 3
APP_POOL_SIZE = 2
SERVER_POOL_SIZE = 2
PREPARED_STATEMENT_ERROR = r'prepared statement "_pg3_\d+" (does not exist|already exists)'


@pytest.fixture(scope="module")
def database():
    """A migrated PostgreSQL database of this module's own."""
    if pgbouncer_binary() is None:
        require_pgbouncer_or_skip("needs PgBouncer (Debian: apt-get install pgbouncer)")
    with migrated_postgres(require_pgbouncer_or_skip) as url:
        yield url


@pytest.fixture
def bouncer(database):
    """A fresh PgBouncer in transaction mode in front of the database, for one test."""
    with running_pgbouncer(database, pool_size=SERVER_POOL_SIZE) as running:
        yield running
    empty_tables(database)


def _app_through(bouncer, tmp_path, *, pgbouncer: bool):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": bouncer.url(), "SERVER_NAME": "ideaboard.test",
        "DATABASE_PGBOUNCER": pgbouncer,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": APP_POOL_SIZE,
                                      "max_overflow": 0, "pool_timeout": 30},
    }, env="testing")
    app.instance_path = str(tmp_path)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def board(database, bouncer, tmp_path):
    """A department, two colleagues who will visit, and a host whose ideas they discuss:
    written straight to PostgreSQL, so only the visits go through PgBouncer."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database}, env="testing")
    with app.app_context():
        department = DepartmentFactory(name="Operations", slug="operations")
        host = UserFactory(department=department)
        ideas = [IdeaFactory(author=host, department=department).id for _ in range(ROUNDS)]
        visitors = [UserFactory(department=department).email for _ in range(2)]
        department_id = department.id
        db.session.remove()
        db.engine.dispose()
    return department_id, visitors, ideas


@pytest.fixture
def pooled_app(request, board, bouncer, tmp_path):
    """The app through PgBouncer, ``DATABASE_PGBOUNCER`` as the test's parameter says,
    with both of its pool's connections open (so it alternates between them)."""
    app = _app_through(bouncer, tmp_path, pgbouncer=request.param)
    with app.app_context():
        with db.engine.connect() as first, db.engine.connect() as second:
            assert first.scalar(sa.select(1)) == second.scalar(sa.select(1)) == 1
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("pooled_app", [True], indirect=True)
def test_a_journey_through_pgbouncer_works_with_the_setting(pooled_app, board, bouncer):
    department_id, visitors, ideas = board
    for email in visitors:
        posted = idea_journey(pooled_app, email, department_id, ideas, ROUNDS)
        assert len(posted) == ROUNDS
    db.session.expire_all()
    for idea in db.session.scalars(sa.select(Idea).where(Idea.id.in_(ideas))):
        assert (idea.upvotes, idea.comment_count) == (len(visitors), len(visitors))
    assert "prepared statement" not in bouncer.log()


@pytest.mark.parametrize("pooled_app", [True], indirect=True)
def test_two_people_writing_at_once_through_pgbouncer(pooled_app, board):
    department_id, visitors, ideas = board
    barrier = threading.Barrier(len(visitors))
    errors: list[BaseException] = []
    posted: list[int] = []

    def visit(email: str) -> None:
        with pooled_app.app_context():
            try:
                barrier.wait(timeout=30)
                posted.extend(idea_journey(pooled_app, email, department_id, ideas, ROUNDS))
            except BaseException as error:  # reported by the test, not lost in the thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=visit, args=(email,)) for email in visitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a visitor hung"
    assert errors == []
    assert len(set(posted)) == len(visitors) * ROUNDS
    db.session.expire_all()
    for idea in db.session.scalars(sa.select(Idea).where(Idea.id.in_(ideas))):
        assert (idea.upvotes, idea.comment_count) == (len(visitors), len(visitors))
    comments = db.session.scalar(sa.select(sa.func.count()).select_from(Comment))
    assert comments == len(visitors) * ROUNDS


@pytest.mark.parametrize("pooled_app", [False], indirect=True)
def test_without_the_setting_pgbouncer_loses_prepared_statements(pooled_app, board):
    department_id, visitors, ideas = board
    with pytest.raises(sa.exc.ProgrammingError, match=PREPARED_STATEMENT_ERROR):
        idea_journey(pooled_app, visitors[0], department_id, ideas, ROUNDS)


def test_the_setting_turns_prepared_statements_off(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://db.example/ideaboard",
                      "DATABASE_PGBOUNCER": True}, env="testing")
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"]["prepare_threshold"] is None
    assert options["pool_pre_ping"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_the_setting_refuses_a_database_pgbouncer_cannot_pool(tmp_path):
    with pytest.raises(RuntimeError, match="not a PostgreSQL database"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
                    "DATABASE_PGBOUNCER": True}, env="testing")

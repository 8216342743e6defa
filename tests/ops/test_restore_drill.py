"""The restore drill (docs/RESTORE.md): back a database with data up, restore it into a
fresh one, and check that a new app on the copy serves the same.

PostgreSQL: ``pg_dump -Fc``, then ``pg_restore`` into a new database. SQLite:
``flask backup`` into a new file. Either way the data is made through the app (people's
visits through its pages, a manager's decisions through the state machine), and the
check is through the app too: every idea's page with its title and net score, the list
in its order, the audit trail's CSV export, a person who was signed in before the
backup still signed in after it; then ``flask restore-check`` compares the databases
table by table, and the schema revision is the migrations' head.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from ideaboard import create_app, resource_dir
from ideaboard.core.transactions import unit_of_work
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.review.workflow import transition
from ideaboard.voting import services as voting
from tests.helpers.clients import IsolatedClient
from tests.helpers.factories import DepartmentFactory, IdeaFactory, UserFactory
from tests.helpers.journeys import idea_journey
from tests.helpers.login import signed_in
from tests.helpers.postgres import (
    create_database,
    drop_database,
    postgres_server_url,
    require_or_skip,
)
from tests.ops.conftest import migrated_postgres

ROUNDS = 3
TOOL_TIMEOUT = 60  # seconds for pg_dump or pg_restore on a small database
NET_SCORE = re.compile(r'aria-label="Net score (-?\d+)"')
LISTED = re.compile(r'id="idea-(\d+)"')


def _app(url: str, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "ideaboard.test"},
                     env="testing")
    app.instance_path = str(tmp_path)
    app.test_client_class = IsolatedClient
    return app


def fill(app) -> str:
    """Ideas, votes, comments, decisions and their audit trail, made through the app;
    returns the session cookie of an admin signed in before the backup."""
    department = DepartmentFactory(name="Operations", slug="operations")
    manager = UserFactory(department=department, manages=[department])
    admin = UserFactory(role="admin", department=department)
    host = UserFactory(department=department)
    hosted = [IdeaFactory(author=host, department=department).id for _ in range(ROUNDS)]
    visitors = [UserFactory(department=department).email for _ in range(2)]
    posted = [idea_journey(app, email, department.id, hosted, ROUNDS) for email in visitors]
    with unit_of_work():
        opposed = voting.vote_target(posted[1][0])
        assert opposed is not None
        voting.cast_vote(host, opposed, -1)
        idea = db.session.get(Idea, posted[0][0])
        transition(idea, "in_review", manager, reason="Fast-tracked: it saves every team time.")
        transition(idea, "accepted", manager, reason="Accepted for the next quarter.")
    client = signed_in(app, admin)
    cookie = client.get_cookie("session", domain="ideaboard.test")
    assert cookie is not None
    return cookie.value


def served(app, session_cookie: str) -> dict:
    """What the app shows an admin (signed in by ``session_cookie``): each idea's title
    and net score, the list's order, and the audit trail exported as CSV."""
    client = app.test_client()
    client.set_cookie("session", session_cookie, domain="ideaboard.test")
    with app.app_context():
        ids = list(db.session.scalars(sa.select(Idea.id).order_by(Idea.id)))
        titles = {row.id: row.title for row in db.session.execute(sa.select(Idea.id, Idea.title))}
        db.session.remove()
    ideas = {}
    for idea_id in ids:
        page = client.get(f"/ideas/{idea_id}")
        assert page.status_code == 200, idea_id
        text = page.get_data(as_text=True)
        assert titles[idea_id] in text
        ideas[idea_id] = (titles[idea_id], NET_SCORE.findall(text)[:1])
    listing = client.get("/?sort=top")
    found = client.get("/?q=pooled")  # the search index (FTS5, tsvector) came along
    audit = client.get("/admin/audit?format=csv")
    assert listing.status_code == found.status_code == audit.status_code == 200
    return {"ideas": ideas, "top": LISTED.findall(listing.get_data(as_text=True)),
            "search": LISTED.findall(found.get_data(as_text=True)),
            "audit": audit.get_data(as_text=True)}


def check_restored(source_app, restored_url: str, cookie: str, tmp_path) -> None:
    """The drill's checks: the copy serves what the source serves, restore-check finds
    no difference, the schema is at the migrations' head, and the copy takes new work."""
    restored_app = _app(restored_url, tmp_path)
    before = served(source_app, cookie)
    after = served(restored_app, cookie)
    assert after == before
    assert len(before["ideas"]) == 3 * ROUNDS
    assert len(before["search"]) == 2 * ROUNDS  # the visitors' "Pooled idea ..." ones
    assert len(before["top"]) == 3 * ROUNDS
    scores = sorted(int(score[0]) for _title, score in before["ideas"].values())
    assert scores == [-1] + [0] * (2 * ROUNDS - 1) + [2] * ROUNDS  # every vote kept
    # Each visitor's log-in, ideas and comments, the manager's two decisions, the admin.
    assert before["audit"].count("\r\n") - 1 == 2 * (1 + 2 * ROUNDS) + 2 + 1
    for action in ("user.login", "idea.create", "comment.create", "idea.enter_review",
                   "idea.accept"):
        assert f",{action}," in before["audit"]

    result = source_app.test_cli_runner().invoke(args=["restore-check", restored_url])
    assert result.exit_code == 0, result.output
    assert "The restored database matches its source" in result.output

    head = ScriptDirectory(str(resource_dir("migrations"))).get_current_head()
    with restored_app.app_context():
        revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        assert revision == head
        # New work goes on from the restored ids (sequences restored too): a new idea.
        department_id = db.session.scalar(sa.select(Idea.department_id).limit(1))
        target = db.session.scalar(sa.select(Idea.id).order_by(Idea.id).limit(1))
        email = db.session.scalar(sa.text(
            "SELECT email FROM users WHERE role = 'employee' ORDER BY id DESC LIMIT 1"))
        db.session.remove()
        newest = idea_journey(restored_app, email, department_id, [target], 1)[0]
        assert newest > max(before["ideas"])
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def postgres_source(tmp_path):
    with migrated_postgres(require_or_skip) as url:
        yield url


@pytest.fixture
def postgres_tools():
    tools = {name: shutil.which(name) for name in ("pg_dump", "pg_restore")}
    if not all(tools.values()):
        require_or_skip("needs PostgreSQL's client tools pg_dump and pg_restore")
    return tools


def test_postgres_drill_pg_dump_and_pg_restore(postgres_source, postgres_tools, tmp_path):
    source_app = _app(postgres_source, tmp_path)
    with source_app.app_context():
        cookie = fill(source_app)
        db.session.remove()
        db.engine.dispose()
    dump = tmp_path / "ideaboard.dump"
    subprocess.run([postgres_tools["pg_dump"], "--format=custom", f"--file={dump}",
                    f"--dbname={postgres_source}"], check=True, timeout=TOOL_TIMEOUT)
    server = postgres_server_url()
    assert server is not None
    restored_url = create_database(server)
    try:
        subprocess.run([postgres_tools["pg_restore"], "--no-owner", "--exit-on-error",
                        f"--dbname={restored_url}", str(dump)],
                       check=True, timeout=TOOL_TIMEOUT)
        with source_app.app_context():
            check_restored(source_app, restored_url, cookie, tmp_path)
            db.engine.dispose()
    finally:
        drop_database(restored_url)


@pytest.fixture
def sqlite_source(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    app = _app(url, tmp_path)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def test_sqlite_drill_flask_backup(sqlite_source, tmp_path):
    source_app = _app(sqlite_source, tmp_path)
    copy = tmp_path / "backups" / "ideaboard.sqlite"
    with source_app.app_context():
        cookie = fill(source_app)
        result = source_app.test_cli_runner().invoke(args=["backup", str(copy)])
        assert result.exit_code == 0, result.output
        check_restored(source_app, f"sqlite:///{copy}", cookie, tmp_path)
        db.session.remove()
        db.engine.dispose()


def test_restore_check_names_what_the_copy_lost(sqlite_source, tmp_path):
    source_app = _app(sqlite_source, tmp_path)
    copy = tmp_path / "copy.sqlite"
    with source_app.app_context():
        department = DepartmentFactory(name="Operations", slug="operations")
        author, voter = UserFactory(department=department), UserFactory(department=department)
        idea = IdeaFactory(author=author, department=department)
        with unit_of_work():
            target = voting.vote_target(idea.id)
            assert target is not None
            voting.cast_vote(voter, target, 1)
        runner = source_app.test_cli_runner()
        assert runner.invoke(args=["backup", str(copy)]).exit_code == 0
        engine = sa.create_engine(f"sqlite:///{copy}")
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM votes")
            connection.exec_driver_sql("UPDATE ideas SET title = 'Changed in the copy'")
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'older'")
        engine.dispose()
        result = runner.invoke(args=["restore-check", f"sqlite:///{copy}"])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code != 0
    assert "votes: 1 rows in the source, 0 restored" in result.output
    assert "ideas: the same 1 rows, but their values differ" in result.output
    assert "schema revision" in result.output and "older" in result.output

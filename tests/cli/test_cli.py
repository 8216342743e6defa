"""The admin commands: create-admin, import-users and demo."""

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.audit.models import AuditEntry
from ideaboard.extensions import db
from ideaboard.org.models import Department
from tests.helpers.discussions import Commenters
from tests.helpers.factories import DepartmentFactory, IdeaFactory, UserFactory


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_create_admin(runner):
    result = runner.invoke(args=["create-admin", "--email", "Boss@Example.com",
                                 "--name", "The Boss", "--password", "a-long-unusual-passphrase"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "boss@example.com"))
    assert user.role == "admin"


def test_create_admin_refuses_weak_password(runner):
    result = runner.invoke(args=["create-admin", "--email", "b@example.com", "--name", "B",
                                 "--password", "short"])
    assert result.exit_code != 0
    assert "at least" in result.output
    assert count(User) == 0


def write_csv(tmp_path, text: str):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_users(runner, tmp_path, it_department):
    path = write_csv(tmp_path, "email,name,department,role\n"
                               "ann@example.com,Ann Archer,IT,employee\n"
                               "bob@example.com,Bob Baker,it,manager\n"
                               "cy@example.com,Cy Cole,,\n")
    result = runner.invoke(args=["import-users", path])
    assert result.exit_code == 0, result.output
    assert "Imported 3 people" in result.output
    bob = db.session.scalar(sa.select(User).where(User.email == "bob@example.com"))
    assert bob.role == "manager"
    assert [d.slug for d in bob.managed_departments] == ["it"]
    cy = db.session.scalar(sa.select(User).where(User.email == "cy@example.com"))
    assert cy.role == "employee" and cy.department is None
    assert count(AuditEntry) == 3


def test_import_users_reports_every_bad_row_and_imports_nothing(runner, tmp_path, it_department):
    UserFactory(email="taken@example.com")
    path = write_csv(tmp_path, "email,name,department,role\n"
                               "good@example.com,Good Person,IT,employee\n"
                               "not-an-email,Bad Email,IT,employee\n"
                               "taken@example.com,Taken Person,IT,employee\n"
                               "x@example.com,X,Nowhere,emperor\n"
                               "good@example.com,Twice Person,IT,employee\n")
    result = runner.invoke(args=["import-users", path])
    assert result.exit_code != 0
    assert "line 3:" in result.output and "not a valid e-mail" in result.output
    assert "line 4:" in result.output and "already has an account" in result.output
    assert "line 5:" in result.output and "no department called 'Nowhere'" in result.output
    assert "emperor" in result.output
    assert "line 6:" in result.output and "appears twice (also on line 2)" in result.output
    assert "line 2:" not in result.output
    assert "nothing was imported" in result.output
    assert count(User) == 1


def test_import_users_needs_the_columns(runner, tmp_path):
    path = write_csv(tmp_path, "mail,fullname\nann@example.com,Ann\n")
    result = runner.invoke(args=["import-users", path])
    assert result.exit_code != 0
    assert "line 1: missing column(s): email, name, department, role" in result.output


def test_demo_seeds_a_company(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@acme.example" in result.output and "ideaboard-demo" in result.output
    root = db.session.scalar(sa.select(Department).where(Department.parent_id.is_(None)))
    children = db.session.scalars(
        sa.select(Department).where(Department.parent_id == root.id)).all()
    assert len(children) >= 8
    assert {"Marketing", "Human Resources", "IT", "Finance", "Operations", "Sales"} <= \
        {d.name for d in children}
    people = count(User)
    assert 50 <= people <= 80
    managers = db.session.scalars(sa.select(User).where(User.role == "manager")).all()
    managed = {d.id for m in managers for d in m.managed_departments}
    assert managed == {d.id for d in db.session.scalars(sa.select(Department))}


def test_demo_shows_ideas_at_every_stage(runner):
    from ideaboard.comments.models import Comment
    from ideaboard.ideas.models import Idea, IdeaStatus
    from ideaboard.review.models import Review
    from ideaboard.voting.models import Vote

    assert runner.invoke(args=["demo"]).exit_code == 0
    statuses = set(db.session.scalars(sa.select(Idea.status)))
    assert statuses == {s.value for s in IdeaStatus}
    assert count(Vote) > 50 and count(Comment) > 10 and count(Review) >= 5
    assert db.session.scalar(sa.select(sa.func.count(Idea.id)).where(Idea.is_anonymous)) >= 2
    assert db.session.scalar(sa.select(sa.func.max(Idea.escalation_level))) >= 1
    # The counters the services keep agree with the rows.
    for idea in db.session.scalars(sa.select(Idea)):
        votes = db.session.scalars(sa.select(Vote.value).where(Vote.idea_id == idea.id)).all()
        assert (idea.upvotes, idea.downvotes) == (votes.count(1), votes.count(-1)), idea.title


def test_demo_logins_work(runner, app, auth):
    runner.invoke(args=["demo"])
    for email in ["admin@acme.example", "manager@acme.example", "employee@acme.example"]:
        assert auth.login(email, "ideaboard-demo").status_code == 302, email
        auth.logout()


def test_demo_if_empty_leaves_existing_data_alone(runner):
    DepartmentFactory()
    UserFactory()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "skipped" in result.output
    assert count(User) == 1


def test_demo_refuses_a_non_empty_database(runner):
    UserFactory()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert count(User) == 1


def test_admin_commands_succeed_while_people_comment(app, runner, tmp_path, it_department):
    """import-users and create-admin read, then write: beside people writing they must
    take the write lock first, not fail with "database is locked"."""
    author = UserFactory(department=it_department, email_frequency="never")
    busy = IdeaFactory(author=author, department=it_department)
    commenters = Commenters(app, busy, UserFactory.create_batch(
        3, department=it_department, email_frequency="never"))
    rows = "".join(f"person{n}@example.com,Person {n},IT,employee\n" for n in range(2))
    for round_ in range(2):
        path = write_csv(tmp_path, "email,name,department,role\n"
                                   + rows.replace("person", f"r{round_}.person"))
        with commenters.busy() as codes:
            imported = runner.invoke(args=["import-users", path])
            created = runner.invoke(args=[
                "create-admin", "--email", f"boss{round_}@example.com", "--name", "Boss",
                "--password", "a-long-unusual-passphrase"])
        assert imported.exit_code == 0, imported.output
        assert created.exit_code == 0, created.output
        assert codes and set(codes) == {302}
    assert count(User) == 2 * 3 + 4

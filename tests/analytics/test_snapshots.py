"""The snapshots the worker keeps of the insight figures (issue 16's performance): a view
of the default period shows its scope's snapshot, which says the same as working the
figures out for the view; new activity shows after the next refresh; a snapshot too old,
or of another day's period, is never shown; two workers work one refresh out once."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ideaboard.analytics.models import InsightSnapshot
from ideaboard.analytics.services import REFRESH_KEY
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.worker.jobs import JOBS
from ideaboard.worker.services import Worker
from tests.analytics.conftest import table
from tests.helpers.factories import IdeaFactory
from tests.helpers.login import signed_in

ANALYTICS_CSV = ("participation", "funnel", "responsiveness", "decisions", "trend")
IMPACT_CSV = ("units", "departments")


def refresh(app, now=None) -> None:
    moment = now or utcnow()
    Worker(app, [JOBS["refresh-insight"]], clock=lambda: moment).run(once=True)
    db.session.commit()


def drop_snapshots() -> None:
    db.session.execute(sa.delete(InsightSnapshot))
    db.session.commit()


def exports(client, path: str, tables, query: str = "") -> dict[str, list[dict[str, str]]]:
    return {t: table(client.get(f"{path}?format=csv&table={t}{query}")) for t in tables}


def test_the_snapshot_says_what_the_view_works_out(app, fixture_company, admin, manager,
                                                   it_department, hr_department):
    refresh(app)
    keys = set(db.session.scalars(sa.select(InsightSnapshot.key)))
    # The company, each department, the manager's two departments (IT and Desk), impact,
    # each in every language offered (here English alone).
    assert {"analytics:all@en", f"analytics:{it_department.id}@en", "impact@en",
            REFRESH_KEY} <= keys
    desk = fixture_company["desk"]
    assert f"analytics:{','.join(str(d) for d in sorted([it_department.id, desk.id]))}@en" \
        in keys
    views = [(signed_in(app, admin), ""), (signed_in(app, manager), ""),
             (signed_in(app, admin), f"&department={hr_department.id}")]
    kept = [exports(client, "/analytics", ANALYTICS_CSV, query) for client, query in views]
    kept_impact = exports(views[0][0], "/impact", IMPACT_CSV, f"&department={it_department.id}")
    page = views[1][0].get("/analytics").get_data(as_text=True)
    assert "Figures as of" in page and "Participation" in page
    assert "Totals as of" in views[0][0].get("/impact").get_data(as_text=True)

    drop_snapshots()  # now each view works its figures out
    assert kept == [exports(client, "/analytics", ANALYTICS_CSV, query)
                    for client, query in views]
    assert kept_impact == exports(views[0][0], "/impact", IMPACT_CSV,
                                  f"&department={it_department.id}")
    assert "Figures as of" not in views[1][0].get("/analytics").get_data(as_text=True)
    # The manager's snapshot held IT and Desk only.
    assert {r["department"] for r in kept[1]["decisions"]} <= {"IT", "Desk"}
    assert {r["department"] for r in kept[0]["decisions"]} >= {"IT", "Desk", "HR"}


def test_new_ideas_show_after_the_next_refresh(app, fixture_company, admin, it_department):
    client = signed_in(app, admin)
    now = utcnow()
    refresh(app, now)

    def submitted() -> int:
        return int(exports(client, "/analytics", ["funnel"])["funnel"][0]["ideas"])

    before = submitted()
    IdeaFactory(author=admin, department=it_department)
    db.session.commit()
    assert submitted() == before  # as of the snapshot
    refresh(app, now + timedelta(seconds=60))  # not due yet: the same snapshot
    assert submitted() == before
    refresh(app, now + timedelta(seconds=app.config["INSIGHT_REFRESH_SECONDS"]))
    assert submitted() == before + 1


def test_a_stale_snapshot_or_another_days_is_never_shown(app, fixture_company, admin):
    client = signed_in(app, admin)
    refresh(app, utcnow() - timedelta(seconds=4 * app.config["INSIGHT_REFRESH_SECONDS"]))
    assert "Figures as of" not in client.get("/analytics").get_data(as_text=True)
    assert "Totals as of" not in client.get("/impact").get_data(as_text=True)
    drop_snapshots()
    refresh(app, utcnow() - timedelta(days=1))  # yesterday's period, as if just worked out
    db.session.execute(sa.update(InsightSnapshot).values(computed_at=utcnow()))
    db.session.commit()
    assert "Figures as of" not in client.get("/analytics").get_data(as_text=True)


def test_two_workers_work_one_refresh_out_once(app, fixture_company):
    now = utcnow()
    refresh(app, now)
    first = db.session.get_one(InsightSnapshot, "analytics:all@en").computed_at
    refresh(app, now + timedelta(seconds=1))  # the other worker, a moment later
    db.session.expire_all()
    assert db.session.get_one(InsightSnapshot, "analytics:all@en").computed_at == first


def test_a_manager_of_very_many_departments_gets_figures_worked_out(app, company, employee):
    from tests.helpers.factories import DepartmentFactory, UserFactory

    many = [DepartmentFactory(name=f"Team {k}", slug=f"team-{k}", parent=company)
            for k in range(120)]  # their ids joined: over 255 characters
    boss = UserFactory(email="boss@example.com", department=many[0], manages=many)
    refresh(app)
    keys = list(db.session.scalars(sa.select(InsightSnapshot.key)))
    assert keys and max(len(k) for k in keys) <= 255  # the column's bound on PostgreSQL
    page = signed_in(app, boss).get("/analytics")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Participation" in html and "Figures as of" not in html

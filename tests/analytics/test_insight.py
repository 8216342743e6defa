"""/impact and /analytics against a company built here: every figure the pages export
equals what this test works out in Python from the raw rows (ideas, timeline, votes,
comments, people), not from the pages' queries; and a manager sees only their subtree."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from ideaboard.accounts.models import User
from ideaboard.analytics.models import OutcomeUnitAlias, unit_key
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.review.models import StatusChange
from ideaboard.voting.models import Vote
from tests.analytics.conftest import table
from tests.helpers.csrf import csrf_token
from tests.helpers.login import signed_in

DECISIONS = ("accepted", "declined", "needs_info", "duplicate")


def _units_from_rows() -> dict[str, tuple[int, Decimal]]:
    """Totals per unit worked out here: each implemented idea's spelling mapped through
    the aliases by hand."""
    aliases = {a.alias: a.unit.name for a in db.session.query(OutcomeUnitAlias)}
    totals: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for idea in db.session.query(Idea).filter_by(status="implemented", hidden=False):
        unit = (aliases.get(unit_key(idea.outcome_unit)) or idea.outcome_unit.strip()
                if idea.outcome_value is not None else "not measured")
        totals[unit][0] += 1
        totals[unit][1] += idea.outcome_value or 0
    return {u: (n, t) for u, (n, t) in totals.items()}


def test_impact_totals_match_the_rows(app, fixture_company, employee):
    client = signed_in(app, employee)
    page = client.get("/impact")
    assert page.status_code == 200
    expected = _units_from_rows()
    # Three spellings of one unit add up: 120 + 30.5 + 10 + 7.
    assert expected["hours a year"] == (4, Decimal("167.5"))
    got = {r["unit"]: (int(r["ideas"]), Decimal(r["total"]))
           for r in table(client.get("/impact?format=csv&table=units"))}
    assert got == expected
    html = page.get_data(as_text=True)
    assert "167.50" in html and "2,500" in html
    ledger = table(client.get("/impact?format=csv"))
    assert len(ledger) == 5
    assert {r["unit"] for r in ledger} == {"hours a year", "EUR"}
    by_department = Counter()
    for idea in db.session.query(Idea).filter_by(status="implemented"):
        by_department[idea.department.name] += 1
    got_departments = Counter()
    for r in table(client.get("/impact?format=csv&table=departments")):
        got_departments[r["department"]] += int(r["ideas"])
    assert got_departments == by_department


def test_impact_filters_by_unit_and_department_subtree(app, fixture_company, employee,
                                                       it_department):
    client = signed_in(app, employee)
    rows = table(client.get("/impact?format=csv&unit=hours+a+year&sort=value"))
    assert [Decimal(r["value"]) for r in rows] == [Decimal("120"), Decimal("30.5"),
                                                   Decimal("10"), Decimal("7")]
    rows = table(client.get(f"/impact?format=csv&department={it_department.id}"))
    assert {r["department"] for r in rows} == {"IT", "Desk"}  # the subtree


def _funnel_from_rows(department_ids=None) -> dict[str, int]:
    ideas = [i for i in db.session.query(Idea)
             if department_ids is None or i.department_id in department_ids]
    changes = defaultdict(list)
    for change in db.session.query(StatusChange):
        changes[change.idea_id].append(change)
    steps = Counter()
    for idea in ideas:
        mine = changes[idea.id]
        steps["Submitted"] += 1
        steps["Reached review"] += any(c.to_status == "in_review" for c in mine)
        steps["Decided"] += any(c.from_status == "in_review" and c.to_status in DECISIONS
                                for c in mine)
        steps["Accepted"] += any(c.to_status == "accepted" for c in mine)
        steps["Implemented"] += any(c.to_status == "implemented" for c in mine)
    return dict(steps)


def test_analytics_figures_match_the_rows(app, fixture_company, admin):
    client = signed_in(app, admin)
    page = client.get("/analytics")
    assert page.status_code == 200
    funnel = {r["step"]: int(r["ideas"]) for r in table(client.get(
        "/analytics?format=csv&table=funnel"))}
    assert funnel == _funnel_from_rows()
    assert funnel == {"Submitted": 10, "Reached review": 9, "Decided": 8, "Accepted": 5,
                      "Implemented": 5}

    # Decision mix and the rationale share, from the timeline by hand.
    mix: dict[str, Counter] = defaultdict(Counter)
    explained = non_accept = 0
    for change in db.session.query(StatusChange):
        if change.to_status in DECISIONS and change.from_status != change.to_status:
            idea = db.session.get(Idea, change.idea_id)
            mix[idea.department.name][change.to_status] += 1
            if change.to_status != "accepted":
                non_accept += 1
                explained += bool(change.reason.strip())
    got = {r["department"]: Counter({d: int(r[d]) for d in DECISIONS if int(r[d])})
           for r in table(client.get("/analytics?format=csv&table=decisions"))}
    assert got == mix
    assert explained == non_accept == 3
    assert "100%</strong> of 3" in page.get_data(as_text=True)

    # Responsiveness: the days to the first answer, per department, median by hand.
    speed = {r["department"]: r for r in table(client.get(
        "/analytics?format=csv&table=responsiveness"))}
    assert float(speed["HR"]["median_days_to_first_response"]) == 1.0  # of 1 and 30
    assert float(speed["HR"]["p90_days_to_first_response"]) == 30.0
    assert int(speed["HR"]["sla_breaches"]) == 2  # answered after 14 days; still waiting
    assert float(speed["Desk"]["median_days_to_first_response"]) == 3.0  # of 3 and 9
    assert next(iter(speed)) == "HR"  # the slowest first

    # Participation: active people in each department who acted in the period.
    acted = Counter()
    authors = {i.author_id for i in db.session.query(Idea)}
    voters = {v.user_id for v in db.session.query(Vote)}
    for person in db.session.query(User).filter(User.id.in_(authors | voters), User.active):
        acted[person.department.name] += 1
    active = Counter(p.department.name for p in db.session.query(User).filter_by(active=True)
                     if p.department is not None)
    got = {r["department"]: (int(r["took_part"]), int(r["active_people"]))
           for r in table(client.get("/analytics?format=csv&table=participation"))}
    assert got == {d: (acted[d], active[d]) for d in active}


def test_a_manager_sees_only_their_subtree(app, fixture_company, manager, hr_department,
                                           it_department):
    client = signed_in(app, manager)
    funnel = {r["step"]: int(r["ideas"]) for r in table(client.get(
        "/analytics?format=csv&table=funnel"))}
    subtree = {it_department.id, fixture_company["desk"].id}
    assert funnel == _funnel_from_rows(subtree)
    departments = {r["department"] for r in table(client.get(
        "/analytics?format=csv&table=decisions"))}
    assert "HR" not in departments
    # Not by URL, not by filter: another subtree's figures are refused.
    assert client.get(f"/analytics?department={hr_department.id}").status_code == 403
    assert client.get(f"/analytics?format=csv&table=funnel&department={hr_department.id}"
                      ).status_code == 403
    page = client.get("/analytics").get_data(as_text=True)
    assert f'value="{hr_department.id}"' not in page
    assert client.get(f"/analytics?department={fixture_company['desk'].id}").status_code == 200


def test_charts_say_their_numbers(app, fixture_company, admin):
    html = signed_in(app, admin).get("/analytics").get_data(as_text=True)
    assert 'role="img"' in html and "<title id=\"chart-funnel-title\">" in html
    assert "Submitted: 10; Reached review: 9; Decided: 8; Accepted: 5; Implemented: 5." in html
    assert "Show the data" in html and "style=" not in html


def test_units_page_adds_a_unit_and_refuses_a_taken_spelling(app, admin):
    client = signed_in(app, admin)

    response = client.post("/admin/units", data={"name": "Litres a year",
                                                 "aliases": "l/yr, litres/year",
                                                 "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    response = client.post("/admin/units", data={"name": "Water", "aliases": "L/yr",
                                                 "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert "Already a spelling of another unit: l/yr." in response.get_data(as_text=True)

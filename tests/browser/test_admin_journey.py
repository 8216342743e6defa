"""An admin manages people and departments in the browser."""

import re

import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.extensions import db
from ideaboard.org.models import Department
from tests.helpers.browser import log_in
from tests.helpers.factories import PASSWORD


def test_admin_manages_people_and_departments(page, admin, employee, company, it_department):
    log_in(page, admin.email, PASSWORD)
    page.get_by_role("link", name="Admin", exact=True).click()

    # A new department under the company, then moved under IT.
    page.get_by_role("link", name="Departments").click()
    page.get_by_role("link", name="New department").click()
    page.get_by_label("Name").fill("Service Desk")
    page.get_by_label("Parent department").select_option(label="Company")
    page.get_by_label("Review threshold (net votes)").fill("3")
    page.get_by_label("Review SLA (days)").fill("7")
    page.get_by_role("button", name="Create department").click()
    page.get_by_text("Created Service Desk.").wait_for()
    page.get_by_role("link", name="Edit Service Desk").click()
    page.get_by_label("Parent department").select_option(label="\u2003IT")
    page.get_by_role("button", name="Save changes").click()
    row = page.get_by_role("row").filter(has_text="Service Desk")
    assert "IT" in row.inner_text()

    # Find a person, make them manager of the new department, then deactivate them.
    page.get_by_role("link", name="People").click()
    page.get_by_role("searchbox", name="Name or e-mail").fill("erin")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Erin Employee").click()
    page.get_by_label("Role").select_option(label="Manager")
    page.get_by_label(re.compile("Service Desk")).check()
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Saved Erin Employee.").wait_for()
    page.get_by_role("button", name="Deactivate account").click()
    page.get_by_text("Erin Employee is deactivated.").wait_for()

    db.session.commit()  # end the test's own snapshot before looking
    desk = db.session.scalar(sa.select(Department).where(Department.name == "Service Desk"))
    db.session.refresh(employee)
    assert desk.parent_id == it_department.id and desk.review_threshold == 3
    assert employee.role == "manager" and [d.name for d in employee.managed_departments] == \
        ["Service Desk"]
    assert not employee.active
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"department.create", "department.move", "user.update", "user.deactivate"} <= actions

"""Admin pages: people, roles, managed departments, (de)activation and the org tree."""

import re

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.audit.models import AppendOnlyError, AuditEntry
from ideaboard.extensions import db
from ideaboard.org.models import Department
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import DepartmentFactory, UserFactory
from tests.helpers.paging import (
    assert_deep_page_seeks,
    assert_forged_cursors_refused,
    assert_walks_in_order,
    pager_link,
)
from tests.helpers.queries import count_queries


def audit(action: str) -> list[AuditEntry]:
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


@pytest.mark.parametrize("path", ["/admin/users", "/admin/departments", "/admin/invitations",
                                  "/admin/departments/new"])
def test_admin_pages_are_for_admins_only(employee_client, manager_client, admin_client, path):
    assert employee_client.get(path).status_code == 403
    assert manager_client.get(path).status_code == 403
    assert admin_client.get(path).status_code == 200


def test_forbidden_page_is_friendly(employee_client):
    response = employee_client.get("/admin/users")
    assert b"You do not have permission to see this page." in response.data
    assert b"Back to Ideaboard" in response.data


def test_user_list_and_search(admin_client, employee, manager):
    UserFactory(display_name="Zed Zebra", email="zed@example.com")
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Erin Employee" in page and "Max Manager" in page and "Zed Zebra" in page
    found = admin_client.get("/admin/users?q=zeb").get_data(as_text=True)
    assert "Zed Zebra" in found and "Erin Employee" not in found
    by_mail = admin_client.get("/admin/users?q=MANAGER@").get_data(as_text=True)
    assert "Max Manager" in by_mail and "Zed Zebra" not in by_mail
    managers = admin_client.get("/admin/users?role=manager").get_data(as_text=True)
    assert "Max Manager" in managers and "Erin Employee" not in managers


def test_user_list_query_count_does_not_grow(admin_client, app, company):
    UserFactory.create_batch(3, department=company)
    small = count_queries(admin_client, "/admin/users")
    UserFactory.create_batch(20, department=company, manages=[company])
    large = count_queries(admin_client, "/admin/users")
    assert small == large <= 8


def _user_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td><a href="/admin/users/(\d+)">', html)]


def test_user_list_pages_walk_each_person_once(admin_client, company):
    """Many people of the same name (case aside) are each listed once, alphabetically
    then by id, forward and back; the search stays in the page links; a deep page costs
    page 1's statements, without OFFSET; no page counts the people."""
    for n in range(60):
        UserFactory(display_name="sam Same" if n % 2 else "Sam same", department=company)
    UserFactory(display_name="Aaron First", department=company)
    db.session.commit()
    expected = [user.id for user in db.session.scalars(
        sa.select(User).order_by(sa.func.lower(User.display_name), User.id))]
    assert_walks_in_order(admin_client, "/admin/users", _user_ids, expected, per_page=25)
    found = admin_client.get("/admin/users?q=same").get_data(as_text=True)
    assert pager_link(found, "next").startswith("/admin/users?q=same&cursor=")
    assert_deep_page_seeks(admin_client, "/admin/users", _user_ids, pages=3)
    assert_forged_cursors_refused(admin_client, "/admin/users")


def test_promote_to_manager_of_departments(admin_client, admin, employee, it_department,
                                           hr_department):
    url = f"/admin/users/{employee.id}"
    response = admin_client.post(url, data={
        "role": "manager", "department": str(it_department.id),
        "managed_departments": [str(it_department.id), str(hr_department.id)],
        "csrf_token": csrf_token(admin_client, url)})
    assert response.status_code == 302
    db.session.refresh(employee)
    assert employee.role == "manager"
    assert {d.slug for d in employee.managed_departments} == {"it", "hr"}
    [entry] = audit("user.update")
    assert entry.actor_id == admin.id and entry.object_id == employee.id
    assert entry.before == {"role": "employee", "managed_departments": []}
    assert entry.after == {"role": "manager",
                           "managed_departments": sorted([it_department.id, hr_department.id])}


@pytest.mark.parametrize("role,managed,message", [
    ("manager", [], b"A manager must manage at least one department."),
    ("employee", ["it"], b"Only managers and admins can manage departments"),
])
def test_role_rules_are_explained_and_input_kept(admin_client, employee, it_department, role,
                                                 managed, message):
    url = f"/admin/users/{employee.id}"
    ids = [str(it_department.id)] if managed else []
    response = admin_client.post(url, data={"role": role, "department": str(it_department.id),
                                            "managed_departments": ids,
                                            "csrf_token": csrf_token(admin_client, url)})
    assert response.status_code == 422
    assert message in response.data
    assert f'<option selected value="{role}">'.encode() in response.data or \
        f'value="{role}" selected'.encode() in response.data


def test_admin_cannot_demote_themselves(admin_client, admin):
    url = f"/admin/users/{admin.id}"
    response = admin_client.post(url, data={"role": "employee", "department": "0",
                                            "csrf_token": csrf_token(admin_client, url)})
    assert response.status_code == 422
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_deactivate_and_reactivate(admin_client, app, employee, auth):
    url = f"/admin/users/{employee.id}/active"
    token = csrf_token(admin_client, f"/admin/users/{employee.id}")
    assert admin_client.post(url, data={"active": "0", "csrf_token": token}).status_code == 302
    db.session.refresh(employee)
    assert not employee.active
    assert auth.login(employee.email).status_code == 422
    assert admin_client.post(url, data={"active": "1", "csrf_token": token}).status_code == 302
    db.session.refresh(employee)
    assert employee.active
    assert auth.login(employee.email).status_code == 302
    assert [e.action for e in audit("user.deactivate") + audit("user.reactivate")] == \
        ["user.deactivate", "user.reactivate"]


def test_deactivation_needs_a_post(admin_client, employee):
    assert admin_client.get(f"/admin/users/{employee.id}/active").status_code == 405


def test_create_department(admin_client, admin, company):
    response = admin_client.post("/admin/departments/new", data={
        "name": "Research & Development", "parent": str(company.id), "review_threshold": "7",
        "review_sla_days": "10", "description": "Labs",
        "csrf_token": csrf_token(admin_client, "/admin/departments/new")})
    assert response.status_code == 302
    department = db.session.scalar(
        sa.select(Department).where(Department.slug == "research-development"))
    assert (department.parent_id, department.review_threshold, department.review_sla_days) == \
        (company.id, 7, 10)
    [entry] = audit("department.create")
    assert entry.after["name"] == "Research & Development"


def test_department_defaults(admin_client):
    page = admin_client.get("/admin/departments/new").get_data(as_text=True)
    assert 'value="5"' in page and 'value="14"' in page


def test_department_form_errors_keep_input(admin_client, company):
    response = admin_client.post("/admin/departments/new", data={
        "name": "Company", "parent": "0", "review_threshold": "0", "review_sla_days": "9",
        "description": "typed text",
        "csrf_token": csrf_token(admin_client, "/admin/departments/new")})
    assert response.status_code == 422
    assert b"Use a whole number from 1 to 10,000." in response.data
    assert b"typed text" in response.data


def test_department_name_must_be_unique(admin_client, company):
    response = admin_client.post("/admin/departments/new", data={
        "name": "company", "parent": "0", "review_threshold": "5", "review_sla_days": "14",
        "csrf_token": csrf_token(admin_client, "/admin/departments/new")})
    assert response.status_code == 422
    assert b"Another department already has that name." in response.data


def test_move_department(admin_client, company, it_department, hr_department):
    url = f"/admin/departments/{hr_department.id}/edit"
    response = admin_client.post(url, data={
        "name": "HR", "parent": str(it_department.id), "review_threshold": "3",
        "review_sla_days": "14", "csrf_token": csrf_token(admin_client, url)})
    assert response.status_code == 302
    db.session.refresh(hr_department)
    assert hr_department.parent_id == it_department.id
    [entry] = audit("department.move")
    assert entry.before == {"parent_id": company.id, "review_threshold": 5}
    assert entry.after == {"parent_id": it_department.id, "review_threshold": 3}


def test_department_cannot_move_under_its_own_descendant(admin_client, company, it_department):
    child = DepartmentFactory(name="Helpdesk", slug="helpdesk", parent=it_department)
    url = f"/admin/departments/{it_department.id}/edit"
    response = admin_client.post(url, data={
        "name": "IT", "parent": str(child.id), "review_threshold": "5", "review_sla_days": "14",
        "csrf_token": csrf_token(admin_client, url)})
    assert response.status_code == 422
    assert b"cannot sit under itself" in response.data
    db.session.refresh(it_department)
    assert it_department.parent_id == company.id


def test_department_tree_page(admin_client, company, it_department, manager):
    page = admin_client.get("/admin/departments").get_data(as_text=True)
    # Between > and <: a bare "IT" may also occur in the log-out form's random CSRF token.
    assert page.index(">Company<") < page.index(">IT<")
    assert "Max Manager" in page


def test_audit_entries_are_append_only(app, admin):
    from ideaboard.audit.services import record

    entry = record(admin, "test.action", admin)
    db.session.commit()
    entry.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()

"""SCIM Groups: kept as sent; the configured admin and manager groups give their
provisioned members those roles (IDEABOARD_SCIM_ADMIN_GROUP, _MANAGER_GROUP)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import find_by_email
from ideaboard.extensions import db
from tests.helpers.scim import ScimClient, assert_scim_error, new_token, row_counts
from tests.identity import scim_payloads as payloads

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.fixture
def scim(app, client, it_department, hr_department):
    app.config.update(SCIM_ADMIN_GROUP="Ideaboard Admins",
                      SCIM_MANAGER_GROUP="Ideaboard Managers")
    return ScimClient(client, new_token("Okta"))


def person(scim, email: str, department: str = "IT") -> str:
    body = payloads.entra_create(email, department=department) | {"externalId": email}
    response = scim.post("/Users", body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def role_of(email: str) -> tuple[str, list[str]]:
    db.session.rollback()
    user = find_by_email(email)
    return user.role, [d.slug for d in user.managed_departments]


def group(scim, name: str, *members: str) -> str:
    response = scim.post("/Groups", {"schemas": [GROUP], "displayName": name,
                                     "members": [{"value": m} for m in members]})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def test_the_admin_group_makes_admins_and_taking_them_out_undoes_it(scim):
    ada, bob = person(scim, "ada@example.com"), person(scim, "bob@example.com")
    admins = group(scim, "Ideaboard Admins", ada)
    assert role_of("ada@example.com") == ("admin", [])
    assert role_of("bob@example.com") == ("employee", [])

    assert scim.patch(f"/Groups/{admins}", payloads.okta_add_members(bob)).status_code == 200
    assert role_of("bob@example.com")[0] == "admin"
    assert scim.patch(f"/Groups/{admins}",
                      payloads.okta_remove_member(ada)).status_code == 200
    assert role_of("ada@example.com")[0] == "employee"
    members = scim.get(f"/Groups/{admins}").get_json()["members"]
    assert [m["value"] for m in members] == [bob]

    assert scim.delete(f"/Groups/{admins}").status_code == 204
    assert role_of("bob@example.com")[0] == "employee"


def test_the_manager_group_makes_managers_of_their_own_department(scim):
    carol = person(scim, "carol@example.com", department="HR")
    group(scim, "Ideaboard Managers", carol)
    assert role_of("carol@example.com") == ("manager", ["hr"])


def test_other_groups_change_no_role(scim):
    dave = person(scim, "dave@example.com")
    sales = group(scim, "Sales", dave)
    assert role_of("dave@example.com")[0] == "employee"
    found = scim.get('/Groups?filter=displayName eq "Sales"').get_json()
    assert [g["id"] for g in found["Resources"]] == [sales]


def test_an_unknown_member_or_a_taken_name_is_refused(scim):
    from ideaboard.identity.scim.models import ScimGroup

    assert_scim_error(scim.post("/Groups", {"schemas": [GROUP], "displayName": "Ideaboard Admins",
                                            "members": [{"value": "424242"}]}), 400,
                      "invalidValue")
    assert row_counts(ScimGroup) == (0,)
    group(scim, "Sales")
    assert_scim_error(scim.post("/Groups", {"schemas": [GROUP], "displayName": "Sales"}),
                      409, "uniqueness")


def test_department_groups_make_departments_and_place_their_members(app, scim, company):
    from ideaboard.org.models import Department

    app.config["SCIM_DEPARTMENT_GROUP_PREFIX"] = "Dept: "
    erin = person(scim, "erin@example.com")
    frank = person(scim, "frank@example.com")
    sales = group(scim, "Dept: Sales", erin)

    db.session.rollback()
    department = db.session.scalar(sa.select(Department).where(Department.name == "Sales"))
    assert department is not None and department.parent_id == company.id
    assert find_by_email("erin@example.com").department_id == department.id
    assert find_by_email("frank@example.com").department.slug == "it"

    assert scim.patch(f"/Groups/{sales}", payloads.okta_add_members(frank)).status_code == 200
    db.session.rollback()
    assert find_by_email("frank@example.com").department_id == department.id
    # An existing department by its slug: no second one.
    group(scim, "Dept: hr", frank)
    db.session.rollback()
    assert find_by_email("frank@example.com").department.name == "HR"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) == 4

"""SCIM Users: the joiner, mover and leaver lifecycle as Entra ID and Okta drive it, and
the app following (sign-in refused, a signed-in session ended, work kept)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import AccountSource, find_by_email
from ideaboard.audit.models import AuditEntry
from ideaboard.extensions import db
from ideaboard.identity.models import ExternalIdentity
from ideaboard.identity.scim.models import ProvisioningEvent, ScimUser
from tests.helpers.factories import PASSWORD, IdeaFactory, UserFactory
from tests.helpers.login import AuthActions
from tests.helpers.queries import QueryCounter
from tests.helpers.scim import SCIM_JSON, ScimClient, assert_scim_error, new_token
from tests.identity import scim_payloads as payloads


@pytest.fixture
def scim(app, client):
    return ScimClient(client, new_token())


@pytest.fixture
def org(it_department, hr_department):
    return it_department, hr_department


def events() -> list[tuple[str, str, int]]:
    db.session.rollback()
    return [(e.operation, e.outcome, e.status) for e in db.session.scalars(
        sa.select(ProvisioningEvent).order_by(ProvisioningEvent.id))]


def test_entra_create_provisions_a_person_in_their_department(scim, org):
    it, _hr = org
    response = scim.post("/Users", payloads.entra_create("sandy@example.com"))

    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.content_type == SCIM_JSON
    body = response.get_json()
    assert response.headers["Location"] == body["meta"]["location"]
    # From BASE_URL, never the Host header: clients keep it.
    assert body["meta"]["location"] == f"http://ideaboard.test/scim/v2/Users/{body['id']}"
    assert body["userName"] == "sandy@example.com"
    assert body[payloads.ENTERPRISE]["department"] == "IT"
    user = find_by_email("sandy@example.com")
    assert user is not None and str(user.id) == body["id"]
    assert user.display_name == "Sandy Nia"  # name.formatted: Entra sends no displayName
    assert user.department_id == it.id
    assert user.source == AccountSource.SCIM.value and user.active
    link = db.session.scalar(sa.select(ExternalIdentity).where(
        ExternalIdentity.user_id == user.id))
    assert (link.provider, link.subject) == ("scim", "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
    assert db.session.scalar(sa.select(AuditEntry.reason).where(
        AuditEntry.action == "user.create", AuditEntry.object_id == user.id)) == \
        "SCIM (Entra ID)"
    assert events() == [("create", "ok", 201)]


def test_okta_create_keeps_no_password_and_signs_nobody_in(scim, client, org):
    response = scim.post("/Users", payloads.okta_create())
    assert response.status_code == 201
    assert "password" not in response.get_json()
    record = db.session.get(ScimUser, int(response.get_json()["id"]))
    assert "password" not in record.resource
    # The password Okta sent is not the account's: a provisioned person signs in by SSO.
    login = AuthActions(client).login("test.user@example.com", "1mz050nq")
    assert login.status_code != 302


def test_filter_by_user_name_and_external_id_finds_the_person(scim, org):
    created = scim.post("/Users", payloads.entra_create("Sandy@Example.com")).get_json()
    scim.post("/Users", payloads.okta_create("other@example.com"))

    found = scim.get('/Users?filter=userName eq "sandy@example.com"').get_json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == created["id"]
    by_external = scim.get(
        '/Users?filter=externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"').get_json()
    assert [r["id"] for r in by_external["Resources"]] == [created["id"]]
    none = scim.get('/Users?filter=userName eq "nobody@example.com"').get_json()
    assert none["totalResults"] == 0 and none["Resources"] == []


def test_paging_with_start_index_and_count(scim, org):
    ids = [scim.post("/Users", payloads.okta_create(f"p{n}@example.com")).get_json()["id"]
           for n in range(5)]
    page = scim.get("/Users?startIndex=2&count=2").get_json()
    assert page["totalResults"] == 5 and page["startIndex"] == 2
    assert page["itemsPerPage"] == 2
    assert [r["id"] for r in page["Resources"]] == ids[1:3]
    assert scim.get("/Users?count=0").get_json()["Resources"] == []


def test_a_page_of_people_costs_the_same_statements_whatever_its_length(scim, org):
    """Each resource's ``active`` is its account's: loaded with the page, not per row."""
    for n in range(6):
        assert scim.post("/Users", payloads.okta_create(f"p{n}@example.com")).status_code == 201
    db.session.remove()

    def statements(count: int) -> int:
        with QueryCounter() as counter:
            page = scim.get(f"/Users?count={count}")
        assert page.get_json()["itemsPerPage"] == count
        return counter.count

    assert statements(6) == statements(1)


def test_a_retried_create_is_a_conflict_and_makes_no_second_person(scim, org):
    assert scim.post("/Users", payloads.okta_create()).status_code == 201
    assert_scim_error(scim.post("/Users", payloads.okta_create()), 409, "uniqueness")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScimUser)) == 1


def test_an_existing_password_account_is_linked_not_duplicated(scim, employee):
    response = scim.post("/Users", payloads.okta_create("Employee@example.com"))
    assert response.status_code == 201
    assert response.get_json()["id"] == str(employee.id)
    db.session.refresh(employee)
    assert employee.source == AccountSource.PASSWORD.value  # still a password account
    assert employee.display_name == "Test User"


def test_entra_patch_updates_name_email_and_moves_department(scim, org):
    _it, hr = org
    user_id = scim.post("/Users", payloads.entra_create("sandy@example.com")).get_json()["id"]

    updated = scim.patch(f"/Users/{user_id}", payloads.ENTRA_UPDATE)
    assert updated.status_code == 200, updated.get_data(as_text=True)
    moved = scim.patch(f"/Users/{user_id}", payloads.ENTRA_MOVE)
    assert moved.status_code == 200
    assert moved.get_json()[payloads.ENTERPRISE]["department"] == "HR"

    user = find_by_email("sandy.nia@example.com")
    assert user is not None and str(user.id) == user_id
    assert user.display_name == "Sandra Nia-Smith"
    assert user.department_id == hr.id
    audited = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "user.update", AuditEntry.object_id == user.id)).all()
    assert [entry.after.get("department_id") for entry in audited][-1] == hr.id


def test_a_department_by_its_code_and_an_unknown_one_goes_to_the_root(scim, company, org):
    by_slug = scim.post("/Users", payloads.entra_create("a@example.com", department="hr"))
    assert find_by_email("a@example.com").department.name == "HR"
    unknown = scim.post("/Users", payloads.okta_create("b@example.com") | {
        "schemas": [payloads.USER, payloads.ENTERPRISE],
        payloads.ENTERPRISE: {"department": "Narnia"}})
    assert by_slug.status_code == unknown.status_code == 201
    assert find_by_email("b@example.com").department_id == company.id
    event = db.session.scalars(sa.select(ProvisioningEvent).order_by(
        ProvisioningEvent.id.desc())).first()
    assert event.outcome == "warning" and "Narnia" in event.detail


def test_put_replaces_the_person(scim, org):
    _it, hr = org
    created = scim.post("/Users", payloads.okta_create()).get_json()
    replacement = payloads.okta_create() | {
        "schemas": [payloads.USER, payloads.ENTERPRISE], "displayName": "Tess User",
        payloads.ENTERPRISE: {"department": "HR"}}
    response = scim.put(f"/Users/{created['id']}", replacement)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["meta"]["version"] == 'W/"2"'
    user = find_by_email("test.user@example.com")
    assert (user.display_name, user.department_id) == ("Tess User", hr.id)


@pytest.mark.parametrize("deactivation", [payloads.ENTRA_DISABLE, payloads.OKTA_DEACTIVATE],
                         ids=["entra", "okta"])
def test_deactivation_ends_the_session_and_refuses_sign_in(app, scim, org, deactivation):
    user_id = scim.post("/Users", payloads.okta_create()).get_json()["id"]
    person = find_by_email("test.user@example.com")
    person.password_hash = UserFactory.build().password_hash  # a way in, to end it
    db.session.commit()
    browser = app.test_client()
    assert AuthActions(browser).login("test.user@example.com", PASSWORD).status_code == 302
    assert browser.get("/notifications").status_code == 200

    response = scim.patch(f"/Users/{user_id}", deactivation)
    assert response.status_code == 200 and response.get_json()["active"] is False

    # The signed-in browser is signed out on its next request...
    assert browser.get("/notifications").status_code == 302
    # ...and cannot sign in again.
    assert AuthActions(app.test_client()).login(
        "test.user@example.com", PASSWORD).status_code != 302
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEntry.action).where(
        AuditEntry.action == "user.deactivate", AuditEntry.object_id == int(user_id)))
    # Okta and Entra bring people back the same way.
    again = scim.patch(f"/Users/{user_id}", payloads.OKTA_REACTIVATE)
    assert again.get_json()["active"] is True and find_by_email(
        "test.user@example.com").active


def test_delete_erases_keeps_the_work_and_forgets_the_resource(scim, org, it_department):
    # Deprovisioning is an erasure (issue 18; tests/privacy/test_erasure.py shows what
    # it scrubs): the account is closed and anonymous, its ideas stay on the board.
    user_id = scim.post("/Users", payloads.okta_create()).get_json()["id"]
    person = find_by_email("test.user@example.com")
    idea = IdeaFactory(author=person, department=it_department)
    generation = person.session_generation

    assert scim.delete(f"/Users/{user_id}").status_code == 204

    db.session.rollback()
    assert find_by_email("test.user@example.com") is None  # the address is forgotten
    person = db.session.get(type(person), int(user_id))
    assert not person.active and person.erased_at is not None
    assert person.session_generation == generation + 1  # signed out everywhere
    assert db.session.get(type(idea), idea.id) is not None  # what they wrote stays
    assert_scim_error(scim.get(f"/Users/{user_id}"), 404)
    assert_scim_error(scim.delete(f"/Users/{user_id}"), 404)  # a retried delete
    assert events()[-2:] == [("delete", "ok", 204), ("delete", "refused", 404)]


def test_a_retried_patch_or_put_changes_nothing_more(scim, org):
    user_id = scim.post("/Users", payloads.entra_create("sandy@example.com")).get_json()["id"]
    first = scim.patch(f"/Users/{user_id}", payloads.ENTRA_MOVE).get_json()
    audited = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    again = scim.patch(f"/Users/{user_id}", payloads.ENTRA_MOVE).get_json()
    assert again["meta"]["version"] == first["meta"]["version"] == 'W/"2"'
    replaced = scim.put(f"/Users/{user_id}", {k: v for k, v in again.items() if k != "meta"})
    assert replaced.get_json()["meta"]["version"] == 'W/"2"'
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audited


def test_the_enterprise_manager_manages_the_persons_department(scim, org):
    _it, hr = org
    boss_id = scim.post("/Users", payloads.okta_create("boss@example.com")).get_json()["id"]
    report = payloads.entra_create("report@example.com", department="HR")
    report[payloads.ENTERPRISE]["manager"] = {
        "value": boss_id, "$ref": f"http://ideaboard.test/scim/v2/Users/{boss_id}"}
    assert scim.post("/Users", report).status_code == 201

    db.session.rollback()
    boss = find_by_email("boss@example.com")
    assert boss.role == "manager" and [d.id for d in boss.managed_departments] == [hr.id]
    # Entra sets a manager by PATCH, its value the manager's id.
    other = scim.post("/Users", payloads.entra_create("other@example.com", department="IT")
                      | {"externalId": "other"}).get_json()["id"]
    response = scim.patch(f"/Users/{other}", payloads.entra_set_manager(boss_id))
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.rollback()
    assert sorted(d.slug for d in find_by_email("boss@example.com").managed_departments) == [
        "hr", "it"]

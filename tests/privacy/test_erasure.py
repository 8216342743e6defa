"""Erasure (issue 18, item 6): afterwards no text column of any table holds the
person's names or addresses, every counter is as it was, and their anonymous idea
cannot be traced to them; the same through the account page, an admin and SCIM."""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.audit.models import AuditEntry
from ideaboard.core.transactions import unit_of_work
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.privacy.erasure import (
    ANONYMOUS_AUTHORS_EMAIL,
    FORMER_COLLEAGUE,
    ErasureError,
    erase_person,
)
from ideaboard.voting.models import Vote
from tests.helpers.csrf import csrf_token
from tests.helpers.login import AuthActions, signed_in
from tests.helpers.privacy import live, where_named
from tests.helpers.scim import USER_SCHEMA, ScimClient, new_token
from tests.helpers.webhooks import stored_endpoint

ANN = ("Ann Leeming", "ann.leeming@example.com")
BOB = ("Bob Okafor", "bob.okafor@example.com")
PASSPHRASE = "A long enough passphrase 42"


def counters() -> dict:
    """Every idea's counters, and the number of votes."""
    db.session.expire_all()
    ideas = {i.id: (i.upvotes, i.downvotes, i.comment_count, i.follower_count)
             for i in db.session.scalars(sa.select(Idea))}
    return {"ideas": ideas, "votes": db.session.scalar(sa.select(sa.func.count(Vote.id)))}


def two_people(department):
    """Bob, then Ann who votes, comments on and follows Bob's idea (so Bob's
    notification and e-mail name her), with a webhook endpoint that hears of ideas."""
    stored_endpoint()
    bob = live(*BOB, department)
    ann = live(*ANN, department, earlier_name="Annie Lee", other=bob)
    return ann, bob


def links_to_idea(user_id: int, idea_id: int) -> list[str]:
    """Every row, in any table, that names both the person and the idea: a column that
    refers to users beside one that refers to ideas (or the audit trail's object)."""
    found = []
    for table in db.metadata.sorted_tables:
        people = [c for c in table.columns
                  if any(fk.column.table.name == "users" for fk in c.foreign_keys)]
        ideas = [c for c in table.columns
                 if any(fk.column.table.name == "ideas" for fk in c.foreign_keys)]
        if table.name == "ideas":
            ideas = [table.c.id]
        for person in people:
            for idea in ideas:
                if db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                        person == user_id, idea == idea_id)):
                    found.append(f"{table.name}.{person.name} + {idea.name}")
    if db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.actor_id == user_id, AuditEntry.object_type == "ideas",
            AuditEntry.object_id == idea_id)):
        found.append("audit_log.actor_id + object")
    return found


def test_nothing_names_the_erased_person_and_nothing_else_changes(app, admin, it_department):
    ann, bob = two_people(it_department)
    # Before: the scan does find her, everywhere the board copied her name and address.
    before = where_named(ANN[0], ANN[1], "Annie Lee")
    tables = {line.split(".")[0] for line in before}
    # Every text column, those of a type of our own included (users.display_name).
    assert any(line.startswith("users.display_name:") for line in before), before
    assert {"users", "audit_log", "notifications", "email_outbox",
            "webhook_deliveries"} <= tables, before
    counted = counters()
    assert links_to_idea(ann.user_id, ann.anonymous_idea_id)  # the test can see a link

    with unit_of_work():
        erase_person(db.session.get(User, ann.user_id), actor=admin,
                     reason=f"{ANN[0]} left; asked by {ANN[1]} in writing")

    assert where_named(ANN[0], ANN[1], "Annie Lee") == []
    assert counters() == counted
    erased = db.session.get(User, ann.user_id)
    assert erased.display_name == FORMER_COLLEAGUE and not erased.active
    assert erased.erased_at is not None and not erased.has_password
    # What she wrote in her own name stays, under Former colleague.
    assert db.session.get(Idea, ann.public_idea_id).author_id == ann.user_id
    # Her anonymous idea: no row anywhere ties it to her.
    anonymous = db.session.get(Idea, ann.anonymous_idea_id)
    assert anonymous.author_id != ann.user_id
    assert anonymous.author.email == ANONYMOUS_AUTHORS_EMAIL
    assert anonymous.author.display_name == FORMER_COLLEAGUE
    assert links_to_idea(ann.user_id, ann.anonymous_idea_id) == []
    # Bob is untouched: his name, address and notifications are where they were.
    assert where_named(*BOB)
    assert db.session.get(User, bob.user_id).display_name == BOB[0]
    # The audit trail has the erasure, by the admin, with the reason scrubbed.
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.erase"))
    assert entry.actor_id == admin.id and entry.object_id == ann.user_id
    assert entry.reason == f"{FORMER_COLLEAGUE} left; asked by (address removed) in writing"


def test_two_erased_peoples_anonymous_ideas_share_one_holder(app, it_department):
    ann, bob = two_people(it_department)
    with unit_of_work():
        erase_person(db.session.get(User, ann.user_id), actor=None)
    with unit_of_work():
        erase_person(db.session.get(User, bob.user_id), actor=None)
    authors = {db.session.get(Idea, life.anonymous_idea_id).author_id for life in (ann, bob)}
    assert len(authors) == 1  # so it cannot tell the two apart either
    assert where_named(*ANN, *BOB) == []


def test_a_person_erases_their_own_account_with_their_password(app, it_department):
    ann, _bob = two_people(it_department)
    client = app.test_client()
    assert AuthActions(client).login(ANN[1], PASSPHRASE).status_code == 302
    page = client.get("/account/erase")
    assert page.status_code == 200 and "Your password" in page.get_data(as_text=True)
    wrong = client.post("/account/erase", data={"password": "not it",
                                                "csrf_token": csrf_token(client)})
    assert wrong.status_code == 422
    assert "That is not your password." in wrong.get_data(as_text=True)
    assert db.session.get(User, ann.user_id).erased_at is None
    done = client.post("/account/erase", data={"password": PASSPHRASE,
                                               "csrf_token": csrf_token(client)})
    assert done.status_code == 302 and "/login" in done.headers["Location"]
    assert client.get("/account").status_code == 302  # signed out
    assert AuthActions(client).login(ANN[1], PASSPHRASE).status_code == 422
    assert where_named(*ANN) == []


def test_an_sso_account_confirms_by_typing(app, it_department):
    ann, _bob = two_people(it_department)
    with unit_of_work():
        db.session.get(User, ann.user_id).password_hash = "!no-password"

    client = app.test_client()
    with client.session_transaction() as session:  # an SSO sign-in, as identity does
        user = db.session.get(User, ann.user_id)
        session["_user_id"] = user.session_identity()
        session["_fresh"] = True
    page = client.get("/account/erase").get_data(as_text=True)
    assert "erase my account" in page
    token = csrf_token(client, "/account")
    assert client.post("/account/erase", data={"confirmation": "erase it",
                                               "csrf_token": token}).status_code == 422
    assert client.post("/account/erase", data={"confirmation": " Erase my account ",
                                               "csrf_token": token}).status_code == 302
    assert db.session.get(User, ann.user_id).erased_at is not None


def test_an_admin_erases_with_a_reason_and_the_address_typed(app, admin, it_department):
    ann, _bob = two_people(it_department)
    client = signed_in(app, admin)
    url = f"/admin/users/{ann.user_id}/erase"
    assert client.get(url).status_code == 200
    token = csrf_token(client, url)
    short = client.post(url, data={"reason": "Gone", "confirmation": ANN[1],
                                   "csrf_token": token})
    assert short.status_code == 422
    assert "Say why in 10 to 500 characters." in short.get_data(as_text=True)
    other = client.post(url, data={"reason": "Left the company in May.",
                                   "confirmation": BOB[1], "csrf_token": token})
    assert other.status_code == 422 and db.session.get(User, ann.user_id).erased_at is None
    assert "Left the company in May." in other.get_data(as_text=True)  # kept as typed
    done = client.post(url, data={"reason": "Left the company in May.",
                                  "confirmation": ANN[1].upper(), "csrf_token": token})
    assert done.status_code == 302
    assert where_named(*ANN) == []
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.erase"))
    assert (entry.actor_id, entry.reason) == (admin.id, "Left the company in May.")
    again = client.post(url, data={"reason": "Left the company in May.",
                                   "confirmation": ANN[1], "csrf_token": token})
    assert again.status_code == 302  # already erased: said so, nothing done twice
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "user.erase")) == 1


def test_the_only_admin_is_not_erased_by_a_person(app, admin):
    try:
        erase_person(admin, actor=admin)
    except ErasureError as error:
        assert "only active admin" in str(error)
    else:
        raise AssertionError("the last admin was erased")
    db.session.rollback()
    assert db.session.get(User, admin.id).erased_at is None


def test_a_scim_delete_erases_the_person(app, it_department):
    scim = ScimClient(app.test_client(), new_token("Okta"))
    created = scim.post("/Users", {
        "schemas": [USER_SCHEMA], "userName": "carla.diaz@example.com",
        "externalId": "00u-carla", "displayName": "Carla Diaz",
        "name": {"givenName": "Carla", "familyName": "Diaz", "formatted": "Carla M. Diaz"},
        "emails": [{"value": "carla.diaz@example.com", "primary": True},
                   {"value": "carla@home.example.org"}], "active": True})
    assert created.status_code == 201, created.get_data(as_text=True)
    user_id = int(created.get_json()["id"])
    group = scim.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                  "displayName": "Everyone",
                                  "members": [{"value": str(user_id), "display": "Carla Diaz"}]})
    assert group.status_code == 201, group.get_data(as_text=True)
    assert where_named("Carla Diaz", "carla.diaz@example.com")
    assert scim.delete(f"/Users/{user_id}").status_code == 204
    assert scim.get(f"/Users/{user_id}").status_code == 404
    assert where_named("Carla Diaz", "Carla M. Diaz", "carla.diaz@example.com",
                       "carla@home.example.org") == []
    erased = db.session.get(User, user_id)
    assert erased.erased_at is not None and erased.display_name == FORMER_COLLEAGUE

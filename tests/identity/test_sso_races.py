"""The same person's first single sign-on in several requests at once (PostgreSQL; SQLite
serialises writers, so the race exists only on a server database)."""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.extensions import db
from ideaboard.identity.models import ExternalIdentity, Provider
from ideaboard.identity.services import provision_from_sso
from tests.helpers.concurrency import run_together
from tests.helpers.factories import DepartmentFactory

TABS = 8


def _first_sign_in():
    def prepare():
        db.session.commit()  # each request begins its transaction at the barrier
        return lambda: provision_from_sso(Provider.OIDC, "subject-123", "nia@acme.example",
                                          True, "Nia Newcomer", "IT")

    return prepare


def test_simultaneous_first_sign_ins_make_one_person(pg_app):
    pg_app.config["ALLOWED_EMAIL_DOMAINS"] = ["acme.example"]
    DepartmentFactory(name="IT", slug="it")
    db.session.commit()
    assert run_together(pg_app, [_first_sign_in() for _ in range(TABS)]) == []
    db.session.expire_all()
    people = db.session.scalars(sa.select(User).where(User.email == "nia@acme.example")).all()
    assert len(people) == 1
    links = db.session.scalars(sa.select(ExternalIdentity)).all()
    assert [(link.user_id, link.subject) for link in links] == [(people[0].id, "subject-123")]

"""factory_boy factories for the models; each commits so request code sees the rows."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from ideaboard.accounts.models import User
from ideaboard.accounts.passwords import hash_password
from ideaboard.extensions import db
from ideaboard.org.models import Department

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH: list[str] = []


def password_hash() -> str:
    """One scrypt hash for the whole run: hashing is deliberately slow."""
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(hash_password(PASSWORD))
    return _PASSWORD_HASH[0]


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class DepartmentFactory(BaseFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))
    description = ""
    review_threshold = 5
    review_sla_days = 14


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password_hash = factory.LazyFunction(password_hash)
    role = "employee"
    active = True
    department = None

    @factory.post_generation
    def manages(self, create, extracted, **kwargs):
        """``UserFactory(manages=[dept])`` makes the user a manager of those departments."""
        if extracted:
            self.managed_departments = list(extracted)
            if self.role == "employee":
                self.role = "manager"
            if create:
                db.session.commit()

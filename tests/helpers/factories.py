"""factory_boy factories for the models; each commits so request code sees the rows."""

from __future__ import annotations

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from ideaboard import sanitize
from ideaboard.accounts.models import User
from ideaboard.accounts.passwords import hash_password
from ideaboard.campaigns.models import Campaign
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, Tag
from ideaboard.ideas.ranking import initial_scores
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


class CampaignFactory(BaseFactory):
    """A campaign open since an hour ago for a week; needs ``sponsor`` and ``department``
    (``audience_department`` for a narrower audience)."""

    class Meta:
        model = Campaign

    title = factory.Sequence(lambda n: f"How do we halve onboarding time, take {n}?")
    brief_md = "Customers wait **weeks** for their first login."
    brief_html = factory.LazyAttribute(lambda o: sanitize.render_markdown(o.brief_md))
    state = "open"
    opens_at = factory.LazyFunction(lambda: utcnow() - timedelta(hours=1))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + timedelta(days=7))


class TagFactory(BaseFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class IdeaFactory(BaseFactory):
    """A consistent idea: rendered body, excerpt and sort keys as submit_idea sets them.

    Needs ``author`` and ``department``; ``tags`` takes Tag rows.
    """

    class Meta:
        model = Idea

    title = factory.Sequence(lambda n: f"Idea number {n} for the board")
    body_md = "We could **improve** how this works."
    body_html = factory.LazyAttribute(lambda o: sanitize.render_markdown(o.body_md))
    excerpt = factory.LazyAttribute(lambda o: sanitize.excerpt(o.body_html))
    status = "open"
    is_anonymous = False
    hidden = False
    created_at = factory.LazyFunction(utcnow)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)
    upvotes = 0
    downvotes = 0
    comment_count = 0

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if extracted:
            self.tags = list(extracted)
            if create:
                db.session.commit()

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        idea = model_class(*args, **kwargs)
        initial_scores(idea)
        session = cls._meta.sqlalchemy_session_factory()
        session.add(idea)
        session.commit()
        return idea

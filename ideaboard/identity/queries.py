"""What the single sign-on admin page reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ideaboard.accounts.models import AccountSource, User
from ideaboard.audit.models import AuditEntry
from ideaboard.extensions import db
from ideaboard.identity.models import ExternalIdentity, Provider

# The audit entries an admin should see on the page: what single sign-on did on its own.
NOTEWORTHY = ("identity.unknown_department", "identity.link")


@dataclass(frozen=True, slots=True)
class SourceCount:
    source: str
    people: int
    active: int


def people_by_source() -> list[SourceCount]:
    """How many people came from each source (password, OIDC, SAML, SCIM), every source
    listed, with how many of them are active. One grouped query."""
    counted = {row.source: row for row in db.session.execute(
        sa.select(User.source, sa.func.count().label("people"),
                  sa.func.count().filter(User.active.is_(True)).label("active"))
        .group_by(User.source))}
    return [SourceCount(source.value, counted[source.value].people if source.value in counted
                        else 0, counted[source.value].active if source.value in counted else 0)
            for source in AccountSource]


def last_sign_ins() -> dict[Provider, datetime | None]:
    """When someone last signed in through each provider (None: nobody yet). One query."""
    seen = dict(db.session.execute(
        sa.select(ExternalIdentity.provider, sa.func.max(ExternalIdentity.last_seen_at))
        .group_by(ExternalIdentity.provider)).all())
    return {provider: seen.get(provider.value) for provider in Provider}


def noteworthy_events(limit: int = 20) -> list[tuple[AuditEntry, User | None]]:
    """The latest entries single sign-on wrote that an admin may need to act on
    (an unknown department, an account linked), newest first, with the person."""
    return [(entry, person) for entry, person in db.session.execute(
        sa.select(AuditEntry, User)
        .outerjoin(User, sa.and_(AuditEntry.object_type == "users",
                                 User.id == AuditEntry.object_id))
        .where(AuditEntry.action.in_(NOTEWORTHY))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit))]

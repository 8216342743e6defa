"""Erasing a person: what identifies them goes, what they did stays as "Former colleague".

One verb, :func:`erase_person`, for every way an account is erased: the person on their
account page, an admin (with a reason, in the audit trail), and the identity provider's
SCIM DELETE. Afterwards:

- **The account row stays**, so their ideas, comments, reviews and votes stay where they
  are and every counter stays exact (a vote is one row per person and idea: moving votes
  elsewhere would merge them). Its name becomes "Former colleague", its address one that
  names no one (``erased-<id>@erased.invalid``), it has no password, no department, no
  role but employee, no session (the generation is bumped) and it can never sign in.
- **Their anonymous ideas move to one shared account** ("Former colleague", the
  anonymous authors' account, made on the first erasure that needs it), with everything
  that tied them to their author: the versions they edited, the status changes they made
  (a withdrawal, a resubmission), their following of it and the audit entries they made
  about it. So neither an admin, who may see anonymous authors, nor anyone reading the
  audit trail can tell whose they were, or that two of them had one author.
- **What only served them is deleted**: notifications, e-mails to them (sent or not),
  API tokens, identity-provider links, the SCIM resource (and their place in SCIM
  groups), invitations to their address, data exports.
- **Every text column of every other table is scrubbed** of their names (every display
  name the audit trail knows they had) and addresses: the e-mails queued for others
  ("Ann Lee commented..."), notifications, webhook payloads, the audit trail's before
  and after values and reasons, other people's comments that name them. The tables are
  read from the metadata, so a capability added later is covered without a change here
  (``tests/privacy/test_erasure.py`` checks every column the same way). A name is
  replaced where it stands as whole words, an address wherever it appears.

The audit trail is append-only for everything else: this is the one place that rewrites
its entries (through the table, past the ORM's guard), and only to take a person's
personal data out of them. The entry of the erasure itself names the account by id,
with the reason scrubbed the same way.

Cost: one scan of each table's text columns (a few seconds on 100,000 ideas); erasure
is rare, and done in one transaction, so it is all or nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from markupsafe import escape

from ideaboard.accounts.models import (
    NO_PASSWORD,
    EmailFrequency,
    Invitation,
    Role,
    User,
    find_by_email,
)
from ideaboard.accounts.services import end_all_sessions
from ideaboard.api.models import ApiToken
from ideaboard.audit.models import AuditEntry
from ideaboard.audit.services import record
from ideaboard.core.i18n import FORMER_COLLEAGUE
from ideaboard.core.i18n import gettext as _
from ideaboard.database import stored_type, utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Follow, Idea, IdeaVersion
from ideaboard.identity.models import ExternalIdentity
from ideaboard.notifications.models import Notification, OutboxEmail
from ideaboard.privacy.models import DataExport
from ideaboard.review.models import StatusChange

REMOVED_ADDRESS = "(address removed)"
# The shared author of erased people's anonymous ideas.
ANONYMOUS_AUTHORS_EMAIL = "anonymous-authors@erased.invalid"
# Tables the scrub leaves alone: people's own rows are set one by one (another person
# may share an erased person's name), and archives are binary (the person's own are
# deleted; nobody else's holds their name in a text column).
NOT_SCRUBBED = frozenset({"users"})


class ErasureError(ValueError):
    """An erasure the rules refuse; the message is safe to show."""


# What capabilities above this one keep of a person, asked at each erasure: they
# register here (the layers let a higher capability act only so). ``IDENTIFIERS`` give
# more names and addresses the person was known by, ``FORGETTERS`` delete what only
# served them (SCIM provisioning: identity.scim.services).
Known = tuple[Iterable[str], Iterable[str]]  # (names, e-mail addresses)
IDENTIFIERS: list[Callable[[User], Known]] = []
FORGETTERS: list[Callable[[User], None]] = []


def identifiers_from(source: Callable[[User], Known]) -> Callable[[User], Known]:
    """Register a source of a person's names and addresses (a decorator)."""
    if source not in IDENTIFIERS:
        IDENTIFIERS.append(source)
    return source


def forgetter(forget: Callable[[User], None]) -> Callable[[User], None]:
    """Register what deletes a capability's rows that only served a person."""
    if forget not in FORGETTERS:
        FORGETTERS.append(forget)
    return forget


@dataclass(frozen=True)
class Identifiers:
    """What identifies a person in text: every name and address they were known by."""

    names: frozenset[str]
    emails: frozenset[str]


def erased_email(user_id: int) -> str:
    """The address an erased account keeps (the column is unique and required)."""
    return f"erased-{user_id}@erased.invalid"


def is_erased(user: User) -> bool:
    return user.erased_at is not None


def erase_person(user: User, *, actor: User | None, reason: str = "",
                 keep_an_admin: bool = True) -> None:
    """Erase ``user`` (see the module docstring). ``actor`` is who asked: the person,
    an admin, or None for the identity provider (``reason`` then names its connection).
    Refused for an erased account, and, with ``keep_an_admin``, for the last active
    admin (the install would have nobody to manage it). Audited; flushes."""
    if is_erased(user):
        raise ErasureError(_("This account is already erased."))
    if keep_an_admin and user.role == Role.ADMIN.value and user.active and \
            _active_admins() <= 1:
        raise ErasureError(_("This is the only active admin account: make someone else an "
                             "admin first, so the board keeps someone to manage it."))
    found = identifiers(user)
    _unlink_anonymous_ideas(user)
    _delete_what_only_served(user, found)
    _blank_profile(user)
    db.session.flush()
    scrub_tables(found)
    db.session.expire_all()  # the scrub wrote through the tables, past the ORM
    record(actor, "user.erase", object_type="users", object_id=user.id,
           after={"erased": True}, reason=scrub_text(reason, found))


def _active_admins() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role == Role.ADMIN.value, User.active.is_(True))) or 0


def identifiers(user: User) -> Identifiers:
    """The person's names and addresses: as they are now, as the audit trail recorded
    them (a name changed since), and as the identity provider sent them (SCIM)."""
    names = {user.display_name}
    emails = {user.email}
    snapshots = db.session.execute(sa.select(AuditEntry.before, AuditEntry.after).where(
        AuditEntry.object_type == "users", AuditEntry.object_id == user.id))
    for before, after in snapshots:
        for values in (before or {}, after or {}):
            if isinstance(values.get("display_name"), str):
                names.add(values["display_name"])
            if isinstance(values.get("email"), str):
                emails.add(values["email"])
    for source in IDENTIFIERS:
        more_names, more_emails = source(user)
        names.update(more_names)
        emails.update(more_emails)
    # What the erasure writes is no one's name: never "replace" it.
    names = {n.strip() for n in names if n and n.strip()} - {FORMER_COLLEAGUE}
    emails = {e.strip().lower() for e in emails if e and "@" in e}
    emails.discard(erased_email(user.id))
    return Identifiers(frozenset(names), frozenset(emails))


def anonymous_authors() -> User:
    """The shared account that holds erased people's anonymous ideas (made once)."""
    holder = find_by_email(ANONYMOUS_AUTHORS_EMAIL)
    if holder is not None:
        return holder
    holder = User(email=ANONYMOUS_AUTHORS_EMAIL, display_name=FORMER_COLLEAGUE,
                  password_hash=NO_PASSWORD, role=Role.EMPLOYEE.value, active=False,
                  email_frequency=EmailFrequency.NEVER.value, erased_at=utcnow())
    try:
        with db.session.begin_nested():  # another erasure may make it at the same time
            db.session.add(holder)
    except sa.exc.IntegrityError:
        found = find_by_email(ANONYMOUS_AUTHORS_EMAIL)
        if found is None:
            raise
        return found
    return holder


def _unlink_anonymous_ideas(user: User) -> None:
    """Give the person's anonymous ideas, and every trace of their authorship, to the
    shared account."""
    idea_ids = list(db.session.scalars(sa.select(Idea.id).where(
        Idea.author_id == user.id, Idea.is_anonymous.is_(True))))
    if not idea_ids:
        return
    holder_id = anonymous_authors().id
    db.session.flush()
    moves = [
        sa.update(Idea).where(Idea.id.in_(idea_ids)).values(author_id=holder_id),
        sa.update(IdeaVersion).where(IdeaVersion.idea_id.in_(idea_ids),
                                     IdeaVersion.editor_id == user.id)
        .values(editor_id=holder_id),
        sa.update(StatusChange).where(StatusChange.idea_id.in_(idea_ids),
                                      StatusChange.actor_id == user.id)
        .values(actor_id=holder_id),
        sa.update(Follow).where(Follow.idea_id.in_(idea_ids), Follow.user_id == user.id)
        .values(user_id=holder_id),
    ]
    for move in moves:
        db.session.execute(move, execution_options={"synchronize_session": False})
    # Through the table: the ORM refuses to change an audit entry (audit.models).
    db.session.execute(sa.update(AuditEntry.__table__).where(
        AuditEntry.actor_id == user.id, AuditEntry.object_type == "ideas",
        AuditEntry.object_id.in_(idea_ids)).values(actor_id=holder_id))


def _delete_what_only_served(user: User, found: Identifiers) -> None:
    session = db.session
    session.execute(sa.delete(Notification).where(Notification.user_id == user.id))
    session.execute(sa.delete(OutboxEmail).where(sa.or_(
        OutboxEmail.user_id == user.id,
        sa.func.lower(OutboxEmail.to_address).in_(sorted(found.emails)))))
    session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    session.execute(sa.delete(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    session.execute(sa.delete(Invitation).where(
        sa.func.lower(Invitation.email).in_(sorted(found.emails))))
    session.execute(sa.delete(DataExport).where(DataExport.user_id == user.id))
    for forget in FORGETTERS:
        forget(user)


def _blank_profile(user: User) -> None:
    user.display_name = FORMER_COLLEAGUE
    user.email = erased_email(user.id)
    user.password_hash = NO_PASSWORD
    user.active = False
    user.erased_at = utcnow()
    user.role = Role.EMPLOYEE.value
    user.department = None
    user.managed_departments = []
    user.email_frequency = EmailFrequency.NEVER.value
    user.email_topics_off = []
    user.unread_notifications = 0
    user.last_login_at = None
    end_all_sessions(user)  # every signed-in browser is signed out on its next request


# --- scrubbing text -------------------------------------------------------------------

def _spellings(term: str) -> set[str]:
    """How a term may stand in a column: as typed, HTML-escaped (rendered Markdown) and
    JSON-escaped (webhook payloads, JSON columns on PostgreSQL)."""
    return {term, str(escape(term)), json.dumps(term)[1:-1]}


def _patterns(found: Identifiers) -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for email in sorted(found.emails, key=len, reverse=True):
        for spelling in sorted(_spellings(email), key=len, reverse=True):
            patterns.append((re.compile(re.escape(spelling), re.IGNORECASE), REMOVED_ADDRESS))
    for name in sorted(found.names, key=len, reverse=True):
        for spelling in sorted(_spellings(name), key=len, reverse=True):
            patterns.append((re.compile(rf"(?<!\w){re.escape(spelling)}(?!\w)"),
                             FORMER_COLLEAGUE))
    return patterns


def scrub_text(text: str, found: Identifiers) -> str:
    """``text`` with the person's addresses and names (as whole words) replaced."""
    for pattern, replacement in _patterns(found):
        text = pattern.sub(replacement, text)
    return text


def _scrub_value(value: Any, patterns: list[tuple[re.Pattern[str], str]]) -> Any:
    if isinstance(value, str):
        for pattern, replacement in patterns:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [_scrub_value(item, patterns) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_value(item, patterns) for key, item in value.items()}
    return value


def text_columns(table: sa.Table) -> list[sa.Column]:
    """The columns of ``table`` that hold text: strings, and JSON documents."""
    return [column for column in table.columns
            if isinstance(stored_type(column), sa.String | sa.JSON)]


def _needles(column: sa.Column, found: Identifiers) -> Iterable[sa.ColumnElement[bool]]:
    """Conditions that find a row whose ``column`` may hold one of the terms: a
    superset (case aside, and names as parts of longer words), decided in Python."""
    text = sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column
    for term in (*found.names, *found.emails):
        for spelling in _spellings(term):
            yield text.contains(spelling, autoescape=True)
            # SQLite's lower() folds ASCII only, hence both.
            yield sa.func.lower(text).contains(spelling.lower(), autoescape=True)


def scrub_tables(found: Identifiers, *, skip: frozenset[str] = NOT_SCRUBBED) -> int:
    """Replace the person's names and addresses in every text column of every table
    the metadata knows (but ``skip``); the number of rows changed."""
    patterns = _patterns(found)
    changed = 0
    for table in db.metadata.sorted_tables:
        columns = text_columns(table)
        keys = list(table.primary_key.columns)
        if table.name in skip or not columns or not keys:
            continue
        matches = sa.or_(*(needle for column in columns for needle in _needles(column, found)))
        for row in db.session.execute(sa.select(*keys, *columns).where(matches)).all():
            values = row._mapping
            new = {column.name: _scrub_value(values[column], patterns) for column in columns
                   if values[column] is not None}
            new = {name: value for name, value in new.items() if value != values[table.c[name]]}
            if new:
                db.session.execute(sa.update(table).where(
                    *(key == values[key] for key in keys)).values(new))
                changed += 1
    return changed

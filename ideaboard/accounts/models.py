"""People: accounts, roles and invitations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel.speaklater import LazyString
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.core.i18n import PersonName
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.database import UTCDateTime, enum_check, utcnow
from ideaboard.extensions import Model, db

if TYPE_CHECKING:
    from ideaboard.org.models import Department


class Role(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"
    ADMIN = "admin"


class AccountSource(StrEnum):
    """Where an account came from: a password sign-up or invitation, or the company's
    identity provider (``ideaboard.identity``)."""

    # bandit B105: the name of a kind of account, not a password.
    PASSWORD = "password"  # nosec B105
    OIDC = "oidc"
    SAML = "saml"
    SCIM = "scim"


class EmailFrequency(StrEnum):
    IMMEDIATE = "immediate"  # one e-mail per event
    DAILY = "daily"  # one digest a day
    NEVER = "never"


class EmailTopic(StrEnum):
    """The kinds of events a person may choose to be e-mailed about (the account's
    e-mail preferences); ``notifications.delivery.topic_of`` files each notification
    under one. Every topic is on until its person turns it off."""

    DECISIONS = "decisions"  # status changes of my own ideas
    MY_IDEAS = "my_ideas"  # comments on my own ideas
    REPLIES = "replies"  # replies to my comments, and mentions
    FOLLOWING = "following"  # comments and decisions on ideas I follow or voted on
    REVIEW = "review"  # ideas reaching my review queue (managers)
    MODERATION = "moderation"  # flags for moderators; my own idea or comment hidden
    WEEKLY_SUMMARY = "weekly_summary"  # the week in my departments (managers)
    CAMPAIGNS = "campaigns"  # a campaign asking me opened, or stopped taking ideas

    @property
    def label(self) -> str:
        """What the e-mail preferences call it, in the current language."""
        return str(EMAIL_TOPIC_LABELS[self])


EMAIL_TOPIC_LABELS: dict[EmailTopic, LazyString] = {
    EmailTopic.DECISIONS: _l("Decisions on my ideas"),
    EmailTopic.MY_IDEAS: _l("Comments on my ideas"),
    EmailTopic.REPLIES: _l("Replies to my comments, and mentions of me"),
    EmailTopic.FOLLOWING: _l("News of ideas I follow or voted on"),
    EmailTopic.REVIEW: _l("Ideas reaching my review queue (managers)"),
    EmailTopic.MODERATION: _l("Moderation: content flagged for me to check, or my own "
                              "content hidden"),
    EmailTopic.WEEKLY_SUMMARY: _l("A weekly summary of my departments: queue, overdue "
                                  "reviews, decisions and results (managers)"),
    EmailTopic.CAMPAIGNS: _l("Campaigns that ask me for ideas: when they open and close"),
}


# The password hash of an account with no password (made by single sign-on or SCIM): not
# a form werkzeug produces or accepts ("method$salt$hash"), so no password opens it.
NO_PASSWORD = "!no-password"  # nosec B105


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        enum_check("role", [r.value for r in Role]),
        enum_check("email_frequency", [f.value for f in EmailFrequency]),
        enum_check("source", [s.value for s in AccountSource]),
        sa.CheckConstraint("unread_notifications >= 0", name="unread_non_negative"),
        # The admins' count of people by source (identity.queries.people_by_source)
        # reads this index alone, never the rows.
        sa.Index("ix_users_source_active", "source", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    # Read through PersonName: an erased person's "Former colleague" in the reader's words.
    display_name: Mapped[str] = mapped_column(PersonName(80))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.EMPLOYEE.value)
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    # Deactivated people cannot log in; what they wrote stays.
    active: Mapped[bool] = mapped_column(default=True)
    email_frequency: Mapped[str] = mapped_column(
        sa.String(16), default=EmailFrequency.IMMEDIATE.value
    )
    # The e-mail topics this person turned off (EmailTopic values); empty: every one on,
    # so a topic added later is on for everyone until they turn it off.
    email_topics_off: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'"))
    # Kept in step with the notifications table so the bell costs no query.
    unread_notifications: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every sign-in (see accounts.sessions); bumped to end them all at once.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    source: Mapped[str] = mapped_column(sa.String(16), default=AccountSource.PASSWORD.value,
                                        server_default=AccountSource.PASSWORD.value)
    # When the person's account was erased (privacy.erasure): the row stays, as
    # "Former colleague", so what they wrote and their votes stay; nothing of them does.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language this person chose on their account page (a code of
    # core.i18n.LANGUAGES); None: their browser's, else the installation's default.
    locale: Mapped[str | None] = mapped_column(sa.String(16))

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    managed_departments: Mapped[list[Department]] = relationship(
        secondary="department_managers", back_populates="managers", order_by="Department.name"
    )

    def wants_email_about(self, topic: str) -> bool:
        """Whether this person's preferences let an e-mail about ``topic`` go out (the
        frequency is asked separately: ``email_frequency``)."""
        return topic not in (self.email_topics_off or ())

    @property
    def has_password(self) -> bool:
        """Whether a password opens this account (see NO_PASSWORD)."""
        return not self.password_hash.startswith("!")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def session_identity(self) -> str:
        """What Flask-Login keeps for a sign-in that begins now (see accounts.sessions)."""
        from ideaboard.accounts.sessions import identity

        return identity(self)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Invitation(Model):
    """An admin's invitation that lets someone outside the allowed domains sign up."""

    __tablename__ = "invitations"
    __table_args__ = (enum_check("role", [r.value for r in Role]),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.EMPLOYEE.value)
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="SET NULL")
    )
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])
    department: Mapped[Department | None] = relationship()


def normalise_email(email: str) -> str:
    """An address as accounts store it: trimmed and lower-case (the unique index is on it)."""
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    """The account with this address, active or not (one lookup through the unique
    index). Beside the table, so every capability finds people the same way."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))

"""Privacy's verbs: a person's data export (asked, built, handed out once) and the
admins' retention settings with the purge that applies them.

**Export.** A person asks on their account page (:func:`request_export`); the worker's
``build-exports`` job builds the archive (:func:`build_next_export`): a ZIP of JSON
files, one per kind of data (``EXPORT_FILES``), holding only rows that are the person's
own. Another person's words are not theirs to take: their votes and follows name ideas
by id and address, not by title. The link is e-mailed through the outbox; it works
once (the archive is dropped as it is downloaded), only for the signed-in person it is
for, and for ``EXPORT_LINK_HOURS``.

**Retention.** :func:`purge` deletes read notifications, sent e-mails (and the bodies of
those kept) older than the admins' settings, notifications of erased accounts, and
expired exports; ``flask --app ideaboard purge`` runs it and prints its counts.

Services flush; the request or the job's unit of work commits.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ideaboard.accounts.models import EmailTopic, User
from ideaboard.comments.models import Comment
from ideaboard.core import bearer
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import in_language, ngettext
from ideaboard.core.urls import absolute_url
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Follow, Idea, IdeaVersion
from ideaboard.moderation.models import Flag
from ideaboard.notifications.mail import queue_email
from ideaboard.notifications.models import Notification, OutboxEmail
from ideaboard.privacy.models import DataExport, RetentionSettings
from ideaboard.review.models import Review
from ideaboard.voting.models import Vote

EXPORT_LINK_HOURS = 24
# The most days any retention setting may say (ten years).
MAX_RETENTION_DAYS = 3650


class PrivacyError(ValueError):
    """A request the rules refuse; the message is safe to show."""


# --- export: asking -------------------------------------------------------------------

def latest_export(user: User) -> DataExport | None:
    """The person's most recent request, for the account page (one indexed query)."""
    return db.session.scalar(sa.select(DataExport).where(DataExport.user_id == user.id)
                             .order_by(DataExport.requested_at.desc(), DataExport.id.desc())
                             .limit(1))


def request_export(user: User) -> DataExport:
    """Ask for the person's data. A request still waiting for the worker is kept as it
    is (asking twice builds one archive); an earlier archive not downloaded yet is
    replaced by the new one. Flushes."""
    waiting = db.session.scalar(sa.select(DataExport).where(
        DataExport.user_id == user.id, DataExport.ready_at.is_(None)))
    if waiting is not None:
        return waiting
    db.session.execute(sa.delete(DataExport).where(DataExport.user_id == user.id))
    export = DataExport(user_id=user.id, requested_at=utcnow())
    db.session.add(export)
    db.session.flush()
    return export


# --- export: building (the worker) ------------------------------------------------------

def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _rows(query: sa.Select, shape: Callable[[Any], dict]) -> list[dict]:
    return [shape(row) for row in db.session.scalars(query)]


def export_data(user: User) -> dict[str, Any]:
    """What the archive holds, file by file: only the person's own rows, one query per
    kind whatever their number."""
    department = user.department
    profile = {
        "id": user.id, "email": user.email, "display_name": user.display_name,
        "role": user.role, "department": department.name if department else None,
        "manages": [d.name for d in user.managed_departments],
        "account_source": user.source, "active": user.active, "language": user.locale,
        "created_at": _iso(user.created_at), "last_login_at": _iso(user.last_login_at),
    }
    ideas = _rows(sa.select(Idea).where(Idea.author_id == user.id).order_by(Idea.id),
                  lambda i: {
                      "id": i.id, "title": i.title, "body_markdown": i.body_md,
                      "status": i.status, "anonymous": i.is_anonymous,
                      "hidden_by_moderator": i.hidden, "department_id": i.department_id,
                      "created_at": _iso(i.created_at), "updated_at": _iso(i.updated_at),
                      "outcome_markdown": i.outcome_md,
                      "link": absolute_url("ideas.detail", idea_id=i.id)})
    versions = _rows(sa.select(IdeaVersion).where(IdeaVersion.editor_id == user.id)
                     .order_by(IdeaVersion.idea_id, IdeaVersion.version),
                     lambda v: {"idea_id": v.idea_id, "version": v.version,
                                "title": v.title, "body_markdown": v.body_md,
                                "created_at": _iso(v.created_at)})
    comments = _rows(sa.select(Comment).where(Comment.author_id == user.id)
                     .order_by(Comment.id),
                     lambda c: {"id": c.id, "idea_id": c.idea_id, "reply_to": c.parent_id,
                                "body_markdown": c.body_md, "created_at": _iso(c.created_at),
                                "edited_at": _iso(c.edited_at),
                                "deleted_at": _iso(c.deleted_at),
                                "hidden_by_moderator": c.hidden})
    votes = _rows(sa.select(Vote).where(Vote.user_id == user.id).order_by(Vote.id),
                  lambda v: {"idea_id": v.idea_id, "value": v.value,
                             "created_at": _iso(v.created_at),
                             "updated_at": _iso(v.updated_at)})
    follows = _rows(sa.select(Follow).where(Follow.user_id == user.id)
                    .order_by(Follow.idea_id),
                    lambda f: {"idea_id": f.idea_id, "created_at": _iso(f.created_at)})
    notifications = _rows(sa.select(Notification).where(Notification.user_id == user.id)
                          .order_by(Notification.id),
                          lambda n: {"id": n.id, "kind": n.kind, "message": n.message,
                                     "idea_id": n.idea_id, "comment_id": n.comment_id,
                                     "created_at": _iso(n.created_at),
                                     "read_at": _iso(n.read_at)})
    reviews = _rows(sa.select(Review).where(Review.reviewer_id == user.id)
                    .order_by(Review.id),
                    lambda r: {"idea_id": r.idea_id, "impact": r.impact,
                               "feasibility": r.feasibility, "effort": r.effort,
                               "note": r.note, "created_at": _iso(r.created_at),
                               "updated_at": _iso(r.updated_at)})
    flags = _rows(sa.select(Flag).where(Flag.reporter_id == user.id).order_by(Flag.id),
                  lambda f: {"idea_id": f.idea_id, "comment_id": f.comment_id,
                             "reason": f.reason, "created_at": _iso(f.created_at),
                             "resolution": f.resolution})
    preferences = {
        "frequency": user.email_frequency,
        "topics": {topic.value: user.wants_email_about(topic.value) for topic in EmailTopic},
    }
    return {"profile": profile, "ideas": ideas, "versions": versions, "comments": comments,
            "votes": votes, "follows": follows, "notifications": notifications,
            "reviews": reviews, "flags": flags, "email_preferences": preferences}


EXPORT_README = (
    "Your Ideaboard data, one JSON file per kind:\n\n"
    "profile.json            your account\n"
    "ideas.json              the ideas you wrote, anonymous ones included\n"
    "versions.json           the earlier texts of ideas you edited\n"
    "comments.json           your comments and replies\n"
    "votes.json              your votes (+1 or -1) and the ideas they are on\n"
    "follows.json            the ideas you follow\n"
    "notifications.json      your notifications\n"
    "reviews.json            your scores and notes as a reviewer\n"
    "flags.json              what you reported to the moderators\n"
    "email_preferences.json  how often and about what Ideaboard e-mails you\n"
)


def build_archive(data: dict[str, Any], made_at: datetime) -> bytes:
    """The ZIP: ``README.txt`` and one ``<kind>.json`` per entry of ``data``."""
    buffer = io.BytesIO()
    stamp = made_at.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("README.txt", stamp), EXPORT_README)
        for kind, content in data.items():
            archive.writestr(zipfile.ZipInfo(f"{kind}.json", stamp),
                             json.dumps(content, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def next_pending_export() -> DataExport | None:
    return db.session.scalar(sa.select(DataExport).where(DataExport.ready_at.is_(None))
                             .order_by(DataExport.requested_at, DataExport.id).limit(1))


def build_export(export: DataExport, now: datetime) -> None:
    """Build the archive of one request and e-mail its one-time link. Flushes."""
    user = db.session.get(User, export.user_id)
    if user is None or not user.active:
        db.session.delete(export)  # nobody is there to download it
        db.session.flush()
        return
    token = bearer.new_secret("")
    export.archive = build_archive(export_data(user), now)
    export.size = len(export.archive)
    export.token_hash = bearer.digest(token)
    export.ready_at = now
    export.expires_at = now + timedelta(hours=EXPORT_LINK_HOURS)
    link = absolute_url("privacy.download", token=token)
    with in_language(user.locale):
        queue_email(
            user.email, _("Your Ideaboard data is ready"),
            ngettext("Hello %(name)s,\n\nThe copy of your Ideaboard data you asked for is "
                     "ready. Open this link within %(num)d hour, signed in as yourself, "
                     "to download it. It works once.\n\n%(link)s\n\n"
                     "If you did not ask for it, nobody else can use the link; you may ignore "
                     "this message.\n",
                     "Hello %(name)s,\n\nThe copy of your Ideaboard data you asked for is "
                     "ready. Open this link within %(num)d hours, signed in as yourself, "
                     "to download it. It works once.\n\n%(link)s\n\n"
                     "If you did not ask for it, nobody else can use the link; you may ignore "
                     "this message.\n",
                     EXPORT_LINK_HOURS, name=user.display_name, link=link))
    db.session.flush()


def build_next_export(now: datetime) -> bool:
    """Build the oldest waiting request, if any; whether there was one."""
    export = next_pending_export()
    if export is None:
        return False
    build_export(export, now)
    return True


# --- export: handing out --------------------------------------------------------------

def export_for_link(user: User, token: str, now: datetime) -> DataExport | None:
    """The archive ``token`` opens for ``user``: built, theirs, not downloaded and not
    expired; None otherwise (one answer for all, so a link tells nothing)."""
    if not bearer.looks_like(token, ""):
        return None
    export = db.session.scalar(sa.select(DataExport).where(
        DataExport.token_hash == bearer.digest(token)))
    if (export is None or export.user_id != user.id or export.archive is None
            or export.downloaded_at is not None
            or export.expires_at is None or export.expires_at <= now):
        return None
    return export


def take_archive(export: DataExport, now: datetime) -> bytes | None:
    """The archive's bytes, for the one download; None if another request took them
    first. It is dropped from the database as it is handed out, by one conditional
    UPDATE, so of two downloads at once only one gets it: the link works once."""
    archive = export.archive
    taken = db.session.execute(
        sa.update(DataExport)
        .where(DataExport.id == export.id, DataExport.downloaded_at.is_(None))
        .values(archive=None, downloaded_at=now)
        .execution_options(synchronize_session=False))
    if archive is None or taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    db.session.expire(export)
    return archive


# --- retention ------------------------------------------------------------------------

def retention_settings() -> RetentionSettings:
    """The admins' settings (the defaults until an admin saves them; not added)."""
    settings = db.session.get(RetentionSettings, 1)
    return settings if settings is not None else RetentionSettings(
        id=1, read_notification_days=RetentionSettings.read_notification_days.default.arg,
        sent_email_days=RetentionSettings.sent_email_days.default.arg,
        email_body_days=RetentionSettings.email_body_days.default.arg)


def save_retention_settings(*, read_notification_days: int, sent_email_days: int,
                            email_body_days: int, actor: User) -> RetentionSettings:
    """Change how long what is only a record is kept; audited. Flushes."""
    from ideaboard.audit.services import changes, record

    for days in (read_notification_days, sent_email_days, email_body_days):
        if not 1 <= days <= MAX_RETENTION_DAYS:
            raise PrivacyError(_("Use a whole number of days from 1 to %(most)s.",
                                 most=format(MAX_RETENTION_DAYS, ",")))
    if email_body_days > sent_email_days:
        raise PrivacyError(_("An e-mail's text cannot be kept longer than the e-mail itself: "
                             "make it at most the days sent e-mails are kept."))
    settings = db.session.get(RetentionSettings, 1)
    if settings is None:
        settings = retention_settings()
        db.session.add(settings)
    before = _retention_snapshot(settings)
    settings.read_notification_days = read_notification_days
    settings.sent_email_days = sent_email_days
    settings.email_body_days = email_body_days
    settings.updated_at = utcnow()
    settings.updated_by_id = actor.id
    db.session.flush()
    old, new = changes(before, _retention_snapshot(settings))
    if new:
        record(actor, "retention.update", settings, before=old, after=new)
    return settings


def _retention_snapshot(settings: RetentionSettings) -> dict[str, int]:
    return {"read_notification_days": settings.read_notification_days,
            "sent_email_days": settings.sent_email_days,
            "email_body_days": settings.email_body_days}


@dataclass(frozen=True)
class PurgeCounts:
    """What a purge removed, kind by kind."""

    read_notifications: int
    erased_notifications: int
    sent_emails: int
    email_bodies: int
    exports: int

    def lines(self, settings: RetentionSettings) -> Iterable[str]:
        yield (f"Read notifications older than {settings.read_notification_days} days "
               f"deleted: {self.read_notifications}")
        yield f"Notifications of erased accounts deleted: {self.erased_notifications}"
        yield f"Sent e-mails older than {settings.sent_email_days} days deleted: {self.sent_emails}"
        yield (f"Texts of sent e-mails older than {settings.email_body_days} days "
               f"removed: {self.email_bodies}")
        yield f"Expired or downloaded data exports deleted: {self.exports}"


# What a sent e-mail's text becomes when its retention ends (the column is required).
PURGED_BODY = ""


def purge(now: datetime, settings: RetentionSettings | None = None) -> PurgeCounts:
    """Delete what the retention settings no longer keep; the counts. Flushes."""
    settings = settings or retention_settings()
    session = db.session

    def deleted(statement: sa.Delete | sa.Update) -> int:
        result = session.execute(statement, execution_options={"synchronize_session": False})
        return int(getattr(result, "rowcount", 0) or 0)

    read_before = now - timedelta(days=settings.read_notification_days)
    read = deleted(sa.delete(Notification).where(Notification.read_at.is_not(None),
                                                 Notification.read_at < read_before))
    erased_ids = sa.select(User.id).where(User.erased_at.is_not(None)).scalar_subquery()
    erased = deleted(sa.delete(Notification).where(Notification.user_id.in_(erased_ids)))
    sent = deleted(sa.delete(OutboxEmail).where(
        OutboxEmail.sent_at.is_not(None),
        OutboxEmail.sent_at < now - timedelta(days=settings.sent_email_days)))
    bodies = deleted(sa.update(OutboxEmail).where(
        OutboxEmail.sent_at.is_not(None),
        OutboxEmail.sent_at < now - timedelta(days=settings.email_body_days),
        OutboxEmail.body_text != PURGED_BODY).values(body_text=PURGED_BODY))
    exports = deleted(sa.delete(DataExport).where(sa.or_(
        DataExport.expires_at < now, DataExport.downloaded_at.is_not(None))))
    return PurgeCounts(read, erased, sent, bodies, exports)

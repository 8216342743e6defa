"""Retention (issue 18, item 7): admins set how long read notifications, sent e-mails
and their texts are kept; ``flask --app ideaboard purge`` deletes what is older and
reports its counts."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.core.transactions import unit_of_work
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications.models import Notification, OutboxEmail
from ideaboard.notifications.services import notify
from ideaboard.privacy.models import DataExport, RetentionSettings
from tests.helpers.csrf import csrf_token
from tests.helpers.login import signed_in


def _settings_page(client, **values):
    data = {"read_notification_days": "30", "sent_email_days": "60",
            "email_body_days": "7", **values, "csrf_token": csrf_token(client)}
    return client.post("/admin/retention", data=data)


def test_an_admin_sets_the_retention(app, admin):
    client = signed_in(app, admin)
    page = client.get("/admin/retention").get_data(as_text=True)
    assert 'value="90"' in page  # the defaults, before anyone saves
    longer = _settings_page(client, email_body_days="61")
    assert longer.status_code == 422
    assert "cannot be kept longer than the e-mail itself" in longer.get_data(as_text=True)
    assert 'value="61"' in longer.get_data(as_text=True)  # what was typed stays
    assert _settings_page(client, sent_email_days="0").status_code == 422
    assert _settings_page(client).status_code == 302
    settings = db.session.get(RetentionSettings, 1)
    assert (settings.read_notification_days, settings.sent_email_days,
            settings.email_body_days) == (30, 60, 7)
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "retention.update"))
    assert entry.actor_id == admin.id and entry.after["sent_email_days"] == 60


def test_the_purge_deletes_what_is_older_and_says_how_much(app, admin, employee, runner):
    now = utcnow()
    with unit_of_work():
        db.session.add(RetentionSettings(id=1, read_notification_days=30, sent_email_days=60,
                                         email_body_days=7))
        old_read, recent_read, old_unread = notify(
            [employee.id], "status_change", "News", idea_id=None) + notify(
            [employee.id], "comment", "More news") + notify([employee.id], "mention", "Hi")
        old_read.read_at = now - timedelta(days=31)
        recent_read.read_at = now - timedelta(days=29)
        old_unread.created_at = now - timedelta(days=400)
        for age, sent in ((61, True), (59, True), (8, True), (6, True), (100, False)):
            db.session.add(OutboxEmail(to_address=f"{age}@example.com", subject=f"{age}",
                                       body_text=f"Text {age}", message_id=f"<{age}@x>",
                                       created_at=now - timedelta(days=age),
                                       sent_at=now - timedelta(days=age) if sent else None))
        db.session.add(DataExport(user_id=employee.id, ready_at=now - timedelta(days=2),
                                  expires_at=now - timedelta(days=1), archive=b"zip"))
        db.session.add(DataExport(user_id=admin.id))  # waiting for the worker: kept
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Read notifications older than 30 days deleted: 1" in result.output
    assert "Sent e-mails older than 60 days deleted: 1" in result.output
    assert "Texts of sent e-mails older than 7 days removed: 2" in result.output
    assert "Expired or downloaded data exports deleted: 1" in result.output
    db.session.expire_all()
    assert sorted(n.message for n in db.session.scalars(sa.select(Notification))) == [
        "Hi", "More news"]
    mails = {m.subject: m.body_text for m in db.session.scalars(sa.select(OutboxEmail))}
    assert mails == {"59": "", "8": "", "6": "Text 6", "100": "Text 100"}
    assert db.session.scalar(sa.select(sa.func.count(DataExport.id))) == 1
    # Run again: nothing more to do.
    again = runner.invoke(args=["purge"])
    assert "Texts of sent e-mails older than 7 days removed: 0" in again.output


def test_the_purge_uses_the_defaults_until_an_admin_saves(app, employee, runner):
    with unit_of_work():
        [note] = notify([employee.id], "comment", "Old")
        note.read_at = utcnow() - timedelta(days=91)
    result = runner.invoke(args=["purge"])
    assert "Read notifications older than 90 days deleted: 1" in result.output

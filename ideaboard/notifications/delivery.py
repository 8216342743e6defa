"""Telling people about status changes: in the app, and by e-mail as each user prefers.

Every notification is created in the app (``services.notify``). Then each recipient's
``email_frequency`` decides the e-mail: ``immediate`` queues one message per event in
the outbox at once (and marks the notification e-mailed); ``daily`` leaves it for
``flask send-digests``, which sends one digest per user of the last day's unemailed
notifications; ``never`` sends nothing. ``flask send-mail`` delivers the outbox.

Messages never name the author of an anonymous idea: they name the idea only.

Moderation applies to what was said before it: an idea or comment hidden after its
notifications were made is not shown or sent to anyone who may not see it now
(``ideaboard.notifications.visibility``). Status changes of a hidden idea are told
only to those who may see it; the daily digest leaves out what its reader may no
longer see; and an immediate e-mail records what it is about and for whom, so that
``flask send-mail`` withholds it if the idea or comment was hidden after it was queued
(:func:`withheld`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from ideaboard.accounts.models import EmailFrequency, User
from ideaboard.core.permissions import can
from ideaboard.core.urls import absolute_url
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Follow, IdeaStatus
from ideaboard.notifications.mail import queue_email
from ideaboard.notifications.models import Notification, NotificationKind
from ideaboard.notifications.services import notify
from ideaboard.notifications.visibility import subjects
from ideaboard.voting.models import Vote

DIGEST_WINDOW = timedelta(days=1)


def idea_url(idea_id: int) -> str:
    """The idea's address for e-mails, which are written outside any request."""
    return absolute_url("ideas.detail", idea_id=idea_id)


def watchers(idea) -> set[int]:
    """Everyone who hears of the idea's status changes: its author, followers and voters."""
    followers = sa.select(Follow.user_id).where(Follow.idea_id == idea.id)
    voters = sa.select(Vote.user_id).where(Vote.idea_id == idea.id)
    ids = set(db.session.scalars(sa.union(followers, voters)))
    ids.add(idea.author_id)
    return ids


def status_message(idea, change) -> str:
    """The one-line notice of a status change (names the idea, never its author)."""
    label = IdeaStatus(change.to_status).label.lower()
    message = f"\u201c{idea.title}\u201d is now {label}."
    if change.reason:
        message += f" {change.reason}"
    return message


def may_see(user_ids: Iterable[int], idea) -> set[int]:
    """Those of ``user_ids`` who may see the idea: all of them unless a moderator hid it
    (then one query: its author and the admins)."""
    user_ids = set(user_ids)
    if not idea.hidden or not user_ids:
        return user_ids
    people = db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))
    return {person.id for person in people if can(person, "idea.view", idea)}


def status_changed(idea, change, recipients: Iterable[int], *, exclude: int | None) -> None:
    """Notify ``recipients`` (minus the person who made the change) of a status change."""
    created = notify(may_see(recipients, idea), NotificationKind.STATUS_CHANGE,
                     status_message(idea, change),
                     idea_id=idea.id, exclude=[exclude] if exclude else [])
    deliver(created, subject=f"[Ideaboard] {idea.title}: "
                             f"{IdeaStatus(change.to_status).label.lower()}")


def review_assigned(idea, reviewers: Iterable[User], *, escalated: bool,
                    exclude: int | None = None) -> None:
    """Tell the managers (or admins) who now hold the idea in their review queue
    (except ``exclude``: the manager who sent it there)."""
    if idea.status == IdeaStatus.ACCEPTED:
        # Escalated after acceptance: nobody started the work in time.
        message = (f"\u201c{idea.title}\u201d was accepted but the work has not started: "
                   "it is escalated to you.")
    else:
        where = "escalated to your review queue (overdue)" if escalated else "in your review queue"
        message = f"\u201c{idea.title}\u201d is {where}."
        if idea.review_due_at is not None:
            message += f" Due {idea.review_due_at:%Y-%m-%d}."
    created = notify(may_see([u.id for u in reviewers], idea),
                     NotificationKind.REVIEW_ASSIGNED, message,
                     idea_id=idea.id, exclude=[exclude] if exclude else [])
    deliver(created, subject=f"[Ideaboard] To review: {idea.title}")


def deliver(notifications: list[Notification], *, subject: str) -> int:
    """Queue an e-mail now for each recipient who wants one per event. Returns how many.

    Usable by any capability after ``notify``; daily-digest readers are left to
    :func:`send_digests`.
    """
    if not notifications:
        return 0
    users = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_({n.user_id for n in notifications}),
                              User.active.is_(True),
                              User.email_frequency == EmailFrequency.IMMEDIATE.value))}
    about = subjects((n.idea_id, n.comment_id) for n in notifications)
    emailed = []
    for notification in notifications:
        user = users.get(notification.user_id)
        refs = (notification.idea_id, notification.comment_id)
        if user is None or not can(user, "notification.show_subject", about[refs]):
            continue
        body = _body(user, [notification])
        message = queue_email(user.email, subject, body)
        # What it is about and for whom: checked again when it is sent (``withheld``).
        message.user_id = user.id
        message.idea_id, message.comment_id = refs
        emailed.append(notification.id)
    db.session.flush()
    _mark_emailed(emailed)
    return len(emailed)


def withheld(message) -> bool:
    """True if the queued e-mail must not go out: a moderator has hidden the idea or
    comment it is about since it was queued, and its recipient may not see it. Asked by
    ``flask send-mail`` just before sending (one or two queries, only for notification
    e-mails)."""
    if message.idea_id is None and message.comment_id is None:
        return False
    refs = (message.idea_id, message.comment_id)
    subject = subjects([refs])[refs]
    if not subject.hidden:
        return False
    recipient = db.session.get(User, message.user_id) if message.user_id else None
    return not can(recipient, "notification.show_subject", subject)


def send_digests(now: datetime | None = None) -> int:
    """Queue one digest per daily reader of their unemailed notifications of the last day.

    Marks those notifications e-mailed, so running it again sends nothing new.
    Returns the number of digests queued. Flushes; the caller commits.
    """
    # Without a given time, everything until the query runs: a group of notifications is
    # re-dated by each new event, and one re-dated while this job waited for the write
    # lock belongs in this digest, not in tomorrow's.
    window = [Notification.created_at > (now or utcnow()) - DIGEST_WINDOW]
    if now is not None:
        window.append(Notification.created_at <= now)
    rows = db.session.execute(
        sa.select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(User.email_frequency == EmailFrequency.DAILY.value, User.active.is_(True),
               Notification.emailed.is_(False), *window)
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
    ).all()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    people: dict[int, User] = {}
    about = subjects((n.idea_id, n.comment_id) for n, _ in rows)
    for notification, user in rows:
        # What a moderator hid since is left out for those who may not see it.
        if can(user, "notification.show_subject",
               about[(notification.idea_id, notification.comment_id)]):
            by_user[user.id].append(notification)
            people[user.id] = user
    for user_id, items in by_user.items():
        count = len(items)
        subject = f"[Ideaboard] Your daily digest: {count} update{'s' if count != 1 else ''}"
        queue_email(people[user_id].email, subject, _body(people[user_id], items))
    _mark_emailed([n.id for n, _ in rows])
    return len(by_user)


def _body(user: User, notifications: list[Notification]) -> str:
    lines = [f"Hello {user.display_name},", ""]
    for notification in notifications:
        lines.append(f"- {notification.message}")
        if notification.idea_id:
            lines.append(f"  {idea_url(notification.idea_id)}")
    lines += ["", "You can change how often Ideaboard e-mails you on your account page:",
              absolute_url("accounts.account")]
    return "\n".join(lines)


def _mark_emailed(ids: list[int]) -> None:
    if ids:
        db.session.execute(
            sa.update(Notification).where(Notification.id.in_(ids)).values(emailed=True)
            .execution_options(synchronize_session=False)
        )

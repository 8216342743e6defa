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

from ideaboard.accounts.models import EmailFrequency, EmailTopic, User
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


def _quoted(title: str) -> str:
    return f"\u201c{title if len(title) <= 120 else title[:119] + chr(0x2026)}\u201d"


def _measure(idea) -> str:
    """The recorded result of an implemented idea ("88 helpdesk hours saved a month"),
    or "" when none was measured."""
    if idea.outcome_value is None:
        return ""
    number = f"{idea.outcome_value:,.2f}".rstrip("0").rstrip(".")
    return f"{number} {idea.outcome_unit or ''}".strip()


# What the author is told of each new status, and what everyone else watching the idea
# is: whole sentences with placeholders ({title}: the quoted title; {reason}: the public
# reason; {measure}: the implemented idea's result), so each can be translated whole.
_TO_AUTHOR = {
    IdeaStatus.OPEN: "Your idea {title} is open for votes again.",
    IdeaStatus.IN_REVIEW: "Your idea {title} has gone to the managers for review.",
    IdeaStatus.NEEDS_INFO: "Your idea {title} needs more information: {reason}",
    IdeaStatus.ACCEPTED: "Your idea {title} was accepted.",
    IdeaStatus.IN_PROGRESS: "Work has started on your idea {title}.",
    IdeaStatus.IMPLEMENTED: "Your idea {title} was implemented.",
    IdeaStatus.DECLINED: "Your idea {title} was declined: {reason}",
    IdeaStatus.DUPLICATE: "Your idea {title} was merged into a similar idea: {reason}",
    IdeaStatus.WITHDRAWN: "Your idea {title} was withdrawn.",
}
_TO_WATCHERS = {
    IdeaStatus.OPEN: "{title} is open for votes again.",
    IdeaStatus.IN_REVIEW: "{title} has gone to the managers for review.",
    IdeaStatus.NEEDS_INFO: "{title} needs more information from its author: {reason}",
    IdeaStatus.ACCEPTED: "{title} was accepted.",
    IdeaStatus.IN_PROGRESS: "Work has started on {title}.",
    IdeaStatus.IMPLEMENTED: "{title} was implemented.",
    IdeaStatus.DECLINED: "{title} was declined: {reason}",
    IdeaStatus.DUPLICATE: "{title} was merged into a similar idea: {reason}",
    IdeaStatus.WITHDRAWN: "{title} was withdrawn by its author.",
}
# An implemented idea with a measured result says it.
_IMPLEMENTED_WITH_RESULT = {
    True: "Your idea {title} was implemented: {measure}.",
    False: "{title} was implemented: {measure}.",
}


def status_message(idea, change, *, to_author: bool = False, with_reason: bool = True) -> str:
    """The sentence that tells of a status change: to the idea's author ("Your idea
    “…” needs more information: …") or to its other watchers. Names the idea, never
    its author. A reason the sentence has no place for follows it; ``with_reason``
    False leaves the reason out (an e-mail's subject)."""
    status = IdeaStatus(change.to_status)
    reason = (change.reason or "").strip() if with_reason else ""
    measure = _measure(idea) if status is IdeaStatus.IMPLEMENTED else ""
    template = (_TO_AUTHOR if to_author else _TO_WATCHERS)[status]
    if measure:
        template = _IMPLEMENTED_WITH_RESULT[to_author]
    if "{reason}" in template and not reason:
        template = template.replace(": {reason}", ".")
    message = template.format(title=_quoted(idea.title), reason=reason, measure=measure)
    if reason and "{reason}" not in template:
        message += f" {reason}"
    return message


def status_subject(idea, change, *, to_author: bool = False) -> str:
    """An e-mail's subject for a status change: the sentence without the reason."""
    return "[Ideaboard] " + status_message(idea, change, to_author=to_author, with_reason=False)


def may_see(user_ids: Iterable[int], idea) -> set[int]:
    """Those of ``user_ids`` who may see the idea: all of them unless a moderator hid it
    (then one query: its author and the admins)."""
    user_ids = set(user_ids)
    if not idea.hidden or not user_ids:
        return user_ids
    people = db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))
    return {person.id for person in people if can(person, "idea.view", idea)}


def status_changed(idea, change, recipients: Iterable[int], *, exclude: int | None) -> None:
    """Notify ``recipients`` (minus the person who made the change) of a status change:
    the author in the second person, everyone else of the idea."""
    allowed = may_see(recipients, idea)
    skip = [exclude] if exclude else []
    for to_author, group in ((True, allowed & {idea.author_id}),
                             (False, allowed - {idea.author_id})):
        created = notify(group, NotificationKind.STATUS_CHANGE,
                         status_message(idea, change, to_author=to_author),
                         idea_id=idea.id, exclude=skip)
        deliver(created, subject=status_subject(idea, change, to_author=to_author))


def review_assigned(idea, reviewers: Iterable[User], *, escalated: bool,
                    exclude: int | None = None) -> None:
    """Tell the managers (or admins) who now hold the idea in their review queue
    (except ``exclude``: the manager who sent it there)."""
    title = _quoted(idea.title)
    if idea.status == IdeaStatus.ACCEPTED:
        # Escalated after acceptance: nobody started the work in time.
        message = (f"{title} was accepted but the work has not started: "
                   "it has been passed up to you.")
    elif escalated:
        message = (f"{title} is overdue for review and has been passed up to you: "
                   "it is in your review queue now.")
    else:
        message = f"{title} is waiting for your review."
    if idea.review_due_at is not None and idea.status != IdeaStatus.ACCEPTED:
        message += f" Please decide by {idea.review_due_at.day} {idea.review_due_at:%B %Y}."
    created = notify(may_see([u.id for u in reviewers], idea),
                     NotificationKind.REVIEW_ASSIGNED, message,
                     idea_id=idea.id, exclude=[exclude] if exclude else [])
    deliver(created, subject=f"[Ideaboard] Waiting for your review: {idea.title}")


# The topic of each kind of notification whose topic does not depend on its reader.
_TOPICS = {
    NotificationKind.REPLY: EmailTopic.REPLIES,
    NotificationKind.MENTION: EmailTopic.REPLIES,
    NotificationKind.REVIEW_ASSIGNED: EmailTopic.REVIEW,
    NotificationKind.FLAG: EmailTopic.MODERATION,
    NotificationKind.MODERATED: EmailTopic.MODERATION,
    NotificationKind.WEBHOOK_FAILING: EmailTopic.MODERATION,  # the admins' concern
}
# Comments and decisions: about the reader's own idea, or one they follow or voted on.
_OWN_OR_FOLLOWED = {
    NotificationKind.COMMENT: (EmailTopic.MY_IDEAS, EmailTopic.FOLLOWING),
    NotificationKind.STATUS_CHANGE: (EmailTopic.DECISIONS, EmailTopic.FOLLOWING),
}


def topic_of(notification: Notification, idea_author_id: int | None) -> EmailTopic:
    """The e-mail topic (``accounts.models.EmailTopic``) a notification is filed under
    for its reader, who may have turned it off; ``idea_author_id``: its idea's author."""
    kind = NotificationKind(notification.kind)
    if kind in _OWN_OR_FOLLOWED:
        own, followed = _OWN_OR_FOLLOWED[kind]
        return own if idea_author_id == notification.user_id else followed
    return _TOPICS[kind]


def _wanted(user: User, notification: Notification, subject) -> bool:
    """Whether ``user`` may see what ``notification`` is about now and wants e-mail of
    its topic."""
    if not can(user, "notification.show_subject", subject):
        return False
    author_id = subject.idea.author_id if subject.idea is not None else None
    return user.wants_email_about(topic_of(notification, author_id))


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
        if user is None or not _wanted(user, notification, about[refs]):
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
        # What a moderator hid since is left out for those who may not see it, and so
        # are the topics its reader turned off.
        if _wanted(user, notification, about[(notification.idea_id, notification.comment_id)]):
            by_user[user.id].append(notification)
            people[user.id] = user
    for user_id, items in by_user.items():
        count = len(items)
        subject = ("[Ideaboard] Your daily digest: 1 update" if count == 1
                   else f"[Ideaboard] Your daily digest: {count} updates")
        queue_email(people[user_id].email, subject, _body(people[user_id], items))
    _mark_emailed([n.id for n, _ in rows])
    return len(by_user)


def _link(notification: Notification) -> str | None:
    """Where an e-mail sends its reader for one notification: a flag to the moderation
    queue, a comment to the comment (on whichever page holds it when the link is
    followed), anything else to its idea."""
    if notification.kind == NotificationKind.FLAG:
        return absolute_url("moderation.queue")
    if notification.comment_id and notification.idea_id:
        return absolute_url("comments.show", comment_id=notification.comment_id)
    return idea_url(notification.idea_id) if notification.idea_id else None


def _body(user: User, notifications: list[Notification]) -> str:
    lines = [f"Hello {user.display_name},", ""]
    for notification in notifications:
        lines.append(f"- {notification.message}")
        if link := _link(notification):
            lines.append(f"  {link}")
    lines += ["", "Choose how often Ideaboard e-mails you, and about what, in your e-mail "
              "preferences:", absolute_url("accounts.email_preferences")]
    return "\n".join(lines)


def _mark_emailed(ids: list[int]) -> None:
    if ids:
        db.session.execute(
            sa.update(Notification).where(Notification.id.in_(ids)).values(emailed=True)
            .execution_options(synchronize_session=False)
        )

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
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ideaboard.accounts.models import EmailFrequency, EmailTopic, User
from ideaboard.core.i18n import N_, Text, in_language, ngettext, quoted
from ideaboard.core.i18n import gettext as _
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


def _measure(idea) -> Text | None:
    """The recorded result of an implemented idea ("88 helpdesk hours saved a month",
    its number written as its reader's language writes one), or None when none was
    measured."""
    if idea.outcome_value is None:
        return None
    if not idea.outcome_unit:
        return Text("%(value)s", value=float(idea.outcome_value))
    return Text("%(value)s %(unit)s", value=float(idea.outcome_value), unit=idea.outcome_unit)


# What the author is told of each new status, and what everyone else watching the idea
# is: whole sentences (%(title)s: the quoted title; %(reason)s: the public reason;
# %(measure)s: the implemented idea's result), each translated whole and written in its
# reader's language (core.i18n.Text). N_ marks them for extraction.
_TO_AUTHOR = {
    IdeaStatus.OPEN: N_("Your idea %(title)s is open for votes again."),
    IdeaStatus.IN_REVIEW: N_("Your idea %(title)s has gone to the managers for review."),
    IdeaStatus.NEEDS_INFO: N_("Your idea %(title)s needs more information."),
    IdeaStatus.ACCEPTED: N_("Your idea %(title)s was accepted."),
    IdeaStatus.IN_PROGRESS: N_("Work has started on your idea %(title)s."),
    IdeaStatus.IMPLEMENTED: N_("Your idea %(title)s was implemented."),
    IdeaStatus.DECLINED: N_("Your idea %(title)s was declined."),
    IdeaStatus.DUPLICATE: N_("Your idea %(title)s was merged into a similar idea."),
    IdeaStatus.WITHDRAWN: N_("Your idea %(title)s was withdrawn."),
}
_TO_WATCHERS = {
    IdeaStatus.OPEN: N_("%(title)s is open for votes again."),
    IdeaStatus.IN_REVIEW: N_("%(title)s has gone to the managers for review."),
    IdeaStatus.NEEDS_INFO: N_("%(title)s needs more information from its author."),
    IdeaStatus.ACCEPTED: N_("%(title)s was accepted."),
    IdeaStatus.IN_PROGRESS: N_("Work has started on %(title)s."),
    IdeaStatus.IMPLEMENTED: N_("%(title)s was implemented."),
    IdeaStatus.DECLINED: N_("%(title)s was declined."),
    IdeaStatus.DUPLICATE: N_("%(title)s was merged into a similar idea."),
    IdeaStatus.WITHDRAWN: N_("%(title)s was withdrawn by its author."),
}
# The same with the public reason, where the decision gave one.
_TO_AUTHOR_WITH_REASON = {
    IdeaStatus.OPEN: N_("Your idea %(title)s is open for votes again. %(reason)s"),
    IdeaStatus.IN_REVIEW: N_("Your idea %(title)s has gone to the managers for review. "
                             "%(reason)s"),
    IdeaStatus.NEEDS_INFO: N_("Your idea %(title)s needs more information: %(reason)s"),
    IdeaStatus.ACCEPTED: N_("Your idea %(title)s was accepted. %(reason)s"),
    IdeaStatus.IN_PROGRESS: N_("Work has started on your idea %(title)s. %(reason)s"),
    IdeaStatus.IMPLEMENTED: N_("Your idea %(title)s was implemented. %(reason)s"),
    IdeaStatus.DECLINED: N_("Your idea %(title)s was declined: %(reason)s"),
    IdeaStatus.DUPLICATE: N_("Your idea %(title)s was merged into a similar idea: %(reason)s"),
    IdeaStatus.WITHDRAWN: N_("Your idea %(title)s was withdrawn. %(reason)s"),
}
_TO_WATCHERS_WITH_REASON = {
    IdeaStatus.OPEN: N_("%(title)s is open for votes again. %(reason)s"),
    IdeaStatus.IN_REVIEW: N_("%(title)s has gone to the managers for review. %(reason)s"),
    IdeaStatus.NEEDS_INFO: N_("%(title)s needs more information from its author: %(reason)s"),
    IdeaStatus.ACCEPTED: N_("%(title)s was accepted. %(reason)s"),
    IdeaStatus.IN_PROGRESS: N_("Work has started on %(title)s. %(reason)s"),
    IdeaStatus.IMPLEMENTED: N_("%(title)s was implemented. %(reason)s"),
    IdeaStatus.DECLINED: N_("%(title)s was declined: %(reason)s"),
    IdeaStatus.DUPLICATE: N_("%(title)s was merged into a similar idea: %(reason)s"),
    IdeaStatus.WITHDRAWN: N_("%(title)s was withdrawn by its author. %(reason)s"),
}
# An implemented idea with a measured result says it.
_IMPLEMENTED_WITH_RESULT = {
    True: N_("Your idea %(title)s was implemented: %(measure)s."),
    False: N_("%(title)s was implemented: %(measure)s."),
}
_IMPLEMENTED_WITH_RESULT_AND_REASON = {
    True: N_("Your idea %(title)s was implemented: %(measure)s. %(reason)s"),
    False: N_("%(title)s was implemented: %(measure)s. %(reason)s"),
}


def status_message(idea, change, *, to_author: bool = False, with_reason: bool = True) -> Text:
    """The sentence that tells of a status change: to the idea's author ("Your idea
    “…” needs more information: …") or to its other watchers. Names the idea, never
    its author. ``with_reason`` False leaves the public reason out (an e-mail's
    subject)."""
    status = IdeaStatus(change.to_status)
    written = (change.reason or "").strip() if with_reason else ""
    # The system's reason is a sentence of its own, in the reader's language too.
    reason = (change.reason_for_text if change.reason_text else written) if written else ""
    measure = _measure(idea) if status is IdeaStatus.IMPLEMENTED else None
    values: dict[str, str | int | float | date | Text] = {"title": quoted(idea.title)}
    if measure:
        sentences = _IMPLEMENTED_WITH_RESULT_AND_REASON if reason else _IMPLEMENTED_WITH_RESULT
        values["measure"] = measure
        sentence = sentences[to_author]
    elif reason:
        sentence = (_TO_AUTHOR_WITH_REASON if to_author else _TO_WATCHERS_WITH_REASON)[status]
    else:
        sentence = (_TO_AUTHOR if to_author else _TO_WATCHERS)[status]
    if reason:
        values["reason"] = reason
    return Text(sentence, **values)


def status_subject(idea, change, *, to_author: bool = False) -> Text:
    """An e-mail's subject for a status change: the sentence without the reason."""
    return Text(N_("[Ideaboard] %(sentence)s"),
                sentence=status_message(idea, change, to_author=to_author, with_reason=False))


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
    values: dict[str, str | int | float | date | Text] = {"title": quoted(idea.title)}
    if idea.status == IdeaStatus.ACCEPTED:
        # Escalated after acceptance: nobody started the work in time.
        sentence = N_("%(title)s was accepted but the work has not started: "
                      "it has been passed up to you.")
    elif escalated:
        sentence = N_("%(title)s is overdue for review and has been passed up to you: "
                      "it is in your review queue now.")
    else:
        sentence = N_("%(title)s is waiting for your review.")
    if idea.review_due_at is not None and idea.status != IdeaStatus.ACCEPTED:
        values["sentence"] = Text(sentence, **values)
        values["due"] = idea.review_due_at
        sentence = N_("%(sentence)s Please decide by %(due)s.")
    created = notify(may_see([u.id for u in reviewers], idea),
                     NotificationKind.REVIEW_ASSIGNED, Text(sentence, **values),
                     idea_id=idea.id, exclude=[exclude] if exclude else [])
    deliver(created, subject=Text(N_("[Ideaboard] Waiting for your review: %(title)s"),
                                  title=idea.title))


# The topic of each kind of notification whose topic does not depend on its reader.
_TOPICS = {
    NotificationKind.REPLY: EmailTopic.REPLIES,
    NotificationKind.MENTION: EmailTopic.REPLIES,
    NotificationKind.REVIEW_ASSIGNED: EmailTopic.REVIEW,
    NotificationKind.FLAG: EmailTopic.MODERATION,
    NotificationKind.MODERATED: EmailTopic.MODERATION,
    NotificationKind.WEBHOOK_FAILING: EmailTopic.MODERATION,  # the admins' concern
    NotificationKind.CAMPAIGN: EmailTopic.CAMPAIGNS,
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


def deliver(notifications: list[Notification], *, subject: str | Text) -> int:
    """Queue an e-mail now for each recipient who wants one per event, written in the
    recipient's language (``subject`` a ``Text`` for that). Returns how many.

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
        with in_language(user.locale):
            message = queue_email(user.email, str(subject), _body(user, [notification]))
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
    about = subjects((n.idea_id, n.comment_id) for n, _user in rows)
    for notification, user in rows:
        # What a moderator hid since is left out for those who may not see it, and so
        # are the topics its reader turned off.
        if _wanted(user, notification, about[(notification.idea_id, notification.comment_id)]):
            by_user[user.id].append(notification)
            people[user.id] = user
    for user_id, items in by_user.items():
        person = people[user_id]
        with in_language(person.locale):
            subject = ngettext("[Ideaboard] Your daily digest: %(num)d update",
                               "[Ideaboard] Your daily digest: %(num)d updates", len(items))
            queue_email(person.email, subject, _body(person, items))
    _mark_emailed([n.id for n, _user in rows])
    return len(by_user)


def _link(notification: Notification) -> str | None:
    """Where an e-mail sends its reader for one notification: a flag to the moderation
    queue, a campaign's news to the campaign, a comment to the comment (on whichever page
    holds it when the link is followed), anything else to its idea."""
    if notification.kind == NotificationKind.FLAG:
        return absolute_url("moderation.queue")
    if notification.campaign_id is not None:
        return absolute_url("campaigns.detail", campaign_id=notification.campaign_id)
    if notification.comment_id and notification.idea_id:
        return absolute_url("comments.show", comment_id=notification.comment_id)
    return idea_url(notification.idea_id) if notification.idea_id else None


def _body(user: User, notifications: list[Notification]) -> str:
    """The text of an e-mail of ``notifications``, in the current language."""
    lines = [_("Hello %(name)s,", name=user.display_name), ""]
    for notification in notifications:
        lines.append(f"- {notification.text}")
        if link := _link(notification):
            lines.append(f"  {link}")
    lines += ["", _("Choose how often Ideaboard e-mails you, and about what, in your e-mail "
                    "preferences:"), absolute_url("accounts.email_preferences")]
    return "\n".join(lines)


def _mark_emailed(ids: list[int]) -> None:
    if ids:
        db.session.execute(
            sa.update(Notification).where(Notification.id.in_(ids)).values(emailed=True)
            .execution_options(synchronize_session=False)
        )

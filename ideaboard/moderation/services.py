"""Flags on ideas and comments, and the moderators' decisions on them.

Anyone who can see an idea or a comment may flag it with a reason. An admin then
hides the target (``hidden`` on the idea or comment), restores it, or dismisses
the flag; one decision closes every open flag on that target, and each decision is
written to the audit trail with the target's state before and after.

Who hears of it: every moderator (whoever the policy lets do "admin.moderation") is
notified of a new flag, in the app and by e-mail as they prefer; a second flag by the
same person on the same target only updates its reason. The author of an idea or a
comment that a moderator hides is told so with the moderator's reason (which hiding
therefore needs), and told again when it is restored.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ideaboard.accounts.models import Role, User
from ideaboard.audit.services import record
from ideaboard.comments import services as comments
from ideaboard.comments.models import Comment
from ideaboard.core.i18n import N_, Text, quoted
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.paging import Keyset, KeysetPage, seek_entities
from ideaboard.core.permissions import can
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas import services as ideas
from ideaboard.ideas.models import Idea
from ideaboard.moderation.models import Flag, FlagResolution
from ideaboard.notifications.delivery import deliver
from ideaboard.notifications.models import NotificationKind
from ideaboard.notifications.services import notify
from ideaboard.sanitize import strip_control

MAX_REASON_LENGTH = 500
# What a moderator who hides something without saying why is told (the author is told
# the reason).
HIDE_NEEDS_REASON = _l("Say why you hide it: the author is told your reason.")


class ModerationError(ValueError):
    """A flag or decision the rules refuse; the message is safe to show (a plain string,
    in the language of the request)."""


class Decision(StrEnum):
    """What a moderator does with a flag: the target's visibility afterwards."""

    HIDE = "hide"
    RESTORE = "restore"
    DISMISS = "dismiss"


_RESOLUTIONS = {
    Decision.HIDE: FlagResolution.HIDDEN,
    Decision.RESTORE: FlagResolution.RESTORED,
    Decision.DISMISS: FlagResolution.DISMISSED,
}


def flag_idea(reporter, idea: Idea, reason: str) -> Flag:
    """Flag an idea; the caller has checked "idea.flag". Flushes."""
    return _flag(reporter, reason, idea_id=idea.id)


def flag_comment(reporter, comment: Comment, reason: str) -> Flag:
    """Flag a comment; the caller has checked "comment.flag". Flushes."""
    return _flag(reporter, reason, comment_id=comment.id)


def _flag(reporter, reason: str, *, idea_id: int | None = None,
          comment_id: int | None = None) -> Flag:
    """One open flag per person and target: flagging again updates the reason."""
    reason = " ".join(strip_control(reason).split())  # one line
    if not reason:
        raise ModerationError(_("Say what is wrong, so a moderator can judge it."))
    if len(reason) > MAX_REASON_LENGTH:
        raise ModerationError(_("A reason has at most %(max)d characters.", max=MAX_REASON_LENGTH))
    target = Flag.idea_id == idea_id if idea_id is not None else Flag.comment_id == comment_id
    flag = db.session.scalar(
        sa.select(Flag).where(Flag.reporter_id == reporter.id, Flag.resolved_at.is_(None), target)
    )
    if flag is None:
        flag = Flag(reporter_id=reporter.id, idea_id=idea_id, comment_id=comment_id,
                    reason=reason)
        db.session.add(flag)
        db.session.flush()
        _tell_moderators(flag, reporter)
    else:
        flag.reason = reason
        db.session.flush()
    return flag


def moderator_ids() -> set[int]:
    """Everyone who may act on flags now: the active people the policy lets do
    "admin.moderation" (one query; the role narrows it, the policy decides)."""
    people = db.session.scalars(
        sa.select(User).where(User.active.is_(True), User.role == Role.ADMIN.value))
    return {person.id for person in people if can(person, "admin.moderation")}


def _tell_moderators(flag: Flag, reporter) -> None:
    """Notify the moderators of a new flag (not its reporter), and e-mail them."""
    target = flag.target
    idea = target if isinstance(target, Idea) else target.idea
    title = quoted(idea.title)
    # Sentences written in each moderator's language (core.i18n.Text).
    values: dict[str, str | Text] = {"who": reporter.display_name, "title": title,
                                     "reason": _short(flag.reason)}
    if isinstance(target, Idea):
        message = Text(N_("%(who)s flagged the idea %(title)s for a moderator to check: "
                          "\u201c%(reason)s\u201d"), **values)
    else:
        message = Text(N_("%(who)s flagged a comment on %(title)s for a moderator to check: "
                          "\u201c%(reason)s\u201d"), **values)
    created = notify(moderator_ids(), NotificationKind.FLAG, message, idea_id=idea.id,
                     comment_id=flag.comment_id, exclude=[reporter.id],
                     grouped=lambda n: Text.plural(
                         "%(num)d new flag on %(title)s or its comments is waiting for a "
                         "moderator.",
                         "%(num)d new flags on %(title)s or its comments are waiting for a "
                         "moderator.", n, title=title))
    deliver(created, subject=Text(N_("[Ideaboard] Flagged for moderation: %(title)s"),
                                  title=idea.title))


def _short(text: str, most: int = 120) -> str:
    """``text`` cut to ``most`` characters (an ellipsis marks the cut): a notification
    holds 300, and the title and the sentence around it need their share."""
    return text if len(text) <= most else text[:most - 1] + "\u2026"


def _tell_author(target: Idea | Comment, hidden: bool, reason: str) -> None:
    """Tell the author of ``target`` that a moderator hid it (with the reason) or showed
    it again. About the idea only, never the hidden comment itself, which its author may
    no longer open: the notification must stay readable to them."""
    idea = target if isinstance(target, Idea) else target.idea
    title = quoted(idea.title)
    # Whole sentences for an idea and for a comment, in the author's language.
    values: dict[str, str | Text] = {"title": title, "reason": _short(reason)}
    if isinstance(target, Idea):
        if hidden:
            message = Text(N_("A moderator hid your idea %(title)s. The reason given: "
                              "%(reason)s"), **values)
            subject = Text(N_("[Ideaboard] A moderator hid your idea %(title)s"), **values)
        else:
            message = Text(N_("A moderator restored your idea %(title)s: everyone can see "
                              "it again."), **values)
            subject = Text(N_("[Ideaboard] A moderator restored your idea %(title)s"),
                           **values)
    elif hidden:
        message = Text(N_("A moderator hid your comment on %(title)s. The reason given: "
                          "%(reason)s"), **values)
        subject = Text(N_("[Ideaboard] A moderator hid your comment on %(title)s"), **values)
    else:
        message = Text(N_("A moderator restored your comment on %(title)s: everyone can see "
                          "it again."), **values)
        subject = Text(N_("[Ideaboard] A moderator restored your comment on %(title)s"),
                       **values)
    created = notify([target.author_id], NotificationKind.MODERATED, message,
                     idea_id=idea.id)
    deliver(created, subject=subject)


# Oldest first, along the ix_flags_open (resolved_at, created_at) index.
FLAGS_KEYSET = Keyset("moderation.flags", Flag.created_at, Flag.id, "datetime",
                      descending=False)
# The reporter and the target loaded with each flag, in the same query.
FLAG_OPTIONS = (
    joinedload(Flag.reporter),
    joinedload(Flag.idea),
    joinedload(Flag.comment).joinedload(Comment.author),
    joinedload(Flag.comment).joinedload(Comment.idea),
)


def open_flags(*, per_page: int = 30) -> KeysetPage:
    """The page of the moderation queue the request's cursor asks for: one query
    whatever the page holds, none counting the queue."""
    return seek_entities(sa.select(Flag).where(Flag.resolved_at.is_(None)), FLAGS_KEYSET,
                         per_page, options=FLAG_OPTIONS)


def resolve(flag: Flag, moderator, decision: Decision | str, note: str = "") -> list[Flag]:
    """Hide, restore or dismiss: apply it to the flag's target and close its open flags.

    Returns the flags closed. The caller has checked "admin.moderation". Audited.
    """
    decision = Decision(decision)
    if flag.resolved_at is not None:
        raise ModerationError(_("Another moderator has already dealt with that flag."))
    target = flag.target
    hidden_before = target.hidden
    note = " ".join(strip_control(note or "").split())
    if decision is Decision.HIDE and not hidden_before and not note:
        raise ModerationError(str(HIDE_NEEDS_REASON))
    if decision is Decision.HIDE:
        _set_hidden(target, True)
    elif decision is Decision.RESTORE:
        _set_hidden(target, False)
    closed = list(db.session.scalars(
        sa.select(Flag).where(Flag.resolved_at.is_(None), *_same_target(flag))
        .order_by(Flag.id)
    ))
    now = utcnow()
    for each in closed:
        each.resolved_at = now
        each.resolved_by_id = moderator.id
        each.resolution = _RESOLUTIONS[decision].value
    db.session.flush()
    reasons = "; ".join(f"#{each.id}: {each.reason}" for each in closed)
    record(
        moderator,
        f"moderation.{decision.value}",
        target,
        before={"hidden": hidden_before},
        after={"hidden": target.hidden, "flags": [each.id for each in closed]},
        reason=(note + " | " if note else "") + f"Flags {reasons}",
    )
    if target.hidden != hidden_before:
        _tell_author(target, target.hidden, note)
    return closed


def _same_target(flag: Flag) -> list:
    if flag.idea_id is not None:
        return [Flag.idea_id == flag.idea_id]
    return [Flag.comment_id == flag.comment_id]


def _set_hidden(target: Idea | Comment, hidden: bool) -> None:
    if isinstance(target, Comment):
        comments.set_hidden(target, hidden)
        return
    # Moderation is not an edit by the author: the idea keeps its "updated" time. The
    # row is locked (PostgreSQL) so its status and campaign funnel move together.
    was_hidden = bool(db.session.scalar(
        sa.select(Idea.hidden).where(Idea.id == target.id).with_for_update()))
    db.session.execute(
        sa.update(Idea).where(Idea.id == target.id)
        .values(hidden=hidden, updated_at=Idea.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(target, ["hidden", "status", "campaign_id"])
    if was_hidden != hidden:
        ideas.count_in_campaign(target.campaign_id, target.status if hidden else None,
                                None if hidden else target.status)

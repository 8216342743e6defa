"""THE idea state machine: the one table of allowed status changes and ``transition()``.

Every status change of an idea goes through :func:`transition`. It looks the change
up in :data:`TRANSITIONS` (from which status, to which, who may make it and what it
requires), refuses anything else with a :class:`TransitionError` whose message is safe
to show, then applies the change's effects, writes the timeline (``StatusChange``),
the audit trail, and tells people (``ideaboard.notifications.delivery``).

Who may act is expressed as *capacities*:

- ``author``: the idea's author;
- ``manager``: a manager responsible for the idea, i.e. a manager of the department
  whose review queue holds it (``queue_department_id``) or of its target department;
- ``admin``: an administrator, who may do anything a responsible manager may;
- ``system``: no person (``actor=None``): automatic review entry and escalation.

Nobody reviews their own idea: its author holds the author capacity on it and no
other, whatever their role (:func:`capacities`), so no path (page, API, command) lets
anyone fast-track, score or decide an idea they wrote. Its review goes to the
responsible reviewer above them instead (:func:`review_department`): a department only
the author manages is passed over for its parent, and so on up the org tree; past the
root the admins review it.

The table is the only source of these rules: the permission policy
(``ideaboard.policy``, section "review") asks this module through :func:`may` and
:func:`allowed`, so the buttons a page shows and the changes this module accepts never
disagree; the review forms read what a change requires from it (:func:`min_reason_for`,
:func:`needs_duplicate_of_for`); and the statuses in which peers vote and the author edits
are read from it too (:data:`VOTABLE`, :data:`EDITABLE`).

Escalation is a row of the table too (``in_review`` to ``in_review`` by the system,
and ``accepted`` to ``accepted`` for accepted work nobody starts): the status stays, but
the idea moves one step up the org tree and the timeline says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import joinedload

from ideaboard.accounts.models import Role, User
from ideaboard.audit.services import record
from ideaboard.core.i18n import Text, lazy_ngettext
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.templating import time_ago
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.ideas.ranking import trending_in
from ideaboard.ideas.services import after_submit, count_in_campaign
from ideaboard.org.models import Department, department_managers
from ideaboard.org.services import managers_of
from ideaboard.review.models import StatusChange
from ideaboard.sanitize import render_markdown

S = IdeaStatus
MIN_RATIONALE = 20  # characters of public rationale for decline, needs_info, duplicate


class Capacity(StrEnum):
    AUTHOR = "author"
    MANAGER = "manager"
    ADMIN = "admin"
    SYSTEM = "system"


class TransitionError(ValueError):
    """A status change the workflow refuses; the message is safe to show the user, in the
    language of the request (the API's too)."""


class ConflictError(TransitionError):
    """A change refused because someone else changed the idea first (a lost race, or a
    page drawn before that change). ``change`` is the change that came first, so the
    page can say who did what, and when; the message says it in a sentence."""

    def __init__(self, idea: Idea, change: StatusChange | None, *, merge_target: bool = False):
        self.idea, self.change = idea, change
        super().__init__(conflict_message(idea, change, merge_target=merge_target))


@dataclass(frozen=True)
class Outcome:
    """What an implemented idea changed: Markdown text and an optional measured result."""

    text_md: str
    value: Decimal | None = None
    unit: str | None = None
    # Rendered when the outcome is made, before the transition locks or writes anything.
    text_html: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text_html", render_markdown(self.text_md))


# What a change does to the idea besides its status, given the change's context
# (``now``, ``reason``, ``owner``, ``duplicate_of``, ``outcome``; an effect may add
# ``assign_reviewers``).
Effect = Callable[[Idea, dict[str, Any]], None]


@dataclass(frozen=True)
class Transition:
    """One allowed change: its name (also the audit action ``idea.<name>``), who and what.

    ``min_reason`` is the characters of public reason a person must give (the system
    writes its own), ``reason_prompt`` what they are told when theirs is missing or
    shorter."""

    name: str
    source: IdeaStatus
    target: IdeaStatus
    who: frozenset[Capacity]
    min_reason: int = 0
    reason_prompt: str | LazyString = ""
    needs_owner: bool = False
    needs_outcome: bool = False
    needs_duplicate_of: bool = False
    effects: tuple[Effect, ...] = field(default=(), compare=False)


# --- effects: what each change does to the idea besides its status -----------------

def _due(start: datetime, department: Department | None, fallback: Department) -> datetime:
    sla = (department or fallback).review_sla_days
    return start + timedelta(days=sla)


def review_department(idea: Idea, start: Department | None) -> Department | None:
    """The department whose managers review ``idea``, looking from ``start`` up the tree.

    A department that only the idea's author manages is passed over for its parent, and
    so on up (nobody reviews their own idea); one that someone else manages too keeps
    it. None: past the root, where the admins review it. Departments the author does not
    manage are never passed over, so everyone else's ideas go where they always went.
    One query per department looked at (its managers), usually one.
    """
    seen: set[int] = set()
    department = start
    while department is not None and department.id not in seen:  # a cycle ends the walk
        seen.add(department.id)
        managers = managers_of(department)
        only_the_author = bool(managers) and all(m.id == idea.author_id for m in managers)
        if not only_the_author:
            return department
        department = department.parent
    return None


def _enter_queue(idea: Idea, ctx: dict[str, Any]) -> None:
    """Land in the queue of the target department (or of the responsible reviewer above
    an author who manages it) with a fresh due date, at level 0."""
    now = ctx["now"]
    queue = review_department(idea, idea.department)
    idea.queue_department_id, idea.queue_department = (queue.id if queue else None), queue
    idea.entered_review_at = now
    idea.review_due_at = idea.escalates_at = _due(now, queue, idea.department)
    idea.escalation_level = 0
    ctx["assign_reviewers"] = True


def _return_to_queue(idea: Idea, ctx: dict[str, Any]) -> None:
    """Back from the author to the queue it left, with a NEW due date."""
    now = ctx["now"]
    idea.review_due_at = idea.escalates_at = _due(now, idea.queue_department, idea.department)
    ctx["assign_reviewers"] = True


def _reviewer_ids(idea: Idea, department: Department) -> frozenset[int]:
    """Who would review ``idea`` held by ``department``: its managers but the author."""
    return frozenset(m.id for m in managers_of(department) if m.id != idea.author_id)


def escalation_target(idea: Idea, held_by: Department) -> Department | None:
    """Where ``idea`` goes when it escalates from ``held_by``: the parent department's
    managers (``review_department``: never only its author), passing over every level
    whose reviewers are the very people it comes from (a manager of both a department
    and its parent would otherwise hand it to themselves). None: the admins, past the
    root. One query per department looked at."""
    below = _reviewer_ids(idea, held_by)
    seen = {held_by.id}
    department = review_department(idea, held_by.parent)
    while (department is not None and department.id not in seen and below
           and _reviewer_ids(idea, department) == below):
        seen.add(department.id)
        department = review_department(idea, department.parent)
    if department is not None and department.id in seen:  # a cycle in the org tree
        return None
    return department


def stalled_after() -> timedelta:
    """How long an accepted idea may wait to be started before it escalates."""
    return timedelta(days=current_app.config.get("STALLED_AFTER_DAYS", 30))


def _climb(idea: Idea, ctx: dict[str, Any]) -> None:
    """One step up the org tree (``escalation_target``); past the root the admins hold it.

    The idea keeps its due date (``review_due_at``), which people see; the time of the
    next step (``escalates_at``) moves on from the old one (not from now) by the new
    department's SLA, or for an accepted idea not started by the stalled period, so the
    schedule does not depend on how often the escalation job runs.
    """
    current = idea.queue_department
    parent = escalation_target(idea, current) if current is not None else None
    idea.escalation_level = idea.escalation_level + 1
    if parent is None:
        idea.queue_department_id, idea.queue_department = None, None
        idea.escalates_at = None  # the admins are the last step
    else:
        idea.queue_department_id, idea.queue_department = parent.id, parent
        escalated = idea.escalates_at
        if escalated is None:  # every way into review or acceptance sets one
            raise LookupError(f"idea {idea.id} escalates without a schedule")
        step = (stalled_after() if idea.status == S.ACCEPTED
                else timedelta(days=parent.review_sla_days))
        idea.escalates_at = escalated + step


def _await_start(idea: Idea, ctx: dict[str, Any]) -> None:
    """Accepted: if nobody starts the work within the stalled period, it escalates."""
    idea.escalates_at = ctx["now"] + stalled_after()


def _set_owner(idea: Idea, ctx: dict[str, Any]) -> None:
    if ctx.get("owner") is not None:
        idea.owner_id = ctx["owner"].id


def _record_outcome(idea: Idea, ctx: dict[str, Any]) -> None:
    outcome: Outcome = ctx["outcome"]
    idea.outcome_md = outcome.text_md
    idea.outcome_html = outcome.text_html
    idea.outcome_value = outcome.value
    idea.outcome_unit = (outcome.unit or "").strip() or None


def _merge_into_target(idea: Idea, ctx: dict[str, Any]) -> None:
    from ideaboard.review.merging import merge_duplicate

    idea.duplicate_of_id = ctx["duplicate_of"].id
    merge_duplicate(idea, ctx["duplicate_of"])


AUTHOR = frozenset({Capacity.AUTHOR})
MANAGERS = frozenset({Capacity.MANAGER, Capacity.ADMIN})
SYSTEM = frozenset({Capacity.SYSTEM})


# A decision that is not plain acceptance is explained to everyone.
_EXPLAIN = lazy_ngettext("Explain the decision to everyone in at least %(num)d character.",
                         "Explain the decision to everyone in at least %(num)d characters.",
                         MIN_RATIONALE)

# THE table. Admins are listed wherever managers are: they may do anything a manager may.
TRANSITIONS: tuple[Transition, ...] = (
    # By the system when the votes reach the threshold; by a manager (fast-track) with a
    # note saying why.
    Transition("enter_review", S.OPEN, S.IN_REVIEW, SYSTEM | MANAGERS, min_reason=1,
               reason_prompt=_l("Add a note saying why this idea is fast-tracked."),
               effects=(_enter_queue,)),
    Transition("resubmit", S.NEEDS_INFO, S.IN_REVIEW, AUTHOR, effects=(_return_to_queue,)),
    Transition("escalate", S.IN_REVIEW, S.IN_REVIEW, SYSTEM, effects=(_climb,)),
    Transition("accept", S.IN_REVIEW, S.ACCEPTED, MANAGERS, effects=(_set_owner, _await_start)),
    # Accepted but not started within IDEABOARD_STALLED_AFTER_DAYS: one level up.
    Transition("escalate", S.ACCEPTED, S.ACCEPTED, SYSTEM, effects=(_climb,)),
    Transition("request_info", S.IN_REVIEW, S.NEEDS_INFO, MANAGERS, min_reason=MIN_RATIONALE,
               reason_prompt=_EXPLAIN),
    Transition("decline", S.IN_REVIEW, S.DECLINED, MANAGERS, min_reason=MIN_RATIONALE,
               reason_prompt=_EXPLAIN),
    Transition("decline", S.NEEDS_INFO, S.DECLINED, MANAGERS, min_reason=MIN_RATIONALE,
               reason_prompt=_EXPLAIN),
    # Duplicates may be caught before review, during it, or while the author is asked.
    *(
        Transition("mark_duplicate", source, S.DUPLICATE, MANAGERS, min_reason=MIN_RATIONALE,
                   reason_prompt=_EXPLAIN, needs_duplicate_of=True,
                   effects=(_merge_into_target,))
        for source in (S.OPEN, S.IN_REVIEW, S.NEEDS_INFO)
    ),
    Transition("start", S.ACCEPTED, S.IN_PROGRESS, MANAGERS, needs_owner=True,
               effects=(_set_owner,)),
    Transition("implement", S.IN_PROGRESS, S.IMPLEMENTED, MANAGERS, needs_outcome=True,
               effects=(_record_outcome,)),
    Transition("withdraw", S.OPEN, S.WITHDRAWN, AUTHOR),
    Transition("withdraw", S.NEEDS_INFO, S.WITHDRAWN, AUTHOR),
)

_BY_STATES: dict[tuple[str, str], Transition] = {
    (t.source.value, t.target.value): t for t in TRANSITIONS
}
_BY_NAME: dict[tuple[str, str], Transition] = {(t.source.value, t.name): t for t in TRANSITIONS}
# Checked at import, also under python -O.
if len(_BY_STATES) != len(TRANSITIONS):
    raise RuntimeError("the transition table has two rows for the same change")
if len(_BY_NAME) != len(TRANSITIONS):
    raise RuntimeError("the transition table names two changes from one status alike")

# Statuses a manager's decision on a reviewed idea may lead to, in the table's order.
DECISIONS: tuple[IdeaStatus, ...] = tuple(
    t.target for t in TRANSITIONS
    if t.source == S.IN_REVIEW and t.target != t.source and t.who & MANAGERS)
# What a status allows besides its changes. Peers vote while an idea is open (their votes
# can send it to review) or in review (they count in its merit). Its author edits it
# while it is in their hands: in the statuses from which they may change it themselves.
VOTABLE: frozenset[str] = frozenset({S.OPEN, S.IN_REVIEW})
EDITABLE: frozenset[str] = frozenset(t.source for t in TRANSITIONS if Capacity.AUTHOR in t.who)
# Statuses in which an idea takes no more comments: merged into another idea as a
# duplicate (its votes and followers moved there, so does its discussion) or withdrawn by
# its author. A declined or implemented idea stays open to comments: a public answer
# invites questions about it.
CLOSED_TO_COMMENTS: frozenset[str] = frozenset({S.DUPLICATE, S.WITHDRAWN})


def comments_closed_message(status: str) -> str | None:
    """Why an idea in ``status`` takes no more comments, in a sentence; None if it does."""
    if status == S.DUPLICATE:
        return _("This idea was merged into another idea as a duplicate, so it takes no "
                 "more comments. Carry on the discussion on that idea.")
    if status == S.WITHDRAWN:
        return _("The author withdrew this idea, so it takes no more comments.")
    return None


def find(from_status: str | None, to_status: str) -> Transition | None:
    """The table row for this change, or None if the change is not allowed at all."""
    return _BY_STATES.get((str(from_status), str(to_status)))


def targets(from_status: str) -> list[IdeaStatus]:
    """Every status an idea in ``from_status`` may move to (by someone)."""
    return [t.target for t in TRANSITIONS if t.source == from_status and t.target != t.source]


def min_reason_for(to_status: str) -> int:
    """The characters of public reason a person's change into ``to_status`` needs (the
    most that any row into it asks): what a form checks before the change is tried."""
    return max((t.min_reason for t in TRANSITIONS if t.target == to_status), default=0)


def needs_duplicate_of_for(to_status: str) -> bool:
    """Whether a change into ``to_status`` names the idea it duplicates."""
    return any(t.needs_duplicate_of for t in TRANSITIONS if t.target == to_status)


# --- who ----------------------------------------------------------------------------

def responsible_department_ids(idea: Idea) -> set[int]:
    """The departments whose managers answer for the idea: its queue's and its target's."""
    return {d for d in (idea.queue_department_id, idea.department_id) if d is not None}


def is_responsible_manager(user: User | None, idea: Idea) -> bool:
    """True if ``user`` manages the department whose queue holds the idea or its target,
    or, for an open idea whose target only its author manages, the department above
    that would review it. Never for the idea's author."""
    if user is None or user.role not in (Role.MANAGER, Role.ADMIN) or user.id == idea.author_id:
        return False
    managed = {d.id for d in user.managed_departments}
    if not managed:
        return False
    if managed & responsible_department_ids(idea):
        return True
    if idea.status == S.OPEN and idea.queue_department_id is None:
        # Not in a queue yet: the reviewer above a manager who wrote it may fast-track it.
        above = review_department(idea, idea.department)
        return above is not None and above.id in managed
    return False


def capacities(user: User | None, idea: Idea) -> set[Capacity]:
    """The capacities in which ``user`` (None: the system) may act on ``idea``; none for
    someone signed out (Flask-Login's anonymous user) or deactivated.

    The author of an idea holds the author capacity on it and nothing else, even as a
    manager or an admin: nobody fast-tracks, scores or decides an idea they wrote.
    """
    if user is None:
        return {Capacity.SYSTEM}
    if not user.is_authenticated or not user.active:
        return set()
    if idea.author_id == user.id:
        return {Capacity.AUTHOR}
    held: set[Capacity] = set()
    if user.role == Role.ADMIN:
        held.add(Capacity.ADMIN)
    if is_responsible_manager(user, idea):
        held.add(Capacity.MANAGER)
    return held


def allowed(user: User | None, idea: Idea, to_status: str) -> bool:
    """True if ``user`` may move ``idea`` from its current status to ``to_status``."""
    row = find(idea.status, to_status)
    return row is not None and bool(row.who & capacities(user, idea))


def may(user: User | None, idea: Idea, change: str) -> bool:
    """True if ``user`` may make the change named ``change`` (a row's name, such as
    ``"enter_review"`` or ``"withdraw"``) from the idea's current status."""
    row = _BY_NAME.get((str(idea.status), change))
    return row is not None and bool(row.who & capacities(user, idea))


def may_score(user: User | None, idea: Idea) -> bool:
    """Scores are given while the idea is in review, by a responsible manager or an admin
    (never its author: see ``capacities``)."""
    held = capacities(user, idea) if user is not None else set()
    return idea.status == S.IN_REVIEW and bool(held & MANAGERS)


def may_see_notes(user: User | None, idea: Idea) -> bool:
    """Managers' private notes: responsible managers and admins, never the author."""
    held = capacities(user, idea) if user is not None else set()
    return bool(held & MANAGERS)


# --- who came first --------------------------------------------------------------------

# Within this time a change is "a moment ago"; older ones say how long ago.
MOMENT = timedelta(minutes=10)


def actor_label(idea: Idea, change: StatusChange) -> str:
    """Who made a change, as a conflict names them: never an anonymous idea's author."""
    if change.actor_id is None:
        return _("Ideaboard (automatically)")
    if change.actor_id == idea.author_id:
        return _("its author")
    actor = change.actor
    if actor is None:  # actor_id is set, and a foreign key
        raise LookupError(f"status change {change.id} has lost its actor")
    return actor.display_name


def conflict_message(idea: Idea, change: StatusChange | None, *,
                     merge_target: bool = False) -> str:
    """"This idea was decided by Max Manager a moment ago: declined." and the like; with
    ``merge_target`` (``idea`` is the one a duplicate was to merge into) the same of
    "Idea #12, the one to merge into," and where to merge instead."""
    if change is None:
        return _merge_instead() if merge_target else _(
            "Someone else changed this idea meanwhile; reload and try again.")
    told = _what_happened(idea, change, merge_target=merge_target)
    return f"{told} {_merge_instead()}" if merge_target else told


def _merge_instead() -> str:
    return _("Merge into an idea that is visible and neither withdrawn nor itself a "
             "duplicate.")


def _what_happened(idea: Idea, change: StatusChange, *, merge_target: bool) -> str:
    """The sentence of ``conflict_message`` for ``change``, each a whole sentence in two
    versions: of "this idea", and of the idea to merge into."""
    age = utcnow() - change.created_at
    target = IdeaStatus(change.to_status)
    values = {"when": _("a moment ago") if age < MOMENT else time_ago(change.created_at),
              "who": actor_label(idea, change), "number": idea.id,
              "status": target.in_sentence}
    if change.from_status == change.to_status:
        if merge_target:
            return _("Idea #%(number)d, the one to merge into, was escalated %(when)s: it "
                     "waits in another review queue now.", **values)
        return _("This idea was escalated %(when)s: it waits in another review queue now.",
                 **values)
    if target in DECISIONS:
        if merge_target:
            return _("Idea #%(number)d, the one to merge into, was decided by %(who)s "
                     "%(when)s: %(status)s.", **values)
        return _("This idea was decided by %(who)s %(when)s: %(status)s.", **values)
    if target == S.IN_REVIEW:
        if merge_target:
            return _("Idea #%(number)d, the one to merge into, was sent to review by %(who)s "
                     "%(when)s.", **values)
        return _("This idea was sent to review by %(who)s %(when)s.", **values)
    if target == S.IN_PROGRESS:
        if merge_target:
            return _("Idea #%(number)d, the one to merge into, was marked in progress by "
                     "%(who)s %(when)s.", **values)
        return _("This idea was marked in progress by %(who)s %(when)s.", **values)
    if target == S.IMPLEMENTED:
        if merge_target:
            return _("Idea #%(number)d, the one to merge into, was marked implemented by "
                     "%(who)s %(when)s.", **values)
        return _("This idea was marked implemented by %(who)s %(when)s.", **values)
    if target == S.WITHDRAWN:
        if merge_target:
            return _("Idea #%(number)d, the one to merge into, was withdrawn by %(who)s "
                     "%(when)s.", **values)
        return _("This idea was withdrawn by %(who)s %(when)s.", **values)
    if merge_target:
        return _("Idea #%(number)d, the one to merge into, was %(status)s by %(who)s "
                 "%(when)s.", **values)
    return _("This idea was %(status)s by %(who)s %(when)s.", **values)


def latest_change(idea: Idea) -> StatusChange | None:
    """The idea's latest status change, with its actor (one query)."""
    return db.session.scalar(
        sa.select(StatusChange).where(StatusChange.idea_id == idea.id)
        .options(joinedload(StatusChange.actor))
        .order_by(StatusChange.id.desc()).limit(1))


def change_since(idea: Idea, seen: int | None) -> StatusChange | None:
    """The first status change of the idea after change ``seen``: the latest one on the
    page a form came from (0: that page showed none). None if there is none since, or
    if ``seen`` is unknown (None) or another idea's."""
    if seen is None or seen < 0:
        return None
    query = sa.select(StatusChange).where(StatusChange.idea_id == idea.id,
                                          StatusChange.id > seen)
    if seen:
        seen_here = sa.select(StatusChange.id).where(StatusChange.id == seen,
                                                     StatusChange.idea_id == idea.id)
        query = query.where(seen_here.exists())
    return db.session.scalar(query.options(joinedload(StatusChange.actor))
                             .order_by(StatusChange.id).limit(1))


def _lock_merge(idea: Idea, target: Idea) -> None:
    """Before a merge: lock both ideas' rows, always in id order (two opposite merges
    at once then wait for each other instead of deadlocking; SQLite's one writer needs
    no lock), and read both afresh, so that neither is merged into an idea that has
    just become a duplicate or been withdrawn (``_check`` looks at the fresh target).
    A change of the idea itself since the caller read it is a conflict."""
    seen = idea.status
    db.session.execute(sa.select(Idea.id).where(Idea.id.in_([idea.id, target.id]))
                       .order_by(Idea.id).with_for_update())
    db.session.refresh(target, ["status", "hidden"])
    db.session.refresh(idea, ["status"])
    if idea.status != seen:
        raise ConflictError(idea, latest_change(idea))


# --- doing it -------------------------------------------------------------------------

def _check(row: Transition | None, idea: Idea, to_status: str, actor: User | None,
           ctx: dict[str, Any]) -> Transition:
    current = IdeaStatus(idea.status).in_sentence
    wanted = IdeaStatus(to_status).in_sentence
    if row is None:
        raise TransitionError(_("An idea that is %(current)s cannot become %(wanted)s.",
                                current=current, wanted=wanted))
    if not row.who & capacities(actor, idea):
        raise TransitionError(_("You may not change this idea from %(current)s to "
                                "%(wanted)s.", current=current, wanted=wanted))
    # People give their reasons; the system writes its own (the threshold reached).
    if actor is not None and len(ctx["reason"]) < row.min_reason:
        raise TransitionError(str(row.reason_prompt))
    if row.needs_owner:
        owner = ctx.get("owner")
        if owner is None:
            raise TransitionError(_("Name the person who owns the work."))
    if ctx.get("owner") is not None and not ctx["owner"].active:
        raise TransitionError(_("The owner must be an active user."))
    if row.needs_outcome:
        outcome = ctx.get("outcome")
        if outcome is None or not outcome.text_md.strip():
            raise TransitionError(_("Describe what changed."))
        if outcome.value is not None and not (outcome.unit or "").strip():
            raise TransitionError(_("Give the unit of the measured result."))
    if row.needs_duplicate_of:
        target = ctx.get("duplicate_of")
        if target is None:
            raise TransitionError(_("Name the idea this one duplicates."))
        if target.id == idea.id:
            raise TransitionError(_("An idea cannot duplicate itself."))
        if target.hidden:
            raise TransitionError(_merge_instead())
        if target.status in (S.DUPLICATE, S.WITHDRAWN):
            # Say what became of it (it may have happened a moment ago, in a race).
            raise ConflictError(target, latest_change(target), merge_target=True)
    return row


def transition(idea: Idea, to_status: str, actor: User | None, *, reason: str | Text = "",
               owner: User | None = None,
               duplicate_of: Idea | None = None, outcome: Outcome | None = None,
               now: datetime | None = None) -> StatusChange:
    """Change the idea's status: THE only way a status changes. Flushes, never commits.

    ``actor`` None is the system. Raises :class:`TransitionError` if the table does not
    allow the change for this actor or a requirement (rationale, owner, outcome, target
    idea) is missing. A concurrent change of the same idea makes the later one fail
    with a :class:`ConflictError` naming the first, rather than silently overwrite it.
    """
    from ideaboard.notifications import delivery
    from ideaboard.webhooks import services as webhooks

    now = now or utcnow()
    # The system's reasons are sentences to translate (core.i18n.Text); kept in English
    # for the audit trail and webhooks, and as the sentence for the timeline.
    reason_text = reason.as_json() if isinstance(reason, Text) else None
    reason = reason.english if isinstance(reason, Text) else reason
    ctx: dict[str, Any] = {"now": now, "reason": (reason or "").strip(), "owner": owner,
                           "duplicate_of": duplicate_of, "outcome": outcome}
    if duplicate_of is not None and to_status == S.DUPLICATE:
        _lock_merge(idea, duplicate_of)
    from_status = idea.status
    row = _check(find(from_status, to_status), idea, to_status, actor, ctx)
    actor_id = actor.id if actor is not None else None

    # Claim the change in the database: if another request changed the status first,
    # this UPDATE matches nothing and the later decision is refused. The trending key
    # moves with the status (a closed idea sinks: ideas.ranking).
    guard = [Idea.id == idea.id, Idea.status == from_status]
    if row.source == row.target:  # escalation: two runs at once must not both climb
        guard.append(Idea.escalation_level == idea.escalation_level)
    # It returns whether the idea is hidden as the row is now (a moderator's change
    # committed meanwhile included): a campaign's funnel counts what people see.
    claimed = db.session.execute(
        sa.update(Idea)
        .where(*guard)
        .values(status=row.target.value,
                trending_score=trending_in(row.target.value, idea.created_at))
        .returning(Idea.hidden, Idea.campaign_id)
        .execution_options(synchronize_session=False)
    ).all()
    if len(claimed) != 1:
        db.session.refresh(idea, ["status", "escalation_level"])
        raise ConflictError(idea, latest_change(idea))
    [(hidden, campaign_id)] = claimed
    if not hidden:
        count_in_campaign(campaign_id, from_status, row.target.value)

    # Who hears of it is decided before the effects run: a merge moves followers away.
    watchers = delivery.watchers(idea) if row.source != row.target else set()
    before = _snapshot(idea)
    idea.status = row.target.value
    if row.source != row.target:
        # A new status: its age starts now, and only its own effects schedule a next
        # escalation (entering review, acceptance); no other status escalates.
        idea.status_changed_at = now
        idea.escalates_at = None
    for effect in row.effects:
        effect(idea, ctx)
    change = StatusChange(idea_id=idea.id, from_status=from_status, to_status=row.target.value,
                          actor_id=actor_id, reason=ctx["reason"], reason_text=reason_text,
                          created_at=now)
    db.session.add(change)
    db.session.flush()
    after = _snapshot(idea)
    changed = [k for k in after if before.get(k) != after.get(k)]
    record(actor, f"idea.{row.name}", idea, before={k: before[k] for k in changed},
           after={k: after[k] for k in changed}, reason=ctx["reason"])

    if row.source != row.target:
        webhooks.status_changed(idea, from_status, row.target.value, ctx["reason"])
    if watchers:
        delivery.status_changed(idea, change, watchers, exclude=actor_id)
    if ctx.get("assign_reviewers"):
        delivery.review_assigned(idea, reviewers(idea), escalated=False,
                                 exclude=actor_id)
    return change


@after_submit
def record_creation(idea: Idea, author: User, *, now: datetime | None = None) -> StatusChange:
    """Write the first timeline entry of a newly submitted idea (from nothing to open):
    run by ``ideas.services.submit_idea`` as it submits one (``after_submit``)."""
    change = StatusChange(idea_id=idea.id, from_status=None, to_status=idea.status,
                          actor_id=author.id, reason="", created_at=now or idea.created_at
                          or utcnow())
    idea.status_changed_at = change.created_at
    db.session.add(change)
    db.session.flush()
    return change


def reviewers(idea: Idea) -> list[User]:
    """Who reviews the idea now, never its author: the managers of the department whose
    queue holds it (for an open idea: would hold it, see ``review_department``), or the
    admins past the root."""
    department_id = idea.queue_department_id
    if department_id is None and idea.status == S.OPEN:
        department = review_department(idea, idea.department)
        department_id = department.id if department is not None else None
    if department_id is None:
        query = sa.select(User).where(User.role == Role.ADMIN, User.active.is_(True))
    else:
        query = (
            sa.select(User)
            .join(department_managers, department_managers.c.user_id == User.id)
            .where(department_managers.c.department_id == department_id,
                   User.active.is_(True), User.role.in_([Role.MANAGER, Role.ADMIN]))
        )
    query = query.where(User.id != idea.author_id)
    return list(db.session.scalars(query.order_by(User.id)))


def _snapshot(idea: Idea) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "status": idea.status,
        "queue_department_id": idea.queue_department_id,
        "escalation_level": idea.escalation_level,
        "review_due_at": iso(idea.review_due_at),
        "owner_id": idea.owner_id,
        "duplicate_of_id": idea.duplicate_of_id,
        "outcome_value": str(idea.outcome_value) if idea.outcome_value is not None else None,
        "outcome_unit": idea.outcome_unit,
    }

"""Reviewing ideas: entering review, the queue, managers' scores, decisions and outcomes.

Status changes themselves happen only in :mod:`ideaboard.review.workflow`; the
functions here gather what a change needs (an owner found by e-mail, the target of
a duplicate) and call ``workflow.transition``.

Merit
-----
A manager scores impact, feasibility and effort from 1 to 5. The idea row keeps the
number of reviews and the mean of each score, and a merit figure from 0 to 100 that
blends the managers' rubric with the peers' signal::

    rubric = (mean_impact + mean_feasibility + (6 - mean_effort)) / 15    # 0.2 .. 1
    merit  = 100 * (0.6 * rubric + 0.4 * wilson_score)

Effort counts inverted (a cheap idea scores higher); ``wilson_score`` is the lower
bound of the 95% Wilson interval of the idea's up and down votes
(``ideaboard.ideas.ranking``), so a few enthusiastic votes do not outweigh many mixed
ones. Merit is empty until a first review; it is recomputed in SQL when a review is
saved and whenever a vote changes the Wilson score of a scored idea.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ideaboard.accounts.models import Role, User, find_by_email
from ideaboard.audit.services import record
from ideaboard.core.i18n import N_, Text
from ideaboard.core.i18n import gettext as _
from ideaboard.core.paging import Page
from ideaboard.core.rows import keep_in_step
from ideaboard.core.rows import rows as plain_rows
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.review import workflow
from ideaboard.review.models import Review, StatusChange
from ideaboard.review.queries import (
    MERGE_CANDIDATES,
    OWNER_CANDIDATES,
    QUEUE_COUNT,
    QUEUE_OVERDUE,
    QUEUE_PAGE,
    WORK_PAGE,
    WORKLIST_COUNT_CAP,
    WORKLIST_COUNTS,
    WORKLIST_STATUSES,
)
from ideaboard.review.workflow import Outcome, TransitionError

S = IdeaStatus
RUBRIC_WEIGHT = 0.6
PEER_WEIGHT = 0.4


class ReviewError(ValueError):
    """A review action the rules refuse; the message is safe to show, in the language of
    the request (the API's too)."""


# --- entering review ------------------------------------------------------------------

class Tally(Protocol):
    """An idea as the review threshold reads it after a vote, its counters up to date:
    the vote's ``voting.services.VoteTarget`` (the vote page loads no Idea), or an Idea."""

    @property
    def id(self) -> int: ...

    @property
    def status(self) -> str: ...

    @property
    def review_count(self) -> int: ...

    @property
    def net_votes(self) -> int: ...


def enter_review_if_threshold_met(tally: Tally, threshold: int, *,
                                  now: datetime | None = None) -> bool:
    """After a vote: move an open idea to review once its net votes reach ``threshold``,
    its department's review threshold.

    The system is the actor. Also keeps the merit of an idea under review in step with
    its changed Wilson score. Returns True if the idea entered review. Flushes. The Idea
    itself is loaded only when it enters review (no query if the session holds it).
    """
    if tally.status == S.IN_REVIEW and tally.review_count:
        refresh_merit(tally.id)
    if tally.status != S.OPEN or tally.net_votes < threshold:
        return False
    # With the counters this vote just wrote (ranking.bump_counters keeps a loaded one so).
    idea = db.session.get(Idea, tally.id)
    if idea is None:
        return False
    try:
        workflow.transition(idea, S.IN_REVIEW, None, now=now, reason=Text(
            N_("Reached %(votes)s net votes (the %(department)s threshold is %(threshold)s)."),
            votes=idea.net_votes, department=idea.department.name,
            threshold=idea.department.review_threshold))
    except TransitionError:
        return False  # a concurrent vote moved it first
    return True


def fast_track(idea: Idea, manager: User, note: str, *, now: datetime | None = None) -> None:
    """A responsible manager sends an open idea to review before it reaches the threshold."""
    workflow.transition(idea, S.IN_REVIEW, manager, reason=note, now=now)


# --- the queue ------------------------------------------------------------------------

# Managers review a page of their queue at a time: its cost must not follow its length.
QUEUE_PAGE_SIZE = 20


def _is_admin(user: User) -> bool:
    return user.role == Role.ADMIN


def queue_count(user: User) -> int:
    """How many ideas wait in ``user``'s queue (one statement counting on the index, for
    the navigation; ``queries.QUEUE_COUNT``)."""
    return plain_rows(QUEUE_COUNT[_is_admin(user)], {"viewer": user.id}).scalar_one()




def queue_and_overdue(user: User, now: datetime) -> tuple[int, int]:
    """How many ideas wait in ``user``'s queue, and how many of them are past their due
    date at ``now`` (one statement; ``queries.QUEUE_OVERDUE``)."""
    waiting, overdue = plain_rows(QUEUE_OVERDUE[_is_admin(user)],
                                  {"viewer": user.id, "now": now}).one()
    return waiting, overdue


def queue_page(user: User, page: int, *, per_page: int = QUEUE_PAGE_SIZE,
               now: datetime | None = None) -> Page:
    """One page of the ideas waiting for ``user``'s review, in the queue's order, as rows
    of ``queries.QUEUE_COLUMNS`` (with ``scored_by_viewer``: has the user scored it?).

    One query whatever the page or the queue's length: the departments joined, whether
    the user scored each idea asked in the same statement. Like the lists of
    ``ideaboard.core.paging`` it fetches one row more than it shows instead of
    counting; the statement is built once, its page bound as parameters.
    """
    rows = plain_rows(QUEUE_PAGE[_is_admin(user)], {
        "viewer": user.id, "now": now or utcnow(), "limit": per_page + 1,
        "offset": (page - 1) * per_page,
    }).all()
    return Page(items=rows[:per_page], page=page, per_page=per_page,
                has_next=len(rows) > per_page)


def worklist_counts(user: User) -> dict[str, int]:
    """How many ideas are in each of ``user``'s worklists, by status (one statement of
    indexed counts; ``queries.WORKLIST_COUNTS``). The lists after the review queue are
    counted up to ``WORKLIST_COUNT_CAP``: a count at the cap means "that many or more"."""
    row = plain_rows(WORKLIST_COUNTS[_is_admin(user)], {"viewer": user.id}).one()
    return {status.value: count if status == S.IN_REVIEW else min(count, WORKLIST_COUNT_CAP)
            for status, count in zip(WORKLIST_STATUSES, row, strict=True)}


def work_page(user: User, status: IdeaStatus, page: int, *,
              per_page: int = QUEUE_PAGE_SIZE) -> Page:
    """One page of ``user``'s worklist of accepted, in-progress or needs-info ideas, as
    rows of ``queries.WORK_COLUMNS``: escalated first, then the longest in that status.
    One query whatever the page or the list's length, one row more than it shows."""
    rows = plain_rows(WORK_PAGE[_is_admin(user), status], {
        "viewer": user.id, "limit": per_page + 1, "offset": (page - 1) * per_page,
    }).all()
    return Page(items=rows[:per_page], page=page, per_page=per_page,
                has_next=len(rows) > per_page)


# --- scores ---------------------------------------------------------------------------

def reviews_of(idea: Idea) -> list[Review]:
    """Every manager's review of the idea, with the reviewer loaded (one query)."""
    return list(db.session.scalars(
        sa.select(Review).where(Review.idea_id == idea.id)
        .options(joinedload(Review.reviewer)).order_by(Review.created_at, Review.id)))


def review_by(idea: Idea, reviewer: User) -> Review | None:
    return db.session.scalar(
        sa.select(Review).where(Review.idea_id == idea.id, Review.reviewer_id == reviewer.id))


def save_review(idea: Idea, reviewer: User, *, impact: int, feasibility: int, effort: int,
                note: str = "") -> Review:
    """Create or update the reviewer's scores for the idea and refresh its aggregates."""
    if not workflow.may_score(reviewer, idea):
        raise ReviewError(_("Only a manager responsible for an idea under review may score it."))
    # Still under review? Read under a row lock: a decision being made at this moment
    # finishes first (PostgreSQL; SQLite has one writer), and then this one is told.
    status = db.session.execute(sa.select(Idea.status).where(Idea.id == idea.id)
                                .with_for_update()).scalar_one()
    if status != S.IN_REVIEW:
        db.session.refresh(idea, ["status"])
        raise workflow.ConflictError(idea, workflow.latest_change(idea))
    for name, value in (("impact", impact), ("feasibility", feasibility), ("effort", effort)):
        if not 1 <= int(value) <= 5:
            raise ReviewError(_out_of_range(name))
    review = review_by(idea, reviewer)
    before = None
    if review is None:
        review = Review(idea_id=idea.id, reviewer_id=reviewer.id)
        db.session.add(review)
    else:
        before = {"impact": review.impact, "feasibility": review.feasibility,
                  "effort": review.effort}
    review.impact, review.feasibility, review.effort = impact, feasibility, effort
    review.note = (note or "").strip()
    db.session.flush()
    refresh_aggregates(idea)
    # The note is private to managers, so the audit trail keeps only the scores.
    record(reviewer, "review.update" if before else "review.create", review, before=before,
           after={"idea_id": idea.id, "impact": impact, "feasibility": feasibility,
                  "effort": effort})
    return review


def _out_of_range(name: str) -> str:
    """What a score outside 1 to 5 is told: a whole sentence for each of the three."""
    if name == "impact":
        return _("Score impact from 1 to 5.")
    if name == "feasibility":
        return _("Score feasibility from 1 to 5.")
    return _("Score effort from 1 to 5.")


def _merit_sql():
    ideas = Idea.__table__
    rubric = (ideas.c.mean_impact + ideas.c.mean_feasibility + (6 - ideas.c.mean_effort)) / 15.0
    return sa.case(
        (ideas.c.review_count > 0,
         100.0 * (RUBRIC_WEIGHT * rubric + PEER_WEIGHT * ideas.c.wilson_score)),
        else_=sa.null(),
    )


# Built once: a vote on a scored idea runs it, and building it cost more than running it.
_REFRESH_MERIT = (
    sa.update(Idea.__table__)
    .where(Idea.__table__.c.id == sa.bindparam("idea_id", type_=sa.Integer))
    .values(merit_score=_merit_sql())
    .returning(Idea.__table__.c.merit_score)
)


def refresh_aggregates(idea: Idea) -> None:
    """Recompute review count, mean scores and merit from the reviews table, in SQL."""
    mine = sa.select(Review).where(Review.idea_id == idea.id).subquery()

    def over(expression):
        return sa.select(expression).select_from(mine).scalar_subquery()

    db.session.execute(
        sa.update(Idea).where(Idea.id == idea.id).values(
            review_count=over(sa.func.count()),
            mean_impact=over(sa.func.avg(sa.cast(mine.c.impact, sa.Float))),
            mean_feasibility=over(sa.func.avg(sa.cast(mine.c.feasibility, sa.Float))),
            mean_effort=over(sa.func.avg(sa.cast(mine.c.effort, sa.Float))),
        ).execution_options(synchronize_session=False)
    )
    refresh_merit(idea.id)
    db.session.refresh(idea, ["review_count", "mean_impact", "mean_feasibility", "mean_effort"])


def refresh_merit(idea_id: int) -> float | None:
    """Recompute the idea's merit from its row's own means and Wilson score (atomic).

    Returns the new merit; the session's Idea of that id, if it holds one, takes it too
    (``core.rows.keep_in_step``).
    """
    db.session.flush()  # as the ORM UPDATE's autoflush did: the row's pending changes first
    merit_score = db.session.execute(_REFRESH_MERIT, {"idea_id": idea_id}).scalar_one()
    keep_in_step(Idea, idea_id, [("merit_score", merit_score)])
    return merit_score


# --- decisions and what follows -------------------------------------------------------

def find_active_user(email: str | None) -> User | None:
    """The active user with that e-mail (any case); None for a blank one; error if unknown."""
    if email is None or not email.strip():
        return None
    user = find_by_email(email)
    if user is None or not user.active:
        raise ReviewError(_("No active user has that e-mail address."))
    return user


def active_user(user_id: int | None) -> User | None:
    """The active user of that id (a person chosen in the owner picker); None for none."""
    if not user_id:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise ReviewError(_("Choose an active person as the owner."))
    return user


def find_idea(idea_id: int | None) -> Idea | None:
    if not idea_id:
        return None
    idea = db.session.get(Idea, idea_id)
    if idea is None:
        raise ReviewError(_("There is no idea #%(number)d.", number=idea_id))
    return idea


def decide(idea: Idea, reviewer: User, decision: str, rationale: str, *,
           owner_email: str | None = None, owner_id: int | None = None,
           duplicate_of_id: int | None = None,
           now: datetime | None = None) -> StatusChange:
    """A manager's decision on an idea under review: accepted, needs_info, declined, duplicate.

    The owner of accepted work is named by id (the review page's picker) or by e-mail
    (the command line's demo data)."""
    if decision not in workflow.DECISIONS:
        raise ReviewError(_("Choose a decision."))
    owner = None
    if decision == S.ACCEPTED:
        owner = active_user(owner_id) if owner_id else find_active_user(owner_email)
    target = find_idea(duplicate_of_id) if decision == S.DUPLICATE else None
    return workflow.transition(idea, decision, reviewer, reason=rationale, owner=owner,
                               duplicate_of=target, now=now)


class Scores(NamedTuple):
    """A manager's scores of an idea as the review page posts them with a decision."""

    impact: int
    feasibility: int
    effort: int
    note: str = ""


def score_and_decide(idea: Idea, reviewer: User, decision: str, rationale: str, *,
                     scores: Scores | None = None, owner_id: int | None = None,
                     duplicate_of_id: int | None = None,
                     now: datetime | None = None) -> StatusChange:
    """Save the reviewer's ``scores`` (if given, and changed) and record their decision,
    all or nothing: the review page posts both in one form, so a decision never drops
    the scores ticked beside it, and a refused one keeps neither.

    Both run in a SAVEPOINT: when the decision is refused the scores are undone at once,
    so the page that says why shows the idea as it was (the request's ROLLBACK would
    come only after that page was drawn)."""
    with db.session.begin_nested():
        if scores is not None:
            mine = review_by(idea, reviewer)
            if mine is None or (mine.impact, mine.feasibility, mine.effort, mine.note) != (
                    scores.impact, scores.feasibility, scores.effort, scores.note.strip()):
                save_review(idea, reviewer, impact=scores.impact,
                            feasibility=scores.feasibility, effort=scores.effort,
                            note=scores.note)
        return decide(idea, reviewer, decision, rationale, owner_id=owner_id,
                      duplicate_of_id=duplicate_of_id, now=now)


def start_work(idea: Idea, actor: User, owner_email: str | None = None, note: str = "", *,
               owner_id: int | None = None, now: datetime | None = None) -> StatusChange:
    """Accepted to in progress, with the person who owns the work (by id, as the review
    page's picker names them, or by e-mail)."""
    owner = active_user(owner_id) if owner_id else find_active_user(owner_email)
    return workflow.transition(idea, S.IN_PROGRESS, actor, reason=note, owner=owner, now=now)


def record_outcome(idea: Idea, actor: User, what_changed: str, value: Decimal | None,
                   unit: str | None, note: str = "", *,
                   now: datetime | None = None) -> StatusChange:
    """In progress to implemented, with what changed and an optional measured result."""
    return workflow.transition(idea, S.IMPLEMENTED, actor, reason=note, now=now,
                               outcome=Outcome(what_changed, value, unit))


def resubmit(idea: Idea, author: User, note: str = "", *,
             now: datetime | None = None) -> StatusChange:
    """The author sends an idea that needed more information back to review."""
    return workflow.transition(idea, S.IN_REVIEW, author, reason=note, now=now)


def withdraw(idea: Idea, author: User, reason: str = "", *,
             now: datetime | None = None) -> StatusChange:
    """The author withdraws an idea that is open or waiting for their information."""
    return workflow.transition(idea, S.WITHDRAWN, author, reason=reason, now=now)


# --- choosing the idea a duplicate merges into, and the owner --------------------------

# A picker lists at most this many matches (the search is narrowed, never paged), and
# reads at most this much of what was typed.
PICK_LIMIT = 10
SEARCH_MAX = 100
MAX_ID = 2**31 - 1  # ids are 32-bit integers (PostgreSQL refuses a larger one)


class MergeCandidate(NamedTuple):
    """An idea a duplicate may be merged into, as its picker lists it."""

    id: int
    title: str
    status: str


class OwnerCandidate(NamedTuple):
    """A person who may own the work, as the owner picker lists them."""

    id: int
    display_name: str
    email: str
    department_name: str | None


def _like(text: str | None) -> str | None:
    """A LIKE pattern (escaped with a backslash) for "contains" the lower-cased ``text``;
    None (matching nothing) for a blank search."""
    text = (text or "").strip()[:SEARCH_MAX].lower()
    if not text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _number(text: str | None) -> int | None:
    """The idea number a search names ("42" or "#42"), if it is one."""
    text = (text or "").strip().removeprefix("#")
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


def merge_candidates(idea: Idea, query: str | None, *, chosen: int | None = None,
                     limit: int = PICK_LIMIT) -> list[MergeCandidate]:
    """The ideas ``idea`` could be marked a duplicate of whose title contains ``query``
    (any case) or whose number it is, most supported first, at most ``limit``; the one
    ``chosen`` already comes first if it is still one of them. Never the idea itself, a
    hidden one, a withdrawn one or a duplicate (the workflow refuses those). One query."""
    return [MergeCandidate(*row) for row in plain_rows(MERGE_CANDIDATES, {
        "idea_id": idea.id, "pattern": _like(query), "number": _number(query),
        "chosen": chosen, "limit": limit})]


def owner_candidates(query: str | None, *, chosen: int | None = None,
                     limit: int = PICK_LIMIT) -> list[OwnerCandidate]:
    """The active people whose name or e-mail contains ``query`` (any case), by name, at
    most ``limit``, with their department; the one ``chosen`` already first if still
    active. One query."""
    return [OwnerCandidate(*row) for row in plain_rows(OWNER_CANDIDATES, {
        "pattern": _like(query), "chosen": chosen, "limit": limit})]


# --- what the idea page shows ---------------------------------------------------------

# The changes that decide an idea's fate: the table's decisions, and the author's
# withdrawal. An idea in one of these statuses, or carried on after acceptance, shows its
# latest such change as "the decision" at the top of its page.
DECIDING_STATUSES = frozenset({*workflow.DECISIONS, S.WITHDRAWN})
DECISION_STATUSES = DECIDING_STATUSES | {S.IN_PROGRESS, S.IMPLEMENTED}


class Change(Protocol):
    """A status change as the idea's timeline is read (``display.TimelineEntry``)."""

    @property
    def to_status(self) -> str: ...


C = TypeVar("C", bound=Change)


def current_decision(idea: Idea, changes: Sequence[C]) -> C | None:
    """The decision behind the idea's current status (for an idea in progress or
    implemented: its acceptance) among its timeline's ``changes`` (``display.timeline``,
    the one way the timeline is read), or None while no decision stands."""
    if idea.status not in DECISION_STATUSES:
        return None
    for change in reversed(changes):
        if change.to_status in DECIDING_STATUSES:
            return change
    return None

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

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ideaboard.accounts.models import Role, User
from ideaboard.accounts.services import find_by_email
from ideaboard.audit.services import record
from ideaboard.core.paging import Page
from ideaboard.core.rows import rows as plain_rows
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.org.models import Department, department_managers
from ideaboard.review import workflow
from ideaboard.review.models import Review, StatusChange
from ideaboard.review.workflow import Outcome, TransitionError

S = IdeaStatus
RUBRIC_WEIGHT = 0.6
PEER_WEIGHT = 0.4


class ReviewError(ValueError):
    """A review action the rules refuse; the message is safe to show."""


# --- entering review ------------------------------------------------------------------

def enter_review_if_threshold_met(idea, *, threshold: int | None = None,
                                  now: datetime | None = None) -> bool:
    """After a vote: move an open idea to review once its net votes reach the threshold.

    The system is the actor. Also keeps the merit of an idea under review in step with
    its changed Wilson score. Returns True if the idea entered review. Flushes.

    ``idea`` is an :class:`Idea`, or (from the vote page, which loads no Idea) an object
    with the idea's ``id``, ``status``, ``review_count`` and ``net_votes`` as they are
    after the vote, with ``threshold`` its department's review threshold (otherwise read
    from ``idea.department``). The Idea itself is loaded only when it enters review.
    """
    if idea.status == S.IN_REVIEW and idea.review_count:
        refresh_merit(idea)
    if idea.status != S.OPEN:
        return False
    if threshold is None:
        threshold = idea.department.review_threshold
    if idea.net_votes < threshold:
        return False
    if not isinstance(idea, Idea):
        idea = db.session.get(Idea, idea.id)  # with the counters this vote just wrote
    try:
        workflow.transition(idea, S.IN_REVIEW, None, now=now,
                            reason=f"Reached {idea.net_votes} net votes (the "
                                   f"{idea.department.name} threshold is "
                                   f"{idea.department.review_threshold}).")
    except TransitionError:
        return False  # a concurrent vote moved it first
    return True


def fast_track(idea: Idea, manager: User, note: str, *, now: datetime | None = None) -> None:
    """A responsible manager sends an open idea to review before it reaches the threshold."""
    workflow.transition(idea, S.IN_REVIEW, manager, reason=note, now=now)


# --- the queue ------------------------------------------------------------------------

# Managers review a page of their queue at a time: its cost must not follow its length.
QUEUE_PAGE_SIZE = 20

_ideas = Idea.__table__


def _queue_parts(*, admin: bool) -> list[sa.ColumnElement[bool]]:
    """Which ideas wait in the queue of the user bound as ``viewer``: those in the queues
    of the departments they manage (including those escalated there), and for an admin
    also those that no department's queue holds (escalated past the root); never the
    viewer's own ideas.

    Each part finds its rows through the index ``ix_ideas_queue`` (queue_department_id,
    status, ...) on SQLite and PostgreSQL. Written as one OR, an admin's two parts read
    every idea in review of the whole company instead (0.5 ms at 590 of them on SQLite,
    on every page an admin sees)."""
    viewer = sa.bindparam("viewer", type_=sa.Integer)
    managed = sa.select(department_managers.c.department_id).where(
        department_managers.c.user_id == viewer)
    # Nobody reviews their own idea: a co-manager of the department sees it, its author
    # does not (the workflow routes it above an author who manages it alone).
    in_review = sa.and_(_ideas.c.status == S.IN_REVIEW.value, _ideas.c.author_id != viewer)
    held = sa.and_(in_review, _ideas.c.queue_department_id.in_(managed))
    if admin:
        # Held by no department: escalated past the root, or written by someone only
        # the admins can review (``workflow.review_department``).
        return [held, sa.and_(in_review, _ideas.c.queue_department_id.is_(None))]
    # A moderator hid it: managers cannot open it, so it waits for the moderators.
    return [sa.and_(held, _ideas.c.hidden.is_(False))]


def _queue_where(*, admin: bool) -> sa.ColumnElement[bool]:
    parts = _queue_parts(admin=admin)
    if len(parts) == 1:
        return parts[0]
    # The parts never overlap (a queue department, or none).
    return _ideas.c.id.in_(sa.union_all(*(sa.select(_ideas.c.id).where(p) for p in parts)))


def _is_admin(user: User) -> bool:
    return user.role == Role.ADMIN


def _count_statement(*, admin: bool) -> sa.Select:
    """SELECT (count of part 1) [+ (count of part 2)]: each part counted on its index."""
    counts = [sa.select(sa.func.count()).select_from(_ideas).where(part).scalar_subquery()
              for part in _queue_parts(admin=admin)]
    total = counts[0]
    for count in counts[1:]:
        total = total + count
    return sa.select(total)


# The navigation shows the count on every page a reviewer sees: built once, so a page
# pays for running one indexed COUNT, not for building it (that was most of its cost).
_QUEUE_COUNT = {admin: _count_statement(admin=admin) for admin in (False, True)}


def queue_count(user: User) -> int:
    """How many ideas wait in ``user``'s queue (one statement counting on the index, for
    the navigation)."""
    return plain_rows(_QUEUE_COUNT[_is_admin(user)], {"viewer": user.id}).scalar_one()


def _queue_order() -> tuple:
    """Overdue first (due by the bound ``now``), then by merit (unscored last), then the
    longest waiting, then by id so that pages never overlap.

    No index can hand rows over in this order: its first key depends on the time of the
    request, and a queue may span several departments. ``ix_ideas_queue`` finds exactly
    the rows of the viewer's queues, and only those are sorted (29 at 100,000 ideas)."""
    overdue_first = sa.case((_ideas.c.review_due_at <= sa.bindparam("now"), 0), else_=1)
    return (overdue_first, sa.func.coalesce(_ideas.c.merit_score, -1.0).desc(),
            _ideas.c.entered_review_at, _ideas.c.id)


_department = Department.__table__.alias("department")
_queue_department = Department.__table__.alias("queue_department")
_reviews = Review.__table__

# What a row of the queue page shows, and nothing else (no texts, no ORM objects). The
# queue page unpacks rows in this order (review.queue_rows.entries).
QUEUE_COLUMNS = (
    _ideas.c.id, _ideas.c.title, _ideas.c.department_id, _ideas.c.queue_department_id,
    _ideas.c.entered_review_at, _ideas.c.review_due_at, _ideas.c.upvotes, _ideas.c.downvotes,
    _ideas.c.wilson_score, _ideas.c.review_count, _ideas.c.mean_impact,
    _ideas.c.mean_feasibility, _ideas.c.mean_effort, _ideas.c.merit_score,
    _ideas.c.escalation_level,
    _department.c.name.label("department_name"),
    _queue_department.c.name.label("queue_department_name"),
    sa.exists().where(_reviews.c.idea_id == _ideas.c.id,
                      _reviews.c.reviewer_id == sa.bindparam("viewer", type_=sa.Integer))
    .label("scored_by_viewer"),
)

_QUEUE_PAGE = {
    admin: sa.select(*QUEUE_COLUMNS)
    .select_from(_ideas)
    .join(_department, _department.c.id == _ideas.c.department_id)
    .outerjoin(_queue_department, _queue_department.c.id == _ideas.c.queue_department_id)
    .where(_queue_where(admin=admin))
    .order_by(*_queue_order())
    .limit(sa.bindparam("limit", type_=sa.Integer))
    .offset(sa.bindparam("offset", type_=sa.Integer))
    for admin in (False, True)
}


def queue_page(user: User, page: int, *, per_page: int = QUEUE_PAGE_SIZE,
               now: datetime | None = None) -> Page:
    """One page of the ideas waiting for ``user``'s review, in the queue's order, as rows
    of ``QUEUE_COLUMNS`` (with ``scored_by_viewer``: has the user scored it?).

    One query whatever the page or the queue's length: the departments joined, whether
    the user scored each idea asked in the same statement. Like
    ``ideaboard.core.paging.paginate`` it fetches one row more than it shows instead of
    counting; the statement is built once, its page bound as parameters.
    """
    rows = plain_rows(_QUEUE_PAGE[_is_admin(user)], {
        "viewer": user.id, "now": now or utcnow(), "limit": per_page + 1,
        "offset": (page - 1) * per_page,
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
        raise ReviewError("Only a manager responsible for an idea under review may score it.")
    # Still under review? Read under a row lock: a decision being made at this moment
    # finishes first (PostgreSQL; SQLite has one writer), and then this one is told.
    status = db.session.execute(sa.select(Idea.status).where(Idea.id == idea.id)
                                .with_for_update()).scalar_one()
    if status != S.IN_REVIEW:
        db.session.refresh(idea, ["status"])
        raise workflow.ConflictError(idea, workflow.latest_change(idea))
    for name, value in (("impact", impact), ("feasibility", feasibility), ("effort", effort)):
        if not 1 <= int(value) <= 5:
            raise ReviewError(f"Score {name} from 1 to 5.")
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
    refresh_merit(idea)
    db.session.refresh(idea, ["review_count", "mean_impact", "mean_feasibility", "mean_effort"])


def refresh_merit(idea) -> float | None:
    """Recompute the merit from the row's own means and Wilson score (atomic).

    ``idea`` is an :class:`Idea`, whose ``merit_score`` then takes the new value, or
    anything with its ``id``. Returns the new merit.
    """
    db.session.flush()  # as the ORM UPDATE's autoflush did: the row's pending changes first
    merit_score = db.session.execute(_REFRESH_MERIT, {"idea_id": idea.id}).scalar_one()
    if isinstance(idea, Idea):
        set_committed_value(idea, "merit_score", merit_score)
    return merit_score


# --- decisions and what follows -------------------------------------------------------

def find_active_user(email: str | None) -> User | None:
    """The active user with that e-mail (any case); None for a blank one; error if unknown."""
    if not (email or "").strip():
        return None
    user = find_by_email(email)
    if user is None or not user.active:
        raise ReviewError("No active user has that e-mail address.")
    return user


def find_idea(idea_id: int | None) -> Idea | None:
    if not idea_id:
        return None
    idea = db.session.get(Idea, idea_id)
    if idea is None:
        raise ReviewError(f"There is no idea #{idea_id}.")
    return idea


def decide(idea: Idea, reviewer: User, decision: str, rationale: str, *,
           owner_email: str | None = None, duplicate_of_id: int | None = None,
           now: datetime | None = None) -> StatusChange:
    """A manager's decision on an idea under review: accepted, needs_info, declined, duplicate."""
    if decision not in workflow.DECISIONS:
        raise ReviewError("Choose a decision.")
    owner = find_active_user(owner_email) if decision == S.ACCEPTED else None
    target = find_idea(duplicate_of_id) if decision == S.DUPLICATE else None
    return workflow.transition(idea, decision, reviewer, reason=rationale, owner=owner,
                               duplicate_of=target, now=now)


def start_work(idea: Idea, actor: User, owner_email: str, note: str = "", *,
               now: datetime | None = None) -> StatusChange:
    """Accepted to in progress, with the person who owns the work."""
    owner = find_active_user(owner_email)
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


# --- what the idea page shows ---------------------------------------------------------

# Statuses whose latest change is "the decision" shown at the top of the idea page.
DECISION_STATUSES = frozenset({S.ACCEPTED, S.NEEDS_INFO, S.DECLINED, S.DUPLICATE,
                               S.IN_PROGRESS, S.IMPLEMENTED, S.WITHDRAWN})
DECIDING_STATUSES = frozenset({S.ACCEPTED, S.NEEDS_INFO, S.DECLINED, S.DUPLICATE, S.WITHDRAWN})


def timeline(idea: Idea) -> list[StatusChange]:
    """Every status change of the idea, oldest first, with its actor (one query)."""
    return list(db.session.scalars(
        sa.select(StatusChange).where(StatusChange.idea_id == idea.id)
        .options(joinedload(StatusChange.actor))
        .order_by(StatusChange.created_at, StatusChange.id)))


def merged_duplicates(idea: Idea) -> list[Idea]:
    """The ideas merged into this one as its duplicates (one query)."""
    return list(db.session.scalars(
        sa.select(Idea).where(Idea.duplicate_of_id == idea.id, Idea.hidden.is_(False))
        .order_by(Idea.id)))


def current_decision(idea: Idea, changes: list[StatusChange]) -> StatusChange | None:
    """The decision behind the idea's current status (for an idea in progress or
    implemented: its acceptance), or None while no decision stands."""
    if idea.status not in DECISION_STATUSES:
        return None
    for change in reversed(changes):
        if change.to_status in DECIDING_STATUSES:
            return change
    return None

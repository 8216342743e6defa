"""The statements behind the review queue and the idea page's review section, built once.

SQLAlchemy keeps the compiled form of a statement object, so the pages built from
statements made at import pay for running them, not for building and keying them (for
the queue count in the navigation, on every page a reviewer sees, building it was most
of its cost). Every value is a bound parameter: ``viewer`` (the reviewer's user id),
``now``, ``limit`` and ``offset`` for the queue; ``idea_id`` for the idea page.
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.org.models import Department, department_managers
from ideaboard.review.models import Review, StatusChange

S = IdeaStatus

# --- the queue ------------------------------------------------------------------------

_ideas = Idea.__table__

# The statuses of a manager's worklists (``review.display.WORKLISTS`` names them): ideas
# waiting for their review, accepted ones waiting to start, work in progress, and ideas
# back with their authors for more information.
WORKLIST_STATUSES = (S.IN_REVIEW, S.ACCEPTED, S.IN_PROGRESS, S.NEEDS_INFO)


def _queue_parts(*, admin: bool, status: IdeaStatus = S.IN_REVIEW
                 ) -> list[sa.ColumnElement[bool]]:
    """Which ideas in ``status`` are in the worklist of the user bound as ``viewer``:
    those held by the queues of the departments they manage (including those escalated
    there), those of the departments they manage that another level holds now (escalated
    from theirs: the responsible managers of ``workflow.is_responsible_manager``), and
    for an admin also those that no department's queue holds (escalated past the root);
    never the viewer's own ideas.

    Each part finds its rows through an index, ``ix_ideas_queue`` (queue_department_id,
    status, ...) or ``ix_ideas_department_status``, on SQLite and PostgreSQL. Written as
    one OR, the parts would read every idea in that status of the whole company instead
    (0.5 ms at 590 of them on SQLite, on every page a reviewer sees). They never overlap."""
    viewer = sa.bindparam("viewer", type_=sa.Integer)
    managed = sa.select(department_managers.c.department_id).where(
        department_managers.c.user_id == viewer)
    # Nobody reviews their own idea: a co-manager of the department sees it, its author
    # does not (the workflow routes it above an author who manages it alone).
    mine = sa.and_(_ideas.c.status == status.value, _ideas.c.author_id != viewer)
    held = sa.and_(mine, _ideas.c.queue_department_id.in_(managed))
    # Escalated from a department the viewer manages: its reviewers keep it in sight.
    escalated_from = sa.and_(mine, _ideas.c.department_id.in_(managed),
                             sa.or_(_ideas.c.queue_department_id.is_(None),
                                    _ideas.c.queue_department_id.not_in(managed)))
    if admin:
        # Held by no department: escalated past the root, or written by someone only
        # the admins can review (``workflow.review_department``).
        return [held, escalated_from,
                sa.and_(mine, _ideas.c.queue_department_id.is_(None),
                        _ideas.c.department_id.not_in(managed))]
    # A moderator hid it: managers cannot open it, so it waits for the moderators.
    return [sa.and_(part, _ideas.c.hidden.is_(False)) for part in (held, escalated_from)]


def queue_where(*, admin: bool, status: IdeaStatus = S.IN_REVIEW) -> sa.ColumnElement[bool]:
    """Which ideas are in the worklist of the user bound as ``viewer`` (``_queue_parts``)."""
    parts = _queue_parts(admin=admin, status=status)
    if len(parts) == 1:
        return parts[0]
    return _ideas.c.id.in_(sa.union_all(*(sa.select(_ideas.c.id).where(p) for p in parts)))


def _count(*, admin: bool, status: IdeaStatus, cap: int | None = None
           ) -> sa.ColumnElement[int]:
    """(count of part 1) + (count of part 2) ...: each part counted on its index, and
    with ``cap`` only up to that many rows each (the database stops reading there)."""
    counts = []
    for part in _queue_parts(admin=admin, status=status):
        if cap is None:
            counted = sa.select(sa.func.count()).select_from(_ideas).where(part)
        else:
            counted = sa.select(sa.func.count()).select_from(
                sa.select(_ideas.c.id).where(part).limit(cap).subquery())
        counts.append(counted.scalar_subquery())
    total: sa.ColumnElement = counts[0]
    for count in counts[1:]:
        total = total + count
    return total


# The navigation shows the count on every page a reviewer sees: built once, so a page
# pays for running indexed COUNTs, not for building them (that was most of its cost).
QUEUE_COUNT = {admin: sa.select(_count(admin=admin, status=S.IN_REVIEW))
               for admin in (False, True)}
# The weekly summary's line on the queue: its length and how many are past their due date
# (the time bound as ``now``), in one statement.
QUEUE_OVERDUE = {admin: sa.select(
    _count(admin=admin, status=S.IN_REVIEW).label("waiting"),
    sa.select(sa.func.count()).select_from(_ideas).where(
        queue_where(admin=admin),
        _ideas.c.review_due_at < sa.bindparam("now", type_=Idea.review_due_at.type))
    .scalar_subquery().label("overdue"))
    for admin in (False, True)}
# The worklist page's tabs: the four lengths in one statement.
# The lists after "To review" are counted up to WORKLIST_COUNT_CAP ("99+"): their rows are
# every accepted, started or returned idea of the managed departments, hundreds in a large
# company, and a tab needs only say that there are many. Counted in full, the worklist
# page's cost grew with the company (2.8 of its 4.3 ms at 100,000 ideas on SQLite).
# The review queue itself is counted exactly: the navigation's badge shows it.
WORKLIST_COUNT_CAP = 99
WORKLIST_COUNTS = {
    admin: sa.select(*(_count(admin=admin, status=status,
                              cap=None if status == S.IN_REVIEW else WORKLIST_COUNT_CAP)
                       .label(status.value)
                       for status in WORKLIST_STATUSES))
    for admin in (False, True)
}


def _candidates(parts: list[sa.ColumnElement[bool]],
                keys: tuple[tuple[str, sa.ColumnElement], ...]) -> sa.Subquery:
    """The id and the sort ``keys`` (name, expression) of every idea in the worklist
    ``parts`` describe, one branch of a UNION ALL per part. Every column a branch reads
    is in the index it searches (``ix_ideas_queue``, ``ix_ideas_department_status``), so
    the database reads index entries only, never an idea's row."""
    return sa.union_all(*(
        sa.select(_ideas.c.id.label("id"), *(key.label(name) for name, key in keys))
        .where(part) for part in parts)).subquery("candidates")


def _page_of(candidates: sa.Subquery, order: tuple) -> sa.Subquery:
    """The ids and sort keys of one page of ``candidates`` in ``order``, its window bound
    as ``limit`` and ``offset``: only these rows are joined to what the page shows.
    Sorted as whole rows, the worklist of a busy department read every idea in it (its
    title and text included): 2.9 of the accepted list's 3 ms of SQL at 100,000 ideas
    on SQLite, against 0.4 ms sorted as index entries."""
    return (sa.select(candidates).order_by(*order)
            .limit(sa.bindparam("limit", type_=sa.Integer))
            .offset(sa.bindparam("offset", type_=sa.Integer))
            .subquery("page"))


# The queue's order: escalated first (their original reviewers left them too long), then
# the other overdue ones (due by the bound ``now``), then by merit (unscored last), then
# the longest waiting, then by id so that pages never overlap. No index hands rows over
# in this order (its first key depends on the time of the request, and a queue may span
# several departments): the indexes find the entries of the viewer's queues, and only
# those are sorted.
QUEUE_KEYS = (
    ("urgency", sa.case((_ideas.c.escalation_level > 0, 0),
                        (_ideas.c.review_due_at <= sa.bindparam("now"), 1), else_=2)),
    ("merit", sa.func.coalesce(_ideas.c.merit_score, -1.0)),
    ("entered", _ideas.c.entered_review_at),
)


def _queue_page(admin: bool) -> sa.Subquery:
    candidates = _candidates(_queue_parts(admin=admin), QUEUE_KEYS)
    c = candidates.c
    return _page_of(candidates, (c.urgency, c.merit.desc(), c.entered, c.id))


_department = Department.__table__.alias("department")
_queue_department = Department.__table__.alias("queue_department")
_owner = User.__table__.alias("owner")
_reviews = Review.__table__

# What a row of the queue page shows, and nothing else (no texts, no ORM objects). The
# queue page unpacks rows in this order (review.display.queue_entries).
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


def _shown(page: sa.Subquery, columns: tuple, order: tuple) -> sa.Select:
    """What the page shows of the ideas of ``page``, in ``order`` (of page's columns)."""
    return (sa.select(*columns)
            .select_from(page)
            .join(_ideas, _ideas.c.id == page.c.id)
            .join(_department, _department.c.id == _ideas.c.department_id)
            .outerjoin(_queue_department,
                       _queue_department.c.id == _ideas.c.queue_department_id)
            .outerjoin(_owner, _owner.c.id == _ideas.c.owner_id)
            .order_by(*order))


def _queue_statement(admin: bool) -> sa.Select:
    page = _queue_page(admin)
    return _shown(page, QUEUE_COLUMNS, (page.c.urgency, page.c.merit.desc(), page.c.entered,
                                        page.c.id))


# One page of a queue (an admin's, or a manager's), its page bound as parameters.
QUEUE_PAGE = {admin: _queue_statement(admin) for admin in (False, True)}

# Since when the idea is in its status (ideas from before the column: their review).
_since = sa.func.coalesce(_ideas.c.status_changed_at, _ideas.c.entered_review_at,
                          _ideas.c.created_at)

# What a row of the other worklists shows, in the order ``display.work_entries`` reads.
WORK_COLUMNS = (
    _ideas.c.id, _ideas.c.title, _ideas.c.department_id, _ideas.c.queue_department_id,
    _since.label("since"), _ideas.c.escalation_level,
    _department.c.name.label("department_name"),
    _queue_department.c.name.label("queue_department_name"),
    _owner.c.display_name.label("owner_name"),
)

# The other worklists' order: escalated (stalled) first, then the longest in that status
# (``status_changed_at`` is set on every idea: its insert default, and the migration that
# added it filled it in), then by id.
WORK_KEYS = (
    ("stalled", sa.case((_ideas.c.escalation_level > 0, 0), else_=1)),
    ("changed", _ideas.c.status_changed_at),
)


def _work_statement(admin: bool, status: IdeaStatus) -> sa.Select:
    candidates = _candidates(_queue_parts(admin=admin, status=status), WORK_KEYS)
    c = candidates.c
    page = _page_of(candidates, (c.stalled, c.changed, c.id))
    return _shown(page, WORK_COLUMNS, (page.c.stalled, page.c.changed, page.c.id))


# One page of the accepted, in-progress or needs-info worklist.
WORK_PAGE = {(admin, status): _work_statement(admin, status)
             for admin in (False, True) for status in WORKLIST_STATUSES[1:]}


# --- the idea page's review section ---------------------------------------------------

# Read as plain rows rather than ORM objects (each status change with its actor as a
# User, each duplicate as a whole Idea): loaded as objects they cost the idea page more
# than the whole floor request, as rows a tenth of that (``review.display``).
TIMELINE = (
    sa.select(StatusChange.id, StatusChange.idea_id, StatusChange.from_status,
              StatusChange.to_status, StatusChange.actor_id, StatusChange.reason,
              StatusChange.created_at, User.display_name, StatusChange.reason_text)
    .outerjoin(User, User.id == StatusChange.actor_id)
    .where(StatusChange.idea_id == sa.bindparam("idea_id"))
    .order_by(StatusChange.created_at, StatusChange.id)
)
MERGED = (
    sa.select(Idea.id, Idea.title)
    .where(Idea.duplicate_of_id == sa.bindparam("idea_id"), Idea.hidden.is_(False))
    .order_by(Idea.id)
)


# --- the pickers of a decision: the idea a duplicate merges into, the owner -----------

# Bound: ``pattern`` (a LIKE pattern of the lower-cased search, escaped with "\\", or
# NULL), ``number`` (the idea number typed, or NULL), ``chosen`` (the id already chosen,
# or NULL: listed first, so a search that pushes it past the limit never drops it),
# ``limit``; for ideas also ``idea_id``, the idea being decided. Each is one statement,
# whatever the number of matches: the page asks one per picker.
_pattern = sa.bindparam("pattern", type_=sa.String)
_chosen = sa.bindparam("chosen", type_=sa.Integer)
_users = User.__table__
_home = Department.__table__.alias("home")

# What a duplicate may be merged into (the workflow checks the same when merging): any
# other idea that is visible and neither withdrawn nor itself a duplicate.
MERGE_CANDIDATES = (
    sa.select(_ideas.c.id, _ideas.c.title, _ideas.c.status)
    .where(_ideas.c.id != sa.bindparam("idea_id", type_=sa.Integer),
           _ideas.c.hidden.is_(False),
           _ideas.c.status.not_in([S.DUPLICATE.value, S.WITHDRAWN.value]),
           sa.or_(sa.func.lower(_ideas.c.title).like(_pattern, escape="\\"),
                  _ideas.c.id == sa.bindparam("number", type_=sa.Integer),
                  _ideas.c.id == _chosen))
    .order_by(sa.case((_ideas.c.id == _chosen, 0), else_=1),
              (_ideas.c.upvotes - _ideas.c.downvotes).desc(), _ideas.c.id)
    .limit(sa.bindparam("limit", type_=sa.Integer))
)

# Who may own the work: any active person, found by name or e-mail.
OWNER_CANDIDATES = (
    sa.select(_users.c.id, _users.c.display_name, _users.c.email,
              _home.c.name.label("department_name"))
    .select_from(_users)
    .outerjoin(_home, _home.c.id == _users.c.department_id)
    .where(_users.c.active.is_(True),
           sa.or_(sa.func.lower(_users.c.display_name).like(_pattern, escape="\\"),
                  sa.func.lower(_users.c.email).like(_pattern, escape="\\"),
                  _users.c.id == _chosen))
    .order_by(sa.case((_users.c.id == _chosen, 0), else_=1),
              sa.func.lower(_users.c.display_name), _users.c.id)
    .limit(sa.bindparam("limit", type_=sa.Integer))
)

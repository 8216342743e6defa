"""The statements behind every figure of /analytics and /impact: one per table.

Each function runs ONE statement (the ledger's page and its two totals, the analytics
page's five) whatever the number of ideas or departments; what a page does in Python
afterwards (medians, percentiles, shares) reads only the rows that one statement
returned. The filters are one ``Filters`` value, so adding one (a campaign, once
campaigns exist) is a field there and a clause in ``_ideas_in``.

Scope: ``Filters.department_ids`` None is the whole company (an admin); otherwise the
figures cover only ideas *for* those departments (``Idea.department_id``) and, for
participation, only people *in* them. Anonymous authors are counted, never named: no
statement here returns an author's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ideaboard.accounts.models import EmailFrequency, User
from ideaboard.analytics.models import InsightSnapshot, OutcomeUnit, OutcomeUnitAlias
from ideaboard.comments.models import Comment
from ideaboard.database import UTCDateTime
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.org.models import Department, department_managers
from ideaboard.review.models import StatusChange
from ideaboard.voting.models import Vote

S = IdeaStatus
# A manager's answer to an idea in review: every change out of review but withdrawal.
DECISIONS: tuple[str, ...] = (S.ACCEPTED.value, S.DECLINED.value, S.NEEDS_INFO.value,
                              S.DUPLICATE.value)
NON_ACCEPT: tuple[str, ...] = (S.DECLINED.value, S.NEEDS_INFO.value, S.DUPLICATE.value)


@dataclass(frozen=True)
class Filters:
    """What a page's figures cover: a period [since, until) and a set of departments."""

    since: datetime
    until: datetime
    department_ids: frozenset[int] | None = None  # None: the whole company


def _ideas_in(filters: Filters, column: Any = None) -> list[sa.ColumnElement[bool]]:
    """The clauses keeping ideas of the filters' departments (the place for a campaign)."""
    clauses: list[sa.ColumnElement[bool]] = []
    if filters.department_ids is not None:
        clauses.append((column if column is not None else Idea.department_id)
                       .in_(sorted(filters.department_ids)))
    return clauses


def _during(column: Any, filters: Filters) -> list[sa.ColumnElement[bool]]:
    return [column >= filters.since, column < filters.until]


def month_of(column: Any) -> sa.ColumnElement[str]:
    """The UTC month of a timestamp as "YYYY-MM", in the database's own dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def _at(expression: Any) -> Any:
    return sa.type_coerce(expression, UTCDateTime)


# --- the impact ledger -------------------------------------------------------------

# The unit an outcome is totalled under: the admin's unit its spelling is an alias of,
# else its own spelling (trimmed).
_ALIAS = aliased(OutcomeUnitAlias)
_UNIT = aliased(OutcomeUnit)
UNIT_NAME: sa.ColumnElement[str] = sa.func.coalesce(_UNIT.name, sa.func.trim(Idea.outcome_unit),
                                                    type_=sa.String)
OWNER = aliased(User)


def _ledger_from(statement: sa.Select) -> sa.Select:
    return (statement.select_from(Idea)
            .join(Department, Department.id == Idea.department_id)
            .outerjoin(_ALIAS, _ALIAS.alias == sa.func.lower(sa.func.trim(Idea.outcome_unit)))
            .outerjoin(_UNIT, _UNIT.id == _ALIAS.unit_id)
            .where(Idea.status == S.IMPLEMENTED.value, Idea.hidden.is_(False)))


def _ledger_where(filters: Filters, unit: str | None) -> list[sa.ColumnElement[bool]]:
    clauses = _ideas_in(filters) + _during(Idea.status_changed_at, filters)
    if unit:
        clauses.append(sa.literal(unit) == UNIT_NAME)
    return clauses


LEDGER_SORTS: dict[str, tuple[Any, ...]] = {
    "newest": (Idea.status_changed_at.desc(), Idea.id.desc()),
    "oldest": (Idea.status_changed_at.asc(), Idea.id.asc()),
    "value": (Idea.outcome_value.desc().nulls_last(), Idea.id.desc()),
    "department": (Department.name.asc(), Idea.status_changed_at.desc(), Idea.id.desc()),
    "title": (Idea.title.asc(), Idea.id.asc()),
}


def ledger_rows(filters: Filters, unit: str | None, sort: str, *, limit: int | None,
                offset: int = 0) -> list[sa.Row]:
    """Implemented ideas (not hidden by a moderator) with their outcome, one statement."""
    statement = _ledger_from(sa.select(
        Idea.id, Idea.title, Idea.outcome_md, Idea.outcome_value,
        Idea.outcome_unit, UNIT_NAME.label("unit"), Idea.status_changed_at.label("implemented_at"),
        OWNER.display_name.label("owner"), Department.name.label("department"),
    )).outerjoin(OWNER, OWNER.id == Idea.owner_id).where(*_ledger_where(filters, unit))
    statement = statement.order_by(*LEDGER_SORTS[sort]).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return list(db.session.execute(statement))


def totals_by_department(filters: Filters, unit: str | None) -> list[sa.Row]:
    """Per department and unit: ideas implemented and the sum of their measured values
    (exact decimals); ideas with no measured value are counted under unit None. The
    totals per unit are these rows added up (``display.impact_totals``)."""
    unit_or_none = sa.case((Idea.outcome_value.is_(None), None), else_=UNIT_NAME)
    statement = _ledger_from(sa.select(
        Department.id.label("department_id"), Department.name.label("department"),
        unit_or_none.label("unit"), sa.func.count(Idea.id).label("ideas"),
        sa.func.sum(Idea.outcome_value).label("total"),
    )).where(*_ledger_where(filters, unit)).group_by(Department.id, Department.name,
                                                     unit_or_none)
    return list(db.session.execute(statement))


def ledger_units() -> list[str]:
    """The units the ledger's outcomes are totalled under (the unit filter's choices)."""
    statement = _ledger_from(sa.select(UNIT_NAME.label("unit")).distinct()) \
        .where(Idea.outcome_value.is_not(None)).order_by(sa.text("1"))
    return [u for u in db.session.scalars(statement) if u]


# --- analytics ---------------------------------------------------------------------

def _activity(filters: Filters) -> sa.Subquery:
    """(person, when, month) for every idea posted, vote cast or changed, comment made in
    the period, on any idea: participation is what people do, wherever."""
    parts = [
        sa.select(Idea.author_id.label("user_id"), Idea.created_at.label("at"))
        .where(*_during(Idea.created_at, filters)),
        sa.select(Vote.user_id.label("user_id"), Vote.updated_at.label("at"))
        .where(*_during(Vote.updated_at, filters)),
        sa.select(Comment.author_id.label("user_id"), Comment.created_at.label("at"))
        .where(*_during(Comment.created_at, filters)),
    ]
    return sa.union_all(*parts).subquery("activity")


def participation(filters: Filters) -> list[sa.Row]:
    """Per department (of the person) and month, and per department over the whole period
    (month None): distinct active people who took part; one statement (GROUPING SETS are
    not in SQLite, so two groupings UNION ALL)."""
    activity = _activity(filters)
    people = [User.active.is_(True), *_ideas_in(filters, User.department_id)]
    by_month = (sa.select(User.department_id, month_of(activity.c.at).label("month"),
                          sa.func.count(sa.distinct(User.id)).label("people"))
                .join(activity, activity.c.user_id == User.id).where(*people)
                .group_by(User.department_id, sa.text("2")))
    overall = (sa.select(User.department_id, sa.null().label("month"),
                         sa.func.count(sa.distinct(User.id)).label("people"))
               .join(activity, activity.c.user_id == User.id).where(*people)
               .group_by(User.department_id))
    return list(db.session.execute(sa.union_all(by_month, overall)))


def active_people(filters: Filters) -> list[sa.Row]:
    """Active people per department (participation's denominator)."""
    statement = (sa.select(User.department_id, sa.func.count(User.id).label("people"))
                 .where(User.active.is_(True), *_ideas_in(filters, User.department_id))
                 .group_by(User.department_id))
    return list(db.session.execute(statement))


def funnel(filters: Filters) -> list[sa.Row]:
    """Per department: ideas submitted in the period, and how many of them reached
    review, were decided from review, accepted and implemented (from the timeline, so an
    idea counts at each step it ever reached, whatever its status now)."""
    change = StatusChange
    submitted = (sa.select(Idea.id, Idea.department_id)
                 .where(*_during(Idea.created_at, filters), *_ideas_in(filters))
                 .subquery("submitted"))
    steps = (sa.select(
        change.idea_id,
        sa.func.max(sa.case((change.to_status == S.IN_REVIEW.value, 1), else_=0)).label("reviewed"),
        sa.func.max(sa.case((sa.and_(change.from_status == S.IN_REVIEW.value,
                                     change.to_status.in_(DECISIONS)), 1), else_=0))
        .label("decided"),
        sa.func.max(sa.case((change.to_status == S.ACCEPTED.value, 1), else_=0)).label("accepted"),
        sa.func.max(sa.case((change.to_status == S.IMPLEMENTED.value, 1), else_=0))
        .label("implemented"),
    ).where(change.idea_id.in_(sa.select(submitted.c.id)))
        .group_by(change.idea_id).subquery("steps"))
    statement = (sa.select(
        submitted.c.department_id,
        sa.func.count(submitted.c.id).label("submitted"),
        sa.func.coalesce(sa.func.sum(steps.c.reviewed), 0).label("reviewed"),
        sa.func.coalesce(sa.func.sum(steps.c.decided), 0).label("decided"),
        sa.func.coalesce(sa.func.sum(steps.c.accepted), 0).label("accepted"),
        sa.func.coalesce(sa.func.sum(steps.c.implemented), 0).label("implemented"),
    ).select_from(submitted).outerjoin(steps, steps.c.idea_id == submitted.c.id)
        .group_by(submitted.c.department_id))
    return list(db.session.execute(statement))


def review_facts(filters: Filters) -> list[sa.Row]:
    """Per idea that first entered review in the period: its department, when it entered,
    its first decision from review, when it last left review, its due date, status now,
    and how many times it was passed up (escalated)."""
    change = StatusChange
    per_idea = (sa.select(
        change.idea_id,
        _at(sa.func.min(sa.case((sa.and_(change.to_status == S.IN_REVIEW.value,
                                         change.from_status != S.IN_REVIEW.value),
                                change.created_at)))).label("entered"),
        _at(sa.func.min(sa.case((sa.and_(change.from_status == S.IN_REVIEW.value,
                                         change.to_status.in_(DECISIONS)),
                                change.created_at)))).label("first_response"),
        _at(sa.func.max(sa.case((sa.and_(change.from_status == S.IN_REVIEW.value,
                                         change.to_status != S.IN_REVIEW.value),
                                change.created_at)))).label("left_review"),
        sa.func.sum(sa.case((change.from_status == change.to_status, 1), else_=0))
        .label("escalations"),
    ).group_by(change.idea_id).subquery("per_idea"))
    statement = (sa.select(Idea.id, Idea.department_id, Idea.status, Idea.review_due_at,
                           per_idea.c.entered, per_idea.c.first_response,
                           per_idea.c.left_review, per_idea.c.escalations)
                 .join(per_idea, per_idea.c.idea_id == Idea.id)
                 .where(*_during(per_idea.c.entered, filters), *_ideas_in(filters)))
    return list(db.session.execute(statement))


def decisions(filters: Filters) -> list[sa.Row]:
    """Decisions made in the period, per department, month, decision and whether a public
    rationale was given; also implementations (to_status "implemented") for the trend."""
    change = StatusChange
    has_reason = sa.case((sa.func.length(sa.func.trim(change.reason)) > 0, 1), else_=0)
    statement = (sa.select(Idea.department_id, month_of(change.created_at).label("month"),
                           change.to_status, has_reason.label("with_reason"),
                           sa.func.count(change.id).label("changes"))
                 .join(Idea, Idea.id == change.idea_id)
                 .where(change.to_status.in_((*DECISIONS, S.IMPLEMENTED.value)),
                        change.from_status != change.to_status,
                        *_during(change.created_at, filters), *_ideas_in(filters))
                 .group_by(Idea.department_id, sa.text("2"), change.to_status, has_reason))
    return list(db.session.execute(statement))


def submissions_by_month(filters: Filters) -> list[sa.Row]:
    """Ideas submitted per department and month in the period."""
    month = month_of(Idea.created_at)
    statement = (sa.select(Idea.department_id, month.label("month"),
                           sa.func.count(Idea.id).label("ideas"))
                 .where(*_during(Idea.created_at, filters), *_ideas_in(filters))
                 .group_by(Idea.department_id, sa.text("2")))
    return list(db.session.execute(statement))


@dataclass(frozen=True)
class AnalyticsRows:
    """What the analytics statements returned for one set of filters, every row with the
    department it belongs to (the person's for participation, the idea's for the rest):
    the figures of any set of those departments are these rows kept to that set
    (``display.analytics``), so one reading of the whole company serves every subtree."""

    participation: list[sa.Row]
    active: list[sa.Row]
    funnel: list[sa.Row]
    review: list[sa.Row]
    decisions: list[sa.Row]
    submissions: list[sa.Row]


def analytics_rows(filters: Filters) -> AnalyticsRows:
    """The rows behind every figure of /analytics (six statements)."""
    return AnalyticsRows(participation(filters), active_people(filters), funnel(filters),
                         review_facts(filters), decisions(filters),
                         submissions_by_month(filters))


# --- the weekly summary ------------------------------------------------------------

def week_changes(since: datetime, until: datetime) -> list[sa.Row]:
    """Decisions from review and implementations in [since, until), on ideas a moderator
    has not hidden: idea id, title, department and the status it moved to, in the order
    they happened (one statement for every manager's summary)."""
    change = StatusChange
    statement = (sa.select(Idea.id, Idea.title, Idea.department_id, change.to_status)
                 .join(Idea, Idea.id == change.idea_id)
                 .where(change.to_status.in_((*DECISIONS, S.IMPLEMENTED.value)),
                        change.from_status != change.to_status, Idea.hidden.is_(False),
                        change.created_at >= since, change.created_at < until)
                 .order_by(change.created_at, change.id))
    return list(db.session.execute(statement))


def summary_readers() -> list[sa.Row]:
    """The people a weekly summary goes to: active managers of at least one department
    whose e-mail is on (each with the departments they manage, one row per pair)."""
    statement = (sa.select(User, department_managers.c.department_id)
                 .join(department_managers, department_managers.c.user_id == User.id)
                 .where(User.active.is_(True), User.erased_at.is_(None),
                        User.email_frequency != EmailFrequency.NEVER.value)
                 .order_by(User.id, department_managers.c.department_id))
    return list(db.session.execute(statement))


def snapshot(key: str, worked_out_since: datetime) -> InsightSnapshot | None:
    """The snapshot ``key`` if it was worked out at or after ``worked_out_since``."""
    return db.session.scalar(sa.select(InsightSnapshot).where(
        InsightSnapshot.key == key, InsightSnapshot.computed_at >= worked_out_since))

"""What the analytics and impact pages show, worked out from their queries' rows.

Only arithmetic on the rows each query returned: medians and 90th percentiles (nearest
rank, so a figure is always a time some idea actually took), shares as whole percents,
departments named from ``org.services.department_rows``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from flask import current_app
from markupsafe import Markup

from ideaboard.analytics import queries
from ideaboard.analytics.queries import DECISIONS, NON_ACCEPT
from ideaboard.core import i18n
from ideaboard.core.i18n import gettext as _
from ideaboard.core.kept import KeptFragment
from ideaboard.core.urls import link_by_id
from ideaboard.ideas.models import IdeaStatus, status_label

DAY = timedelta(days=1)


def nearest_rank(values: Sequence[float], percent: int) -> float | None:
    """The ``percent``-th percentile by nearest rank (50: the median); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def share(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` as a whole percent (rounded down: 99.6% never reads 100%)."""
    return None if whole == 0 else (100 * part) // whole


def days(delta: timedelta) -> float:
    return delta / DAY


@dataclass
class DepartmentSpeed:
    department: str
    reviewed: int = 0
    answered: int = 0
    first_response: list[float] = field(default_factory=list)
    in_review: list[float] = field(default_factory=list)
    breaches: int = 0
    overdue_now: int = 0  # of the breaches: still in review past the due date

    @property
    def median_response(self) -> float | None:
        return nearest_rank(self.first_response, 50)

    @property
    def p90_response(self) -> float | None:
        return nearest_rank(self.first_response, 90)

    @property
    def median_in_review(self) -> float | None:
        return nearest_rank(self.in_review, 50)

    @property
    def p90_in_review(self) -> float | None:
        return nearest_rank(self.in_review, 90)


@dataclass
class DecisionMix:
    department: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DECISIONS, 0))
    non_accept: int = 0
    explained: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Analytics:
    participation: list[dict[str, Any]]
    participation_months: list[tuple[str, int]]
    funnel: list[tuple[str, int, int | None]]
    speed: list[DepartmentSpeed]
    overdue_now: int
    breaches: int
    escalation_levels: list[tuple[int, int]]
    mix: list[DecisionMix]
    explained_share: int | None
    non_accept: int
    trend: list[tuple[str, int, int, int]]

    @property
    def charts(self) -> dict[str, list[tuple[str, Any]]]:
        """Each chart's (label, value) rows: the same numbers as the tables beside them."""
        return {
            "participation": [(r["department"], r["share"]) for r in self.participation],
            "funnel": [(label, n) for label, n, _pct in self.funnel],
            "speed": [(s.department, None if s.p90_response is None
                       else round(s.p90_response, 1)) for s in self.speed],
            "escalations": [(_("At least %(num)d", num=level), n)
                            for level, n in self.escalation_levels],
            "trend": [(month, submitted) for month, submitted, _d, _i in self.trend],
        }


def _names(rows: Iterable[tuple[int, str, int | None]]) -> dict[int | None, str]:
    names: dict[int | None, str] = {d: name for d, name, _parent in rows}
    names[None] = _("No department")
    return names


def analytics(rows: queries.AnalyticsRows, scope: frozenset[int] | None,
              department_rows: Sequence[tuple[int, str, int | None]],
              now: datetime) -> Analytics:
    """Every figure of /analytics from ``rows`` (``queries.analytics_rows``), kept to the
    departments of ``scope`` (None: every one the rows hold)."""
    names = _names(department_rows)

    def kept(found: list) -> list:
        return found if scope is None else [r for r in found if r.department_id in scope]

    # Participation: people per department over the period and per month.
    active = {row.department_id: row.people for row in kept(rows.active)}
    took_part: dict[int | None, int] = {}
    months: dict[str, int] = defaultdict(int)
    for row in kept(rows.participation):
        if row.month is None:
            took_part[row.department_id] = row.people
        else:
            months[row.month] += row.people  # a person is in one department
    participation = sorted(
        ({"department": names.get(d, "?"), "people": took_part.get(d, 0), "active": n,
          "share": share(took_part.get(d, 0), n)} for d, n in active.items()),
        key=lambda r: r["department"])

    # The funnel, each step with its conversion from the step before.
    reached = dict.fromkeys(("submitted", "reviewed", "decided", "accepted", "implemented"), 0)
    for row in kept(rows.funnel):
        for step in reached:
            reached[step] += int(getattr(row, step))
    steps = [(_("Submitted"), reached["submitted"]), (_("Reached review"), reached["reviewed"]),
             (_("Decided"), reached["decided"]), (_("Accepted"), reached["accepted"]),
             (_("Implemented"), reached["implemented"])]
    funnel = [(label, int(n), None if i == 0 else share(int(n), int(steps[i - 1][1])))
              for i, (label, n) in enumerate(steps)]

    # Responsiveness.
    speed: dict[int, DepartmentSpeed] = {}
    levels: dict[int, int] = defaultdict(int)
    overdue_now = breaches = 0
    for row in kept(rows.review):
        entry = speed.setdefault(row.department_id,
                                 DepartmentSpeed(names.get(row.department_id, "?")))
        entry.reviewed += 1
        due = row.review_due_at
        if row.first_response is not None:
            entry.answered += 1
            entry.first_response.append(days(row.first_response - row.entered))
            late = due is not None and row.first_response > due
        else:
            late = due is not None and now > due and row.status == IdeaStatus.IN_REVIEW.value
            overdue_now += late
            entry.overdue_now += late
        if row.left_review is not None and row.status != IdeaStatus.IN_REVIEW.value:
            entry.in_review.append(days(row.left_review - row.entered))
        entry.breaches += late
        breaches += late
        for level in range(1, int(row.escalations or 0) + 1):
            levels[level] += 1
    slowest = sorted(speed.values(), key=lambda s: (-(s.p90_response or math.inf
                                                       if s.answered else math.inf),
                                                    s.department))

    # Decision mix and the trend.
    mix: dict[int, DecisionMix] = {}
    trend: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in kept(rows.decisions):
        if row.to_status == IdeaStatus.IMPLEMENTED.value:
            trend[row.month][2] += row.changes
            continue
        m = mix.setdefault(row.department_id, DecisionMix(names.get(row.department_id, "?")))
        m.counts[row.to_status] += row.changes
        trend[row.month][1] += row.changes
        if row.to_status in NON_ACCEPT:
            m.non_accept += row.changes
            m.explained += row.changes if row.with_reason else 0
    for row in kept(rows.submissions):
        trend[row.month][0] += row.ideas
    non_accept = sum(m.non_accept for m in mix.values())
    explained = sum(m.explained for m in mix.values())
    return Analytics(
        participation=participation,
        participation_months=sorted(months.items()),
        funnel=funnel, speed=slowest, overdue_now=overdue_now, breaches=breaches,
        escalation_levels=sorted(levels.items()),
        mix=sorted(mix.values(), key=lambda m: m.department),
        explained_share=share(explained, non_accept), non_accept=non_accept,
        trend=[(month, *values) for month, values in sorted(trend.items())],  # type: ignore[misc]
    )


# Each CSV export of /analytics: its file name's stem, its header, and its rows.
ANALYTICS_TABLES = ("participation", "funnel", "responsiveness", "escalations", "decisions",
                    "trend")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def analytics_tables(figures: Analytics) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Every table of /analytics as (header, rows) of plain values: what its CSV
    exports say, and what a snapshot keeps (JSON) for them."""
    return {
        "participation": (["department", "took_part", "active_people", "percent"],
                          [[r["department"], r["people"], r["active"], r["share"]]
                           for r in figures.participation]),
        "funnel": (["step", "ideas", "percent_of_previous_step"],
                   [list(step) for step in figures.funnel]),
        "responsiveness": ([
            "department", "ideas_reviewed", "answered", "median_days_to_first_response",
            "p90_days_to_first_response", "median_days_in_review", "p90_days_in_review",
            "sla_breaches", "overdue_now"], [
            [s.department, s.reviewed, s.answered, _round(s.median_response),
             _round(s.p90_response), _round(s.median_in_review), _round(s.p90_in_review),
             s.breaches, s.overdue_now] for s in figures.speed]),
        "escalations": (["passed_up_at_least_times", "ideas"],
                        [[level, ideas] for level, ideas in figures.escalation_levels]),
        "decisions": (["department", *DECISIONS, "non_accept", "with_public_rationale"],
                      [[m.department, *[m.counts[d] for d in DECISIONS], m.non_accept,
                        m.explained] for m in figures.mix]),
        "trend": (["month", "submitted", "decided", "implemented"],
                  [list(month) for month in figures.trend]),
    }


def figures_html(figures: Analytics, since: date, until: date,
                 csv_args: dict[str, str]) -> Markup:
    """The figures part of /analytics (``analytics/_figures.html``), rendered without a
    request, so the worker can render it ahead of the views (``services``)."""
    template = current_app.jinja_env.get_template("analytics/_figures.html")
    return Markup(template.render(figures=figures, since=since, until=until,  # nosec B704
                                  csv_args=csv_args, decisions=DECISIONS,
                                  label=decision_label))


def decision_label(status: str) -> str:
    return status_label(status)


@dataclass(frozen=True)
class Total:
    """One line of the impact totals: a unit (None: not measured), perhaps a department."""

    unit: str | None
    ideas: int
    total: Decimal | None
    department: str = ""


def _by_unit_key(unit: str | None) -> tuple[bool, str]:
    return (unit is not None, unit or "")  # "not measured" first, then by name


def impact_totals(rows: Iterable[Sequence[Any]], scope: frozenset[int] | None,
                  unit: str | None) -> tuple[list[Total], list[Total]]:
    """The totals per unit and per department and unit, from the rows of
    ``queries.totals_by_department`` as (department id, name, unit, ideas, total), kept to
    ``scope`` (None: all) and ``unit`` (None: all)."""
    by_unit: dict[str | None, list] = {}
    by_department = []
    for department_id, department, row_unit, ideas, total in rows:
        if (scope is not None and department_id not in scope) or \
                (unit is not None and row_unit != unit):
            continue
        amount = None if total is None else Decimal(total)
        by_department.append(Total(row_unit, int(ideas), amount, department))
        kept = by_unit.setdefault(row_unit, [0, None])
        kept[0] += int(ideas)
        if amount is not None:
            kept[1] = amount if kept[1] is None else kept[1] + amount
    by_department.sort(key=lambda t: (t.department, *_by_unit_key(t.unit)))
    return ([Total(u, n, t) for u, (n, t) in sorted(by_unit.items(),
                                                     key=lambda i: _by_unit_key(i[0]))],
            by_department)


def impact_totals_html(by_unit: list[Total], by_department: list[Total],
                       csv_args: dict[str, str]) -> Markup:
    """The totals part of /impact (``analytics/_impact_totals.html``), rendered without a
    request, so the worker can render the unfiltered one ahead of the views."""
    template = current_app.jinja_env.get_template("analytics/_impact_totals.html")
    return Markup(template.render(by_unit=by_unit, by_department=by_department,  # nosec B704
                                  csv_args=csv_args, total_text=total_text))


class LedgerEntry(NamedTuple):
    """What one row of the impact ledger shows, as text: the key of its kept markup."""

    id: int
    title: str
    outcome: str
    value: str
    unit: str
    owner: str
    department: str
    implemented_on: str


# The ledger's rows kept per application (about 600 bytes each with its key): an edit
# of any shown value is another key, so nothing kept goes stale.
LEDGER_ROW_CACHE_SIZE = 1024
LEDGER_ROW: KeptFragment[LedgerEntry] = KeptFragment(
    "analytics/_ledger_row.html", "ledger_row",
    lambda entry: (entry, link_by_id("ideas.detail").format(entry.id)),
    maxsize=LEDGER_ROW_CACHE_SIZE)


def ledger_rows_html(rows: Iterable[Any]) -> Markup:
    """The ledger's table rows for the rows of ``queries.ledger_rows``."""
    return LEDGER_ROW.join((LedgerEntry(
        r.id, r.title, r.outcome_md or "", total_text(r.outcome_value), r.unit or "",
        r.owner or "", r.department, r.implemented_at.date().isoformat()) for r in rows),
        separator="\n")


def total_text(total: Decimal | None) -> str:
    """A sum as the page writes it, in its language: no trailing ".00" on whole numbers."""
    if total is None:
        return ""
    return i18n.number(total, places=0 if total == total.to_integral_value() else 2, trim=False)

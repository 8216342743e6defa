"""Verbs of insight: the unit table (admins add a unit with its aliases, remove one), the
snapshots the worker keeps of the figures, and the managers' weekly summary e-mail.
They flush; the request or the job commits.

Snapshots: the figures of /analytics read the period's every vote, comment and timeline
entry (two seconds at 100,000 ideas and 1,000,000 votes), so a view cannot work them
out. The worker reads the rows of the default view (the last ``DEFAULT_DAYS`` days) for
the whole company once, every ``INSIGHT_REFRESH_SECONDS``, and keeps the figures of
every scope a view may ask for: the company, each department's subtree, each manager's
departments (``display.analytics`` keeps the company's rows to each). A view with the
default period shows its scope's snapshot, with the time it was worked out; any other
period, or no snapshot of today's period, is worked out for the view. The same for the
totals of /impact over the whole record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from ideaboard.accounts.models import EmailTopic, User
from ideaboard.analytics import display, queries
from ideaboard.analytics.models import (
    KEY_LENGTH,
    UNIT_LENGTH,
    InsightSnapshot,
    OutcomeUnit,
    OutcomeUnitAlias,
    unit_key,
)
from ideaboard.audit.services import record
from ideaboard.core import i18n
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import ngettext
from ideaboard.core.transactions import unit_of_work
from ideaboard.core.urls import absolute_url
from ideaboard.extensions import db
from ideaboard.ideas.models import IdeaStatus, status_label
from ideaboard.notifications.delivery import idea_url
from ideaboard.notifications.mail import queue_email
from ideaboard.org import services as org
from ideaboard.org.models import department_managers
from ideaboard.review.services import queue_and_overdue

# The default period of /analytics: the last DEFAULT_DAYS days, today included (UTC).
DEFAULT_DAYS = 90
# The first day of "the whole record" on /impact.
RECORD_START = datetime(2000, 1, 1, tzinfo=UTC)
REFRESH_KEY = "refresh"  # the snapshot row that claims a run (see refresh_claimed)
IMPACT_KEY = "impact"

SUMMARY_PERIOD = timedelta(days=7)
# How many decided or implemented ideas a summary lists by title; the rest are counted
# and the analytics page has them all.
SUMMARY_LISTED = 10

# The common units, seeded by the migration and the demo: (name, aliases).
COMMON_UNITS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hours a year", ("hours/year", "h/yr", "hours per year", "hrs/year", "h/year")),
    ("euros a year", ("eur/year", "€/year", "euro/year", "euros per year", "eur/yr")),
    ("kg CO2 a year", ("kg co2/year", "kgco2/yr", "kg co2e/year")),
    ("percent", ("%", "per cent")),
)


class UnitError(ValueError):
    """A unit change refused; the message is safe to show beside ``field``."""

    def __init__(self, message: str, field: str = "name"):
        super().__init__(message)
        self.field = field


def parse_aliases(text: str) -> list[str]:
    """The aliases typed one per line or separated by commas, normalised, no repeats."""
    seen: list[str] = []
    for part in text.replace(",", "\n").splitlines():
        key = unit_key(part)
        if key and key not in seen:
            seen.append(key)
    return seen


def add_unit(name: str, aliases: list[str], actor: User | None) -> OutcomeUnit:
    """A new unit named ``name`` matched by its own name and each alias."""
    name = " ".join(name.split())
    keys = [unit_key(name), *[a for a in aliases if a != unit_key(name)]]
    if any(len(k) > UNIT_LENGTH for k in keys):
        raise UnitError(_("Each alias can be at most %(num)d characters.", num=UNIT_LENGTH),
                        "aliases")
    if db.session.scalar(sa.select(OutcomeUnit.id).where(
            sa.func.lower(OutcomeUnit.name) == name.lower())) is not None:
        raise UnitError(_("There is already a unit with that name."))
    taken = list(db.session.scalars(
        sa.select(OutcomeUnitAlias.alias).where(OutcomeUnitAlias.alias.in_(keys))))
    if taken:
        raise UnitError(_("Already a spelling of another unit: %(spellings)s.",
                          spellings=", ".join(sorted(taken))),
                        "name" if unit_key(name) in taken else "aliases")
    unit = OutcomeUnit(name=name, aliases=[OutcomeUnitAlias(alias=k) for k in keys])
    db.session.add(unit)
    db.session.flush()
    record(actor, "unit.create", unit, after={"name": name, "aliases": keys})
    return unit


def remove_unit(unit: OutcomeUnit, actor: User | None) -> None:
    """Remove a unit and its aliases: outcomes spelt so are totalled as written again."""
    record(actor, "unit.delete", unit, before={"name": unit.name,
                                               "aliases": [a.alias for a in unit.aliases]})
    db.session.delete(unit)
    db.session.flush()


def seed_common_units() -> None:
    """Add the common units that are missing (the demo data)."""
    for name, aliases in COMMON_UNITS:
        exists = db.session.scalar(sa.select(OutcomeUnit.id).where(OutcomeUnit.name == name))
        if exists is None:
            add_unit(name, list(aliases), None)


# --- snapshots ---------------------------------------------------------------------

def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def default_period(today: date) -> tuple[datetime, datetime]:
    """[since, until) of /analytics without dates: the last DEFAULT_DAYS days to today."""
    return (start_of(today - timedelta(days=DEFAULT_DAYS - 1)),
            start_of(today) + timedelta(days=1))


def analytics_key(roots: Iterable[int] | None) -> str:
    """The snapshot of the subtrees of ``roots`` (None: the whole company)."""
    return "analytics:all" if roots is None else \
        "analytics:" + ",".join(str(d) for d in sorted(set(roots)))


# "@de": a snapshot is rendered in each language offered (its tables' labels too).
LANGUAGE_SUFFIX = 17


def kept_key(key: str, language: str | None = None) -> str:
    """The snapshot row of ``key`` in ``language`` (None: the current one)."""
    return f"{key}@{language or i18n.current_language()}"


def refresh_claimed(now: datetime, every: timedelta) -> bool:
    """Claim the next refresh if the last began ``every`` or more ago (the caller runs
    this in a short exclusive unit of work, so two workers never both claim one)."""
    claim = db.session.get(InsightSnapshot, REFRESH_KEY, populate_existing=True)
    if claim is not None and claim.computed_at > now - every:
        return False
    if claim is None:
        db.session.add(InsightSnapshot(key=REFRESH_KEY, computed_at=now))
    else:
        claim.computed_at = now
    db.session.flush()
    return True


def work_out_snapshots(now: datetime) -> dict[str, tuple[str, dict]]:
    """Every snapshot as of ``now``: key -> (html, tables). Only reads (seven statements
    and the rendering); run it outside a writing transaction."""
    rows = org.department_rows()
    since, until = default_period(now.date())
    found = queries.analytics_rows(queries.Filters(since, until, None))
    scopes: dict[str, frozenset[int] | None] = {analytics_key(None): None}
    managed: dict[int, set[int]] = defaultdict(set)
    for user_id, department_id in db.session.execute(sa.select(
            department_managers.c.user_id, department_managers.c.department_id)):
        managed[user_id].add(department_id)
    for roots in [{d} for d, _name, _parent in rows] + list(managed.values()):
        key = analytics_key(roots)
        # A manager of very many departments: worked out per view.
        if len(key) + LANGUAGE_SUFFIX <= KEY_LENGTH:
            scopes[key] = frozenset(org.subtree_ids(rows, roots))
    period = [since.date().isoformat(), (until - timedelta(days=1)).date().isoformat()]
    totals = [[r.department_id, r.department, r.unit, r.ideas,
               None if r.total is None else str(r.total)]
              for r in queries.totals_by_department(
                  queries.Filters(RECORD_START, now + timedelta(days=1), None), None)]
    units = queries.ledger_units()
    snapshots = {}
    # The rows are read once; each language gets its own rendering (labels, dates).
    for language in i18n.language_codes():
        with i18n.in_language(language):
            for key, scope in scopes.items():
                figures = display.analytics(found, scope, rows, now)
                department = key.partition(":")[2]
                csv_args = {"department": department} if department.isdigit() else {}
                html = display.figures_html(figures, since.date(),
                                            (until - timedelta(days=1)).date(), csv_args)
                snapshots[kept_key(key, language)] = (
                    str(html), {"period": period, **display.analytics_tables(figures)})
            html = display.impact_totals_html(*display.impact_totals(totals, None, None), {})
            snapshots[kept_key(IMPACT_KEY, language)] = (
                str(html), {"totals": totals, "units": units})
    return snapshots


def refresh_snapshots(now: datetime) -> int:
    """Work every snapshot out as of ``now`` reading only (the figures read the period's
    every vote and comment: never inside the write lock), then write them in a short
    unit of their own. Returns how many were written. Outside a request (the worker)."""
    with unit_of_work(writes=False):
        snapshots = work_out_snapshots(now)
    with unit_of_work():
        return store_snapshots(snapshots, now)


def store_snapshots(snapshots: dict[str, tuple[str, dict]], now: datetime) -> int:
    """Write the snapshots worked out as of ``now``, and drop those of scopes gone (a
    department removed, a manager no longer one). Returns how many were written."""
    kept = {s.key: s for s in db.session.scalars(sa.select(InsightSnapshot))}
    for key, (html, tables) in snapshots.items():
        snapshot = kept.pop(key, None)
        if snapshot is None:
            db.session.add(InsightSnapshot(key=key, computed_at=now, html=html, tables=tables))
        else:
            snapshot.computed_at, snapshot.html, snapshot.tables = now, html, tables
    for key, snapshot in kept.items():
        if key != REFRESH_KEY:
            db.session.delete(snapshot)
    db.session.flush()
    return len(snapshots)


# --- the weekly summary ------------------------------------------------------------

def send_weekly_summaries(now: datetime) -> int:
    """Queue one summary e-mail per manager of the week before ``now``: their review
    queue and how much of it is overdue, and what was decided and implemented in the
    departments they manage and all beneath. Managers who turned the topic off, or all
    e-mail, get none; nor does a manager with nothing to report. Returns how many were
    queued. Flushes; the caller commits (the worker's weekly job, or the CLI command)."""
    since = now - SUMMARY_PERIOD
    readers: dict[int, User] = {}
    managed: dict[int, list[int]] = defaultdict(list)
    for user, department_id in queries.summary_readers():
        if user.wants_email_about(EmailTopic.WEEKLY_SUMMARY.value):
            readers[user.id] = user
            managed[user.id].append(department_id)
    if not readers:
        return 0
    rows = org.department_rows()
    names = {department_id: name for department_id, name, _parent in rows}
    changes = queries.week_changes(since, now)
    queued = 0
    for user_id, user in readers.items():
        subtree = org.subtree_ids(rows, managed[user_id])
        mine = [c for c in changes if c.department_id in subtree]
        waiting, overdue = queue_and_overdue(user, now)
        if not (mine or waiting):
            continue
        with i18n.in_language(user.locale):
            departments = ", ".join(sorted(names[d] for d in managed[user_id]))
            queue_email(user.email,
                        _("[Ideaboard] Your week: %(waiting)d to review, %(overdue)d overdue",
                          waiting=waiting, overdue=overdue),
                        _summary_text(user, departments, since, now, waiting, overdue, mine))
        queued += 1
    return queued


def _summary_text(user: User, departments: str, since: datetime, until: datetime,
                  waiting: int, overdue: int, changes: list[sa.Row]) -> str:
    implemented = [c for c in changes if c.to_status == IdeaStatus.IMPLEMENTED.value]
    decided = [c for c in changes if c.to_status != IdeaStatus.IMPLEMENTED.value]
    last_day = until - timedelta(days=1)
    lines = [_("Hello %(name)s,", name=user.display_name), "",
             _("Your week on Ideaboard, %(since)s to %(until)s, in %(departments)s and the "
               "departments below.", since=i18n.day_and_month(since),
               until=i18n.long_date(last_day, padded=True), departments=departments), "",
             ngettext("Your review queue: %(num)d idea waiting, %(overdue)d of them past "
                      "their due date.",
                      "Your review queue: %(num)d ideas waiting, %(overdue)d of them past "
                      "their due date.", waiting, overdue=overdue),
             absolute_url("review.queue"), ""]
    headings = ((ngettext("Decided last week: %(num)d idea.",
                          "Decided last week: %(num)d ideas.", len(decided)), decided, True),
                (ngettext("Implemented last week: %(num)d idea.",
                          "Implemented last week: %(num)d ideas.", len(implemented)),
                 implemented, False))
    for heading, listed, with_status in headings:
        lines.append(heading)
        for change in listed[:SUMMARY_LISTED]:
            label = f"{status_label(change.to_status)}: " if with_status else ""
            lines += [f"- {label}{change.title}", f"  {idea_url(change.id)}"]
        if len(listed) > SUMMARY_LISTED:
            lines.append(_("- and %(count)d more", count=len(listed) - SUMMARY_LISTED))
        lines.append("")
    lines += [_("How fast your departments answer, and what came of it, on the analytics "
                "page:"), absolute_url("analytics.index"), "",
              _("Stop these weekly summaries in your e-mail preferences:"),
              absolute_url("accounts.email_preferences")]
    return "\n".join(lines)


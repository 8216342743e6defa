"""What the review queue and the idea page's review section show, and the queue's kept rows.

The queue: the view (``review.routes.queue``) reads one page of ``services.queue_page``;
``queue_entries`` turns its rows into ``QueueEntry`` tuples, and ``queue_rows_html``
their markup, kept per application (``QUEUE_ROW``, a ``core.kept.KeptFragment``).

The idea page: every idea page shows the idea's timeline and the ideas merged into it.
Loaded as ORM objects (each status change with its actor as a User, each duplicate as a
whole Idea) they cost the page more than the whole floor request; read as plain rows
(``core.rows``) from statements built once (``review.queries``) they cost a tenth of
that. This is the one way the timeline and the merged duplicates are read: the review
page shows the same rows, through the same partials, and ``services.current_decision``
finds the decision among them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from flask_babel.speaklater import LazyString
from markupsafe import Markup

from ideaboard.core.i18n import Text, ngettext, number
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.kept import KeptFragment
from ideaboard.core.rows import rows as plain_rows
from ideaboard.core.templating import time_ago
from ideaboard.core.urls import link_by_id
from ideaboard.ideas.models import IdeaStatus
from ideaboard.review.queries import MERGED, TIMELINE

# --- the queue ------------------------------------------------------------------------


def age_text(delta: timedelta) -> str:
    """How long something has lasted, in whole days: "less than a day", "1 day",
    "12 days" (the worklists' ages, how overdue an idea is)."""
    days = delta.days
    if days < 1:
        return _("less than a day")
    return ngettext("%(num)d day", "%(num)d days", days)


def escalated_to(escalation_level: int, queue_department_name: str | None) -> str | None:
    """Where an escalated idea is now, in words ("Escalated to Operations"); None for an
    idea that never escalated (a queue shows nothing then, never "0")."""
    if not escalation_level:
        return None
    if queue_department_name is None:
        return _("Escalated to the administrators")
    return _("Escalated to %(department)s", department=queue_department_name)


class QueueEntry(NamedTuple):
    """One row of the review queue, worked out in Python once rather than in the
    template cell by cell (``url_for`` and number formatting per row were most of the
    page's cost). Its markup depends on nothing else (``queue_rows_html``)."""

    id: int
    title: str
    url: str
    scored_by_viewer: bool
    department_name: str
    queue_name: str | None  # set when a never-escalated idea waits in another queue
    waiting: str
    due_at: datetime | None
    due_relative: str  # "in 2 days", "3 days ago": at ``now``, so part of the row's key
    overdue: str | None  # "5 days overdue", None when it is not
    upvotes: int
    downvotes: int
    net_votes: int
    wilson: str
    review_count: int
    mean_scores: str | None  # "impact / feasibility / effort", None until scored
    merit: str
    escalated_to: str | None  # "Escalated to Operations", None when not escalated


def queue_entries(rows, now) -> list[QueueEntry]:
    """The rows of ``services.queue_page`` as the table shows them at ``now``."""
    link = link_by_id("review.idea")
    administrators = _("administrators")
    entries = []
    # Unpacked in the order of queries.QUEUE_COLUMNS: reading a result row's fields by
    # name cost more than all the rest of this loop.
    for (idea_id, title, department_id, queue_department_id, entered_review_at, review_due_at,
         upvotes, downvotes, wilson_score, review_count, mean_impact, mean_feasibility,
         mean_effort, merit_score, escalation_level, department_name, queue_department_name,
         scored_by_viewer) in rows:
        escalated = escalated_to(escalation_level, queue_department_name)
        entries.append(QueueEntry(
            id=idea_id,
            title=title,
            url=link.format(idea_id),
            scored_by_viewer=bool(scored_by_viewer),
            department_name=department_name,
            queue_name=(None if queue_department_id == department_id or escalated
                        else queue_department_name or administrators),
            waiting=age_text(now - entered_review_at) if entered_review_at else "",
            due_at=review_due_at,
            due_relative=time_ago(review_due_at, now) if review_due_at is not None else "",
            overdue=(_("%(age)s overdue", age=age_text(now - review_due_at))
                     if review_due_at is not None and review_due_at <= now else None),
            upvotes=upvotes,
            downvotes=downvotes,
            net_votes=upvotes - downvotes,
            wilson=number(wilson_score, places=2, trim=False),
            review_count=review_count,
            mean_scores=(" / ".join(number(mean, places=1, trim=False)
                                    for mean in (mean_impact, mean_feasibility, mean_effort))
                         if review_count else None),
            merit=number(merit_score, places=0) if merit_score is not None else "\u2013",
            escalated_to=escalated,
        ))
    return entries


# The markup of each row, kept per application and keyed by the whole QueueEntry
# (everything the row shows, "you scored it" and the days waited included): a vote, a
# review, an escalation or another day make another key, so nothing kept can go stale.
# About 1 kB a row.
QUEUE_ROW_CACHE_SIZE = 2048
QUEUE_ROW: KeptFragment[QueueEntry] = KeptFragment(
    "review/_queue_row.html", "queue_row", lambda entry: (entry,),
    maxsize=QUEUE_ROW_CACHE_SIZE)


def queue_rows_html(entries: list[QueueEntry]) -> Markup:
    """The table rows of ``entries``, each from the kept markup when there is one."""
    return QUEUE_ROW.join(entries, separator="\n")


class Worklist(NamedTuple):
    """One of a manager's worklists: its key in the address (``?list=``), the status of
    its ideas, its name on its tab, what its age column says, and its empty state (the
    words translated where they are shown)."""

    key: str
    status: IdeaStatus
    label: str | LazyString
    age_heading: str | LazyString
    empty: str | LazyString


# The review area's four lists, in the order of their tabs (the first is the default).
WORKLISTS: tuple[Worklist, ...] = (
    Worklist("review", IdeaStatus.IN_REVIEW, _l("To review"), _l("Waiting"),
             _l("Nothing is waiting for your review.")),
    Worklist("accepted", IdeaStatus.ACCEPTED, _l("Accepted, waiting to start"),
             _l("Accepted for"), _l("No accepted idea is waiting to start.")),
    Worklist("in-progress", IdeaStatus.IN_PROGRESS, _l("In progress"), _l("In progress for"),
             _l("No idea is in progress.")),
    Worklist("needs-info", IdeaStatus.NEEDS_INFO, _l("Needs info, waiting on the author"),
             _l("Waiting for"), _l("No idea is waiting on its author for more information.")),
)
WORKLIST_BY_KEY = {worklist.key: worklist for worklist in WORKLISTS}


class WorkEntry(NamedTuple):
    """One row of the accepted, in-progress or needs-info worklist."""

    id: int
    title: str
    url: str
    department_name: str
    escalated_to: str | None
    age: str  # how long in its status: "12 days"
    since: datetime
    owner_name: str | None


def work_entries(rows, now: datetime) -> list[WorkEntry]:
    """The rows of ``services.work_page`` as its table shows them at ``now``."""
    link = link_by_id("review.idea")
    return [
        WorkEntry(id=idea_id, title=title, url=link.format(idea_id),
                  department_name=department_name,
                  escalated_to=escalated_to(escalation_level, queue_department_name),
                  age=age_text(now - since), since=since,
                  owner_name=owner_name)
        for (idea_id, title, _department_id, _queue_department_id, since, escalation_level,
             department_name, queue_department_name, owner_name) in rows
    ]


# --- the idea page's review section ---------------------------------------------------


class Actor(NamedTuple):
    """Who made a status change, as the timeline names them."""

    display_name: str


class TimelineEntry(NamedTuple):
    """One status change of an idea: ``StatusChange``'s columns and its actor's name."""

    id: int
    idea_id: int
    from_status: str | None
    to_status: str
    actor_id: int | None  # None: the system
    reason: str
    created_at: datetime
    actor: Actor | None


class MergedDuplicate(NamedTuple):
    """An idea merged into another as its duplicate, as the idea page links to it."""

    id: int
    title: str


def timeline(idea_id: int) -> list[TimelineEntry]:
    """Every status change of the idea, oldest first, with its actor's name (one query);
    a reason the system wrote is in the current language."""
    # _make: a checker cannot count the columns of a row's slice.
    return [TimelineEntry._make((*row[:5], str(Text.from_json(row[8])) if row[8] else row[5],
                                 row[6], Actor(row[7]) if row[4] is not None else None))
            for row in plain_rows(TIMELINE, {"idea_id": idea_id})]


def merged_duplicates(idea_id: int) -> list[MergedDuplicate]:
    """The visible ideas merged into this one as its duplicates (one query)."""
    return [MergedDuplicate(*row) for row in plain_rows(MERGED, {"idea_id": idea_id})]


# --- the pickers of a decision ----------------------------------------------------------

def merge_choice_label(number: int, title: str, status: str) -> str:
    """How the duplicate picker names an idea: its number, title and status."""
    return f"#{number} {title} ({IdeaStatus(status).label})"


def owner_choice_label(name: str, email: str, department: str | None) -> str:
    """How the owner picker names a person: their name, department and e-mail."""
    if department:
        return f"{name} ({department}, {email})"
    return f"{name} ({email})"

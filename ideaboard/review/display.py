"""What the review queue and the idea page's review section show, and the queue's kept rows.

The queue: the view (``review.routes.queue``) reads one page of ``services.queue_page``;
``queue_entries`` turns its rows into ``QueueEntry`` tuples, and ``queue_rows_html``
their markup, kept per application (``QUEUE_ROW``, a ``core.kept.KeptFragment``) and
worded (``queue_row``) only when it is made.

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
    return age_in_days(delta.days)


def age_in_days(days: int) -> str:
    """``age_text`` of a number of whole days."""
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
    """One row of the review queue: the facts it shows, read from the page's rows once
    (``url_for`` and number formatting per row were most of the page's cost). It is the
    key of the row's kept markup (``queue_rows_html``): the facts, not their words, so
    a kept row costs no translation; ``QueueRow`` words it when its markup is made."""

    id: int
    title: str
    url: str
    scored_by_viewer: bool
    department_name: str
    in_other_queue: bool  # a never-escalated idea waiting in another department's queue
    queue_department_name: str | None  # None: the administrators' queue
    waiting_days: int | None  # None before it entered review
    due_at: datetime | None
    due_relative: str  # "in 2 days", "3 days ago": at ``now``, so part of the row's key
    overdue_days: int | None  # None when it is not overdue
    upvotes: int
    downvotes: int
    wilson_score: float
    review_count: int
    mean_scores: tuple[float, float, float] | None  # impact, feasibility, effort
    merit_score: float | None
    escalation_level: int


class QueueRow(NamedTuple):
    """A ``QueueEntry`` in words, as its macro (``review/_queue_row.html``) shows it."""

    id: int
    title: str
    url: str
    scored_by_viewer: bool
    department_name: str
    queue_name: str | None  # set when a never-escalated idea waits in another queue
    waiting: str
    due_at: datetime | None
    due_relative: str
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
    entries = []
    # Unpacked in the order of queries.QUEUE_COLUMNS: reading a result row's fields by
    # name cost more than all the rest of this loop.
    for (idea_id, title, department_id, queue_department_id, entered_review_at, review_due_at,
         upvotes, downvotes, wilson_score, review_count, mean_impact, mean_feasibility,
         mean_effort, merit_score, escalation_level, department_name, queue_department_name,
         scored_by_viewer) in rows:
        entries.append(QueueEntry(
            id=idea_id,
            title=title,
            url=link.format(idea_id),
            scored_by_viewer=bool(scored_by_viewer),
            department_name=department_name,
            in_other_queue=queue_department_id != department_id and not escalation_level,
            queue_department_name=queue_department_name,
            waiting_days=(now - entered_review_at).days if entered_review_at else None,
            due_at=review_due_at,
            due_relative=time_ago(review_due_at, now) if review_due_at is not None else "",
            overdue_days=((now - review_due_at).days
                          if review_due_at is not None and review_due_at <= now else None),
            upvotes=upvotes,
            downvotes=downvotes,
            wilson_score=wilson_score,
            review_count=review_count,
            mean_scores=((mean_impact, mean_feasibility, mean_effort)
                         if review_count else None),
            merit_score=merit_score,
            escalation_level=escalation_level or 0,
        ))
    return entries


def queue_row(entry: QueueEntry) -> QueueRow:
    """``entry`` in the current language's words and numbers."""
    escalated = escalated_to(entry.escalation_level, entry.queue_department_name)
    return QueueRow(
        id=entry.id,
        title=entry.title,
        url=entry.url,
        scored_by_viewer=entry.scored_by_viewer,
        department_name=entry.department_name,
        queue_name=((entry.queue_department_name or _("administrators"))
                    if entry.in_other_queue else None),
        waiting="" if entry.waiting_days is None else age_in_days(entry.waiting_days),
        due_at=entry.due_at,
        due_relative=entry.due_relative,
        overdue=(None if entry.overdue_days is None
                 else _("%(age)s overdue", age=age_in_days(entry.overdue_days))),
        upvotes=entry.upvotes,
        downvotes=entry.downvotes,
        net_votes=entry.upvotes - entry.downvotes,
        wilson=number(entry.wilson_score, places=2, trim=False),
        review_count=entry.review_count,
        mean_scores=(" / ".join(number(mean, places=1, trim=False)
                                for mean in entry.mean_scores)
                     if entry.mean_scores is not None else None),
        merit=(number(entry.merit_score, places=0)
               if entry.merit_score is not None else "\u2013"),
        escalated_to=escalated,
    )


# The markup of each row, kept per application and language and keyed by the whole
# QueueEntry (every fact the row shows, "you scored it" and the days waited included):
# a vote, a review, an escalation or another day make another key, so nothing kept can
# go stale; the row is worded (QueueRow) only when its markup is made.
# About 1 kB a row.
QUEUE_ROW_CACHE_SIZE = 2048
QUEUE_ROW: KeptFragment[QueueEntry] = KeptFragment(
    "review/_queue_row.html", "queue_row", lambda entry: (queue_row(entry),),
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

"""The review queue's rows as the table shows them, worked out once per row in Python.

The view (``review.routes.queue``) reads one page of ``services.queue_page``; this module
turns its rows into ``QueueEntry`` tuples and their markup, which is kept per worker.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from flask import Flask, current_app
from markupsafe import Markup

from ideaboard.core.urls import link_by_id


class QueueEntry(NamedTuple):
    """One row of the review queue, worked out in Python once rather than in the
    template cell by cell (``url_for`` and number formatting per row were most of the
    page's cost). Its markup depends on nothing else (``rows_html``)."""

    id: int
    title: str
    url: str
    scored_by_viewer: bool
    department_name: str
    queue_name: str | None  # set when the idea waits in another department's queue
    waiting_days: int | str
    due_iso: str
    due_date: str
    overdue: bool
    upvotes: int
    downvotes: int
    net_votes: int
    wilson: str
    review_count: int
    mean_scores: str | None  # "impact / feasibility / effort", None until scored
    merit: str
    escalation_level: int


def entries(rows, now) -> list[QueueEntry]:
    """The rows of ``services.queue_page`` as the table shows them at ``now``."""
    link = link_by_id("review.idea")
    entries = []
    # Unpacked in the order of services.QUEUE_COLUMNS: reading a result row's fields by
    # name cost more than all the rest of this loop.
    for (idea_id, title, department_id, queue_department_id, entered_review_at, review_due_at,
         upvotes, downvotes, wilson_score, review_count, mean_impact, mean_feasibility,
         mean_effort, merit_score, escalation_level, department_name, queue_department_name,
         scored_by_viewer) in rows:
        due_iso = review_due_at.isoformat() if review_due_at is not None else ""
        entries.append(QueueEntry(
            id=idea_id,
            title=title,
            url=link.format(idea_id),
            scored_by_viewer=bool(scored_by_viewer),
            department_name=department_name,
            queue_name=(None if queue_department_id == department_id
                        else queue_department_name or "administrators"),
            waiting_days=(now - entered_review_at).days if entered_review_at else "",
            due_iso=due_iso,
            due_date=due_iso[:10],  # YYYY-MM-DD, as the |date filter writes it (UTC)
            overdue=review_due_at is not None and review_due_at <= now,
            upvotes=upvotes,
            downvotes=downvotes,
            net_votes=upvotes - downvotes,
            wilson=f"{wilson_score:.2f}",
            review_count=review_count,
            mean_scores=(f"{mean_impact:.1f} / {mean_feasibility:.1f} / {mean_effort:.1f}"
                         if review_count else None),
            merit=f"{merit_score:.0f}" if merit_score is not None else "\u2013",
            escalation_level=escalation_level,
        ))
    return entries


# The markup of each row, kept per worker and keyed by the whole QueueEntry (everything
# the row shows, "you scored it" and the days waited included): a vote, a review, an
# escalation or another day make another key, so nothing kept can go stale. About 1 kB
# a row.
QUEUE_ROW_CACHE_SIZE = 2048


def _row_renderer() -> Callable[[QueueEntry], str]:
    """The ``queue_row`` macro of ``review/_queue_row.html`` behind a bounded cache."""
    app: Flask = current_app._get_current_object()
    renderer = app.extensions.get("ideaboard.queue_rows")
    if renderer is None:
        macro = app.jinja_env.get_template("review/_queue_row.html").module.queue_row

        def render(entry: QueueEntry) -> str:
            return str(macro(entry))

        # While templates reload on change (development), render every time.
        renderer = render if app.jinja_env.auto_reload else lru_cache(QUEUE_ROW_CACHE_SIZE)(render)
        app.extensions["ideaboard.queue_rows"] = renderer
    return renderer


def rows_html(entries: list[QueueEntry]) -> Markup:
    """The table rows of ``entries``, each from the kept markup when there is one."""
    render = _row_renderer()
    # Each row from the autoescaping queue_row macro.
    return Markup("\n".join([render(entry) for entry in entries]))  # nosec B704

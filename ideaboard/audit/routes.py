"""The audit trail page for admins: filter, page through, export as CSV."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, render_template, request, stream_with_context
from sqlalchemy.orm import joinedload

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from ideaboard.accounts.models import find_by_email
from ideaboard.audit import display
from ideaboard.audit.forms import AuditFilterForm
from ideaboard.audit.models import AuditEntry
from ideaboard.audit.services import entries_query
from ideaboard.core.csvexport import attachment, csv_lines
from ideaboard.core.forms import add_error
from ideaboard.core.i18n import gettext as _
from ideaboard.core.paging import Keyset, seek_entities
from ideaboard.core.permissions import requires
from ideaboard.core.urls import link_by_id
from ideaboard.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

CSV_COLUMNS = ["id", "created_at", "actor_id", "actor_email", "action", "object_type",
               "object_id", "before", "after", "reason"]
PAGE_SIZE = 50
# Newest first, then by id: the page's link carries the time and id it ends at.
ENTRIES_KEYSET = Keyset("audit.entries", AuditEntry.created_at, AuditEntry.id, "datetime")
ACTOR = joinedload(AuditEntry.actor)


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _filtered_query(form: AuditFilterForm):
    """The entries matching the form (an unknown actor e-mail matches nothing)."""
    if not form.validate():
        return None
    actor = (form.actor.data or "").strip().lower()
    actor_id = None
    if actor and actor != "system":
        person = find_by_email(actor)
        actor_id = person.id if person is not None else None
        if actor_id is None:
            add_error(form.actor, _("No one has that e-mail address."))
            return None
    return entries_query(
        action=form.action.data or None,
        object_type=form.object_type.data or None,
        actor_id=actor_id,
        system_only=actor == "system",
        since=_day_start(form.since.data) if form.since.data else None,
        until=_day_start(form.until.data) + timedelta(days=1) if form.until.data else None,
    )


def _choices(column) -> list[str]:
    return list(db.session.scalars(sa.select(column).distinct().order_by(column)))


def _csv_rows(query):
    for entry in db.session.scalars(query.execution_options(yield_per=500)):
        yield (entry.id, entry.created_at.isoformat(), entry.actor_id,
               entry.actor.email if entry.actor else "system", entry.action,
               entry.object_type, entry.object_id,
               json.dumps(entry.before, sort_keys=True) if entry.before is not None else "",
               json.dumps(entry.after, sort_keys=True) if entry.after is not None else "",
               entry.reason)


@bp.get("")
@requires("admin.audit")
def index():
    """The filtered audit trail, newest first; ``?format=csv`` streams every matching row."""
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", _("Any action"))] + [
        SelectChoice(a, display.action_label(a)) for a in _choices(AuditEntry.action)]
    form.object_type.choices = [SelectChoice("", _("Any type"))] + [
        SelectChoice(t, display.type_label(t)) for t in _choices(AuditEntry.object_type)]
    query = _filtered_query(form)
    if request.args.get("format") == "csv" and query is not None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        lines = csv_lines(CSV_COLUMNS, _csv_rows(query.options(ACTOR)))
        return Response(stream_with_context(lines), mimetype="text/csv",
                        headers=attachment(f"audit-{stamp}.csv"))
    page, entries = None, []
    if query is not None:
        page = seek_entities(query, ENTRIES_KEYSET, PAGE_SIZE, options=(ACTOR,))
        entries = display.rows(page.items, link_by_id("ideas.detail"),
                               link_by_id("comments.show", "comment_id"),
                               link_by_id("campaigns.detail", "campaign_id"))
    status = 200 if query is not None else 422
    return render_template("audit/index.html", form=form, page=page, entries=entries), status

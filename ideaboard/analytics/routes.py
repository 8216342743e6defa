"""/analytics (managers: their subtree; admins: the company), /impact (everyone) and the
admin's units page. Views parse the filters, ask ``display``/``queries``, and render or
export; the units page calls ``services``, and the request boundary commits."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from ideaboard.analytics import display, queries, services
from ideaboard.analytics.forms import AnalyticsFilterForm, ImpactFilterForm, PeriodForm, UnitForm
from ideaboard.analytics.models import OutcomeUnit
from ideaboard.core.csvexport import csv_response
from ideaboard.core.forms import add_error, required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.paging import Page, page_number
from ideaboard.core.permissions import authorize, requires
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.org import services as org
from ideaboard.org.models import department_managers

bp = Blueprint("analytics", __name__)

PER_PAGE = 20  # as the idea lists
IMPACT_TABLES = ("ledger", "units", "departments")


def _day(value: date) -> datetime:
    return services.start_of(value)


def _period(form: PeriodForm) -> tuple[datetime, datetime]:
    """[since, until) from the form; the default period (services.default_period) if empty."""
    today = utcnow().date()
    default_since, default_until = services.default_period(form.until.data or today)
    since = _day(form.since.data) if form.since.data else default_since
    return since, default_until


def _choices(rows: tuple[tuple[int, str, int | None], ...], allowed: set[int] | None,
             blank: str) -> list[SelectChoice]:
    return [c for c in org.department_choices(blank, rows)
            if c.value == 0 or allowed is None or c.value in allowed]


def _managed() -> list[int] | None:
    """The departments the viewer manages; None for an admin (the whole company)."""
    if current_user.role == "admin":
        return None
    return list(db.session.scalars(sa.select(department_managers.c.department_id)
                                   .where(department_managers.c.user_id == current_user.id)))


def _fresh_since() -> datetime:
    """Snapshots worked out before this are too old to show (the worker has stopped)."""
    return utcnow() - timedelta(seconds=3 * float(current_app.config["INSIGHT_REFRESH_SECONDS"]))


@bp.get("/analytics")
@requires("analytics.view")
def index() -> Any:
    """Participation, the funnel, responsiveness, decision mix and trends; ``?format=csv``
    with ``table=`` one of ``display.ANALYTICS_TABLES`` exports that table. The default
    period is shown from the worker's snapshot of the viewer's scope when there is a
    fresh one of today's period (``services``), else worked out here."""
    rows = org.department_rows()
    managed = _managed()
    subtree = None if managed is None else frozenset(org.subtree_ids(rows, managed))
    form = AnalyticsFilterForm(request.args)
    form.department.choices = _choices(rows, set(subtree) if subtree is not None else None,
                                       _("All my departments") if subtree is not None
                                       else _("The whole company"))
    if not form.validate():
        return render_template("analytics/index.html", form=form, figures_html=None), 422
    scope, roots = subtree, managed
    if form.department.data:
        authorize("analytics.department",
                  (form.department.data, subtree if subtree is not None
                   else frozenset(d for d, _n, _p in rows)))
        roots = [form.department.data]
        scope = frozenset(org.subtree_ids(rows, roots))
    since, until = _period(form)
    last_day = (until - timedelta(days=1)).date()
    kept = None
    if (since, until) == services.default_period(utcnow().date()):
        kept = queries.snapshot(services.kept_key(services.analytics_key(roots)),
                                _fresh_since())
        if kept is not None and kept.tables.get("period") != [since.date().isoformat(),
                                                             last_day.isoformat()]:
            kept = None  # worked out on another day
    if kept is not None:
        # Rendered by the worker from the same autoescaped template.
        tables, html, as_of = kept.tables, Markup(kept.html), kept.computed_at  # nosec B704
    else:
        figures = display.analytics(queries.analytics_rows(queries.Filters(since, until, scope)),
                                    None, rows, utcnow())
        tables, as_of = display.analytics_tables(figures), None
        html = display.figures_html(figures, since.date(), last_day,
                                    {k: v for k, v in request.args.items()
                                     if k in ("department", "since", "until")})
    if request.args.get("format") == "csv":
        table = request.args.get("table", "")
        if table not in display.ANALYTICS_TABLES:
            abort(404)
        header, table_rows = tables[table]
        return csv_response(f"{table}.csv", header, table_rows)
    return render_template("analytics/index.html", form=form, figures_html=html, as_of=as_of,
                           refresh_minutes=round(
                               float(current_app.config["INSIGHT_REFRESH_SECONDS"]) / 60))


@bp.get("/impact")
@requires("impact.view")
def impact() -> Any:
    """The impact ledger: implemented ideas and their measured results, with totals per
    unit and per department; ``?format=csv`` with ``table=`` one of IMPACT_TABLES. Over
    the whole record the totals come from the worker's snapshot when it is fresh."""
    rows = org.department_rows()
    form = ImpactFilterForm(request.args)
    form.department.choices = org.department_choices(_("Every department"), rows)
    whole_record = not (form.until.data or form.since.data)
    kept = queries.snapshot(services.kept_key(services.IMPACT_KEY),
                            _fresh_since()) if whole_record else None
    units = kept.tables["units"] if kept is not None else queries.ledger_units()
    form.unit.choices = [SelectChoice("", _("Every unit"))] + [SelectChoice(u, u) for u in units]
    if not form.validate() or form.sort.data not in queries.LEDGER_SORTS:
        return render_template("analytics/impact.html", form=form, page=None), 422
    scope = (frozenset(org.subtree_ids(rows, [form.department.data]))
             if form.department.data else None)
    if whole_record:  # the page a leader shows the board
        since, until = services.RECORD_START, utcnow() + timedelta(days=1)
    else:
        since, until = _period(form)
    filters = queries.Filters(since, until, scope)
    unit, sort = form.unit.data or None, form.sort.data
    as_csv = request.args.get("format") == "csv"
    csv_args = {k: v for k, v in request.args.items()
                if k in ("department", "since", "until", "unit", "sort")}
    totals_html = None
    by_unit: list[display.Total]
    by_department: list[display.Total]
    if kept is not None and not (scope or unit or as_csv):
        totals_html = Markup(kept.html)  # nosec B704 (rendered by the worker, autoescaped)
        by_unit = by_department = []  # the worker's rendering shows them
    elif kept is not None:
        by_unit, by_department = display.impact_totals(kept.tables["totals"], scope, unit)
    else:
        by_unit, by_department = display.impact_totals(
            ((r.department_id, r.department, r.unit, r.ideas, r.total)
             for r in queries.totals_by_department(filters, unit)), None, None)
    if as_csv:
        table = request.args.get("table", "ledger")
        if table == "ledger":
            return csv_response("impact.csv", [
                "idea_id", "title", "outcome", "value", "unit", "unit_as_entered", "owner",
                "department", "implemented_on"], [
                (r.id, r.title, r.outcome_md, r.outcome_value, r.unit, r.outcome_unit, r.owner,
                 r.department, r.implemented_at.date().isoformat())
                for r in queries.ledger_rows(filters, unit, sort, limit=None)])
        if table == "units":
            return csv_response("impact-units.csv", ["unit", "ideas", "total"],
                                [(t.unit or "not measured", t.ideas, t.total) for t in by_unit])
        if table == "departments":
            return csv_response("impact-departments.csv", ["department", "unit", "ideas", "total"],
                                [(t.department, t.unit or "not measured", t.ideas, t.total)
                                 for t in by_department])
        abort(404)
    number = page_number()
    found = queries.ledger_rows(filters, unit, sort, limit=PER_PAGE + 1,
                                offset=(number - 1) * PER_PAGE)
    page = Page(items=found[:PER_PAGE], page=number, per_page=PER_PAGE,
                has_next=len(found) > PER_PAGE)
    if totals_html is None:
        totals_html = display.impact_totals_html(by_unit, by_department, csv_args)
    return render_template("analytics/impact.html", form=form, page=page,
                           ledger_html=display.ledger_rows_html(page.items),
                           totals_html=totals_html, csv_args=csv_args,
                           total_text=display.total_text,
                           as_of=kept.computed_at if kept is not None else None)


@bp.route("/admin/units", methods=["GET", "POST"])
@requires("admin.units")
def units() -> Any:
    """The units outcomes are totalled in, and their other spellings; add one here."""
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = services.add_unit(required(form.name.data),
                                     services.parse_aliases(form.aliases.data or ""),
                                     current_user)
        except services.UnitError as error:
            add_error(getattr(form, error.field), str(error))
        else:
            flash(_("Added the unit %(name)s.", name=unit.name), "success")
            return redirect(url_for("analytics.units"))
    listed = list(db.session.scalars(sa.select(OutcomeUnit).order_by(OutcomeUnit.name)
                                     .options(sa.orm.selectinload(OutcomeUnit.aliases))))
    return render_template("analytics/units.html", form=form, units=listed), \
        422 if request.method == "POST" else 200


@bp.post("/admin/units/<int:unit_id>/delete")
@requires("admin.units")
def delete_unit(unit_id: int) -> Any:
    """Remove a unit: outcomes spelt as its aliases are totalled as written again."""
    unit = db.session.get(OutcomeUnit, unit_id) or abort(404)
    services.remove_unit(unit, current_user)
    flash(_("Removed the unit %(name)s.", name=unit.name), "success")
    return redirect(url_for("analytics.units"))

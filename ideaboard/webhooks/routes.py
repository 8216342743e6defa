"""The admin's webhooks pages (``/admin/webhooks``): the endpoints, registering one (its
secret shown once), editing, switching off and deleting one, an endpoint's latest
deliveries, and sending it a test event."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ideaboard.core.forms import add_error, required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.permissions import requires
from ideaboard.extensions import db
from ideaboard.webhooks import display, queries, services
from ideaboard.webhooks.forms import EndpointForm
from ideaboard.webhooks.models import WebhookEndpoint

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")

DELIVERIES_SHOWN = 25


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    return db.session.get(WebhookEndpoint, endpoint_id) or abort(404)


def _values(form: EndpointForm) -> dict:
    return {"url": required(form.url.data), "kind": required(form.kind.data),
            "events": form.events.data or [], "department_id": form.department.data or None,
            "active": bool(form.active.data)}


def _form_page(form: EndpointForm, endpoint: WebhookEndpoint | None):
    status = 422 if request.method == "POST" else 200
    return render_template("webhooks/form.html", form=form, endpoint=endpoint), status


@bp.get("/")
@requires("admin.webhooks")
def index():
    rows = db.session.execute(queries.ENDPOINTS).all()
    return render_template("webhooks/index.html", rows=rows, shown_url=display.shown_url,
                           kinds=display.KIND_NAMES,
                           failing=[e for e, _name in rows if e.failing or e.disabled_reason])


@bp.route("/new", methods=["GET", "POST"])
@requires("admin.webhooks")
def new():
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint, secret = services.create_endpoint(current_user, **_values(form))
        except services.WebhookError as error:
            add_error(getattr(form, error.field), str(error))
        else:
            # Shown on this answer only: never flashed (the cookie is not encrypted),
            # never logged, and no page shows it again.
            return render_template("webhooks/created.html", endpoint=endpoint, secret=secret)
    return _form_page(form, None)


@bp.get("/<int:endpoint_id>")
@requires("admin.webhooks")
def show(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    deliveries = db.session.execute(queries.LATEST_DELIVERIES, {
        "endpoint_id": endpoint.id, "limit": DELIVERIES_SHOWN}).all()
    return render_template("webhooks/show.html", endpoint=endpoint, deliveries=deliveries,
                           shown_url=display.shown_url, states=display.STATE_LABELS,
                           kinds=display.KIND_NAMES)


@bp.route("/<int:endpoint_id>/edit", methods=["GET", "POST"])
@requires("admin.webhooks")
def edit(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    form = EndpointForm(obj=endpoint)
    if request.method == "GET":
        form.events.data = endpoint.events.split()
        form.department.data = endpoint.department_id or 0
    if form.validate_on_submit():
        try:
            services.update_endpoint(endpoint, current_user, **_values(form))
        except services.WebhookError as error:
            add_error(getattr(form, error.field), str(error))
        else:
            flash(_("The endpoint is saved."), "success")
            return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))
    return _form_page(form, endpoint)


@bp.post("/<int:endpoint_id>/active")
@requires("admin.webhooks")
def set_active(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    active = request.form.get("active") == "1"
    services.set_active(endpoint, current_user, active)
    flash(_("The endpoint is active again.") if active else _(
        "The endpoint is switched off: nothing is delivered to it until it is reactivated."),
        "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/delete")
@requires("admin.webhooks")
def delete(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    services.delete_endpoint(endpoint, current_user)
    flash(_("The endpoint and its deliveries are deleted."), "success")
    return redirect(url_for("webhooks.index"))


@bp.post("/<int:endpoint_id>/test")
@requires("admin.webhooks")
def send_test(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    services.send_test(endpoint)
    flash(_("A test event is queued: the worker sends it within moments. Its delivery "
            "shows below."), "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id))

"""Admin pages: people, invitations and departments."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ideaboard.accounts import services as accounts
from ideaboard.accounts.models import Invitation, User
from ideaboard.admin import services
from ideaboard.admin.forms import ROLE_LABELS, DepartmentForm, InviteForm, UserEditForm
from ideaboard.core import transactions
from ideaboard.core.forms import add_error, form_status, required
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.permissions import requires
from ideaboard.extensions import db
from ideaboard.org import services as org
from ideaboard.org.models import Department

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The admin sub-navigation; sections of capabilities not installed are left out.
ADMIN_SECTIONS = [
    ("admin.users", _l("People")),
    ("admin.invitations", _l("Invitations")),
    ("admin.departments", _l("Departments")),
    ("identity.admin_status", _l("Single sign-on")),
    ("moderation.queue", _l("Moderation")),
    ("audit.index", _l("Audit trail")),
    ("analytics.units", _l("Units")),
    ("provisioning.index", _l("Provisioning")),
    ("webhooks.index", _l("Webhooks")),
    ("tokens.service", _l("API tokens")),
    ("privacy.retention", _l("Retention")),
]


@bp.app_context_processor
def admin_navigation():
    return {"admin_sections": [(e, label) for e, label in ADMIN_SECTIONS
                               if e in current_app.view_functions]}


def _department(department_id: int | None) -> Department | None:
    return db.session.get(Department, department_id) if department_id else None


def _departments(ids: list[int]) -> list[Department]:
    return [d for d in (db.session.get(Department, i) for i in ids) if d is not None]


@bp.get("/")
@requires("admin.users")
def index():
    return redirect(url_for("admin.users"))


@bp.get("/users")
@requires("admin.users")
def users():
    query = request.args.get("q", "", type=str)[:100]
    role = request.args.get("role", "", type=str)
    known_role = role if role in {"employee", "manager", "admin"} else None
    people = services.search_users(query, role=known_role)
    return render_template("admin/users.html", people=people, query=query, role=role,
                           role_labels=ROLE_LABELS)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("admin.users")
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.department.data = user.department_id or 0
        form.managed_departments.data = [d.id for d in user.managed_departments]
    if form.validate_on_submit():
        try:
            services.update_user(
                user,
                role=form.role.data,
                department=_department(form.department.data),
                managed_departments=_departments(form.managed_departments.data or []),
                actor=current_user,
            )
        except services.AdminError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Saved %(name)s.", name=user.display_name), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_edit.html", user=user, form=form), form_status()


@bp.post("/users/<int:user_id>/active")
@requires("admin.users")
def set_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    active = request.form.get("active") == "1"
    try:
        services.set_active(user, active, current_user)
    except services.AdminError as error:
        transactions.discard()
        flash(str(error), "error")
    else:
        flash(_("%(name)s is active again.", name=user.display_name) if active
              else _("%(name)s is deactivated.", name=user.display_name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/sign-out")
@requires("admin.users")
def sign_out_everywhere(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    accounts.sign_out_everywhere(user, current_user)
    flash(_("%(name)s is signed out on every device.", name=user.display_name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/invitations", methods=["GET", "POST"])
@requires("admin.users")
def invitations():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            accounts.invite(required(form.email.data), form.role.data,
                            _department(form.department.data), current_user)
        except accounts.AccountError as error:
            add_error(form.email, str(error))
        else:
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("admin.invitations"))
    pending = db.session.scalars(
        db.select(Invitation).order_by(Invitation.created_at.desc()).limit(100)
    ).all()
    return render_template("admin/invitations.html", form=form, invitations=pending,
                           role_labels=ROLE_LABELS), form_status()


@bp.get("/departments")
@requires("admin.departments")
def departments():
    tree = org.tree_order(org.all_departments(with_managers=True))
    return render_template("admin/departments.html", tree=tree)


@bp.route("/departments/new", methods=["GET", "POST"])
@requires("admin.departments")
def new_department():
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            department = org.create_department(
                required(form.name.data), parent=_department(form.parent.data),
                actor=current_user, review_threshold=required(form.review_threshold.data),
                review_sla_days=required(form.review_sla_days.data),
                description=form.description.data or "",
            )
        except org.OrgError as error:
            add_error(getattr(form, error.field), str(error))
        else:
            flash(_("Created %(name)s.", name=department.name), "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, department=None), form_status()


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@requires("admin.departments")
def edit_department(department_id: int):
    department = db.session.get(Department, department_id) or abort(404)
    form = DepartmentForm(obj=department)
    if request.method == "GET":
        form.parent.data = department.parent_id or 0
    if form.validate_on_submit():
        try:
            org.update_department(
                department, name=required(form.name.data), parent=_department(form.parent.data),
                review_threshold=required(form.review_threshold.data),
                review_sla_days=required(form.review_sla_days.data),
                description=form.description.data or "", actor=current_user,
            )
        except org.OrgError as error:
            add_error(getattr(form, error.field), str(error))
        else:
            flash(_("Saved %(name)s.", name=department.name), "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, department=department), \
        form_status()

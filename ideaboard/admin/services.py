"""Admin operations on people: search, roles, managed departments, (de)activation.

Every change is written to the audit trail with its before and after.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ideaboard.accounts.models import Role, User
from ideaboard.accounts.services import end_all_sessions, user_snapshot
from ideaboard.audit.services import changes, record
from ideaboard.core.i18n import gettext as _
from ideaboard.core.paging import Keyset, KeysetPage, seek_entities
from ideaboard.extensions import db
from ideaboard.org.models import Department


class AdminError(ValueError):
    """A change the rules refuse; the message is safe to show."""


# Alphabetically (case aside), then by id; a page's link carries the name it ends at.
USERS_KEYSET = Keyset("admin.users", sa.func.lower(User.display_name), User.id, "text",
                      descending=False)


def search_users(query: str = "", *, role: str | None = None, per_page: int = 25) -> KeysetPage:
    """People whose name or e-mail contains ``query``, alphabetically: the page the
    request's cursor asks for, not counted."""
    select = sa.select(User)
    if query := (query or "").strip():
        pattern = f"%{query.lower()}%"
        select = select.where(
            sa.or_(sa.func.lower(User.display_name).like(pattern),
                   sa.func.lower(User.email).like(pattern))
        )
    if role:
        select = select.where(User.role == role)
    return seek_entities(select, USERS_KEYSET, per_page, options=(
        selectinload(User.department), selectinload(User.managed_departments)))


def update_user(user: User, *, role: str, department: Department | None,
                managed_departments: list[Department], actor: User) -> None:
    """Change a person's role, home department and managed departments."""
    role = Role(role).value
    if user.id == actor.id and role != Role.ADMIN:
        raise AdminError(_("You cannot take away your own admin role."))
    if role == Role.EMPLOYEE and managed_departments:
        raise AdminError(_("Only managers and admins can manage departments; "
                           "choose the manager role or clear the managed departments."))
    if role == Role.MANAGER and not managed_departments:
        raise AdminError(_("A manager must manage at least one department."))
    before = user_snapshot(user)
    user.role = role
    user.department = department
    user.managed_departments = sorted(managed_departments, key=lambda d: d.name)
    db.session.flush()
    old, new = changes(before, user_snapshot(user))
    if new:
        record(actor, "user.update", user, before=old, after=new)


def set_active(user: User, active: bool, actor: User) -> None:
    """Deactivate (cannot log in; what they wrote stays) or reactivate a person."""
    if user.id == actor.id and not active:
        raise AdminError(_("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        # Otherwise reactivating would bring the old sessions (and stolen copies) back.
        end_all_sessions(user)
    db.session.flush()
    record(actor, "user.reactivate" if active else "user.deactivate", user,
           before={"active": not active}, after={"active": active})

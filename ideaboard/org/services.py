"""The org tree: creating, editing and moving departments, and naming their managers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple, Protocol, TypeVar

import sqlalchemy as sa
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import selectinload

# SelectChoice is new in WTForms 3.3; types-WTForms (3.2) does not know it yet.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from ideaboard.accounts.models import Role, User
from ideaboard.audit.services import changes, record
from ideaboard.core.i18n import gettext as _
from ideaboard.core.kept import per_app
from ideaboard.core.rows import rows as plain_rows
from ideaboard.extensions import db
from ideaboard.org.models import Department
from ideaboard.org.queries import BY_SLUG, DEPARTMENT_OPTIONS


class OrgError(ValueError):
    """A change that would break the org tree; the message is safe to show.

    ``field`` names the form field the message belongs beside.
    """

    def __init__(self, message: str, field: str = "name"):
        super().__init__(message)
        self.field = field


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "department"


def all_departments(*, with_managers: bool = False) -> list[Department]:
    query = sa.select(Department).order_by(Department.name)
    if with_managers:
        query = query.options(selectinload(Department.managers))
    return list(db.session.scalars(query))


class TreeNode(Protocol):
    """What placing a department in the tree reads: a Department, or a row of its columns."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def parent_id(self) -> int | None: ...


Node = TypeVar("Node", bound=TreeNode)


def tree_order(departments: Iterable[Node]) -> list[tuple[Node, int]]:
    """Departments depth-first from the roots, each with its depth (for indented lists)."""
    departments = list(departments)
    children: dict[int | None, list[Node]] = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department)
    for siblings in children.values():
        siblings.sort(key=lambda d: d.name.lower())
    ordered: list[tuple[Node, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for department in children.get(parent_id, []):
            ordered.append((department, depth))
            walk(department.id, depth + 1)

    walk(None, 0)
    return ordered


def department_rows() -> tuple[tuple[int, str, int | None], ...]:
    """Every department's (id, name, parent id), one statement: the key of whatever is
    worked out from the org tree and kept (a renamed or moved department is a new key)."""
    return tuple(tuple(row) for row in plain_rows(DEPARTMENT_OPTIONS))


def department_choices(blank: str | LazyString | None = None,
                       rows: tuple[tuple[int, str, int | None], ...] | None = None
                       ) -> list[SelectChoice]:
    """Select options in tree order, indented by depth; ``blank`` adds a 0 "none" option
    (its text in the current language: a lazy one is read here, as it is part of the
    kept options' key). ``rows``: the ``department_rows`` already read."""
    return list(_choices(department_rows() if rows is None else rows,
                         None if blank is None else str(blank)))


@per_app(maxsize=64)
def _choices(rows: tuple[tuple[int, str, int | None], ...],
             blank: str | None) -> tuple[SelectChoice, ...]:
    """The options for these department rows: worked out once per distinct org tree (the
    rows are the key, so a renamed or moved department is a new entry, never stale)."""
    departments = [_DepartmentRow(*row) for row in rows]
    choices = [SelectChoice(0, blank)] if blank else []
    choices += [SelectChoice(d.id, "\u2003" * depth + d.name)
                for d, depth in tree_order(departments)]
    return tuple(choices)


class _DepartmentRow(NamedTuple):
    id: int
    name: str
    parent_id: int | None


def get_by_slug(slug: str) -> Department | None:
    """The department at /departments/<slug> (statement built once: a list page asks it)."""
    return db.session.scalar(BY_SLUG, {"slug": slug})


def ancestors(department: Department) -> list[Department]:
    """The department's parent, grandparent, ... up to the root."""
    chain, seen = [], {department.id}
    current = department.parent
    while current is not None and current.id not in seen:
        chain.append(current)
        seen.add(current.id)
        current = current.parent
    return chain


def _snapshot(department: Department) -> dict:
    return {
        "name": department.name,
        "slug": department.slug,
        "parent_id": department.parent_id,
        "review_threshold": department.review_threshold,
        "review_sla_days": department.review_sla_days,
        "description": department.description,
    }


def _check_unique(name: str, slug: str, exclude_id: int | None) -> None:
    query = sa.select(Department).where(
        sa.or_(sa.func.lower(Department.name) == name.lower(), Department.slug == slug)
    )
    if exclude_id is not None:
        query = query.where(Department.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise OrgError(_("Another department already has that name."))


def _check_parent(department: Department | None, parent: Department | None) -> None:
    if parent is None or department is None:
        return
    if parent.id == department.id or department in ancestors(parent):
        raise OrgError(_("A department cannot sit under itself or one of its own "
                         "sub-departments."), field="parent")


def create_department(name: str, *, parent: Department | None, actor: User | None,
                      review_threshold: int = 5, review_sla_days: int = 14,
                      description: str = "") -> Department:
    name = name.strip()
    slug = slugify(name)
    _check_unique(name, slug, None)
    department = Department(name=name, slug=slug, parent=parent, description=description,
                            review_threshold=review_threshold, review_sla_days=review_sla_days)
    db.session.add(department)
    db.session.flush()
    record(actor, "department.create", department, after=_snapshot(department))
    return department


def update_department(department: Department, *, name: str, parent: Department | None,
                      review_threshold: int, review_sla_days: int, description: str,
                      actor: User) -> None:
    """Edit and/or move a department, refusing cycles in the tree."""
    before = _snapshot(department)
    name = name.strip()
    slug = slugify(name)
    _check_unique(name, slug, department.id)
    _check_parent(department, parent)
    department.name = name
    department.slug = slug
    department.parent = parent
    department.review_threshold = review_threshold
    department.review_sla_days = review_sla_days
    department.description = description
    db.session.flush()
    old, new = changes(before, _snapshot(department))
    if new:
        action = "department.move" if "parent_id" in new else "department.update"
        record(actor, action, department, before=old, after=new)


def managers_of(department: Department) -> list[User]:
    return [m for m in department.managers if m.active and m.role in (Role.MANAGER, Role.ADMIN)]


def subtree_ids(rows: Iterable[tuple[int, str, int | None]], roots: Iterable[int]) -> set[int]:
    """The ids of the ``roots`` and every department below them, from ``department_rows``
    (no query of its own): a manager's figures cover the departments they manage and
    all beneath."""
    children: dict[int | None, list[int]] = {}
    for department_id, _name, parent_id in rows:
        children.setdefault(parent_id, []).append(department_id)
    found: set[int] = set()
    stack = list(roots)
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found

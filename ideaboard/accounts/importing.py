"""Importing people from a CSV file (email, name, department, role), all or nothing."""

from __future__ import annotations

import csv
import secrets
from dataclasses import dataclass, field
from typing import IO

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from ideaboard.accounts.models import Role, User
from ideaboard.accounts.services import create_user, normalise_email
from ideaboard.extensions import db
from ideaboard.org.models import Department

REQUIRED_COLUMNS = ("email", "name", "department", "role")


@dataclass
class ImportReport:
    created: list[User] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "line N: problem"


@dataclass
class _Row:
    line: int
    email: str
    name: str
    department: Department | None
    role: str


def import_users(stream: IO[str], actor: User | None = None) -> ImportReport:
    """Validate every row first; create the users only if no row is bad. Flushes.

    Imported people get a random password and choose their own through
    "Forgot your password?". Managers manage the department on their row.
    """
    report = ImportReport()
    reader = csv.DictReader(stream)
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        report.errors.append(f"line 1: missing column(s): {', '.join(missing)}")
        return report
    reader.fieldnames = columns

    departments: dict[str, Department] = {}
    for known in db.session.scalars(sa.select(Department)):
        departments[known.name.lower()] = known
        departments[known.slug] = known
    existing = set(db.session.scalars(sa.select(User.email)))
    seen: dict[str, int] = {}
    rows: list[_Row] = []

    for line, raw in enumerate(reader, start=2):
        values = {k: (v or "").strip() for k, v in raw.items() if k}
        problems = []
        email = normalise_email(values.get("email", ""))
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problems.append(f"{email or '(empty)'} is not a valid e-mail address")
        if email in existing:
            problems.append(f"{email} already has an account")
        elif email in seen:
            problems.append(f"{email} appears twice (also on line {seen[email]})")
        seen.setdefault(email, line)
        name = values.get("name", "")
        if not 2 <= len(name) <= 80:
            problems.append("the name must be 2 to 80 characters")
        department_name = values.get("department", "")
        department = departments.get(department_name.lower()) if department_name else None
        if department_name and department is None:
            problems.append(f"no department called {department_name!r}")
        role = values.get("role", "").lower() or Role.EMPLOYEE.value
        if role not in {r.value for r in Role}:
            problems.append(f"role must be employee, manager or admin, not {role!r}")
        elif role == Role.MANAGER and department is None:
            problems.append("a manager needs the department they manage")
        if problems:
            report.errors.append(f"line {line}: " + "; ".join(problems))
        else:
            rows.append(_Row(line, email, name, department, role))

    if report.errors:
        return report
    for row in rows:
        user = create_user(row.email, row.name, secrets.token_urlsafe(24),
                           department=row.department, role=row.role, actor=actor)
        if row.role == Role.MANAGER and row.department is not None:  # (a manager has one)
            user.managed_departments = [row.department]
        report.created.append(user)
    db.session.flush()
    return report

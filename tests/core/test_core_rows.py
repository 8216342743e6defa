"""core.rows: plain rows that still see the request's own unsaved changes."""

import sqlalchemy as sa

from ideaboard.core.rows import rows
from ideaboard.extensions import db
from ideaboard.org.models import Department
from tests.helpers.factories import DepartmentFactory


def test_rows_see_pending_changes_as_the_orm_would(app):
    department = DepartmentFactory(name="Facilities")
    db.session.commit()
    department.name = "Workplace"  # not flushed yet
    db.session.add(Department(name="Legal", slug="legal"))
    names = {name for (name,) in rows(sa.select(Department.name))}
    assert names == {"Workplace", "Legal"}
    db.session.rollback()
    assert {name for (name,) in rows(sa.select(Department.name))} == {"Facilities"}

"""The statements the pages ask of the organisation, built once.

Every list page asks for the department options of its filter, and a department's page
for the department by its slug: as statement objects made at import, SQLAlchemy keeps
their compiled form, so a page pays for running them, not for building them.
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.org.models import Department

# Only what an option needs, without building Department objects.
DEPARTMENT_OPTIONS = sa.select(Department.id, Department.name, Department.parent_id)
BY_SLUG = sa.select(Department).where(Department.slug == sa.bindparam("slug"))

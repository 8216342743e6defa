"""The statement every idea page asks of following, built once.

SQLAlchemy keeps the compiled form of a statement object, so the page pays for running
it, not for building it.
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.ideas.models import Follow

# Whether ``user_id`` follows ``idea_id``: a row, or none.
FOLLOWS = sa.select(Follow.user_id).where(Follow.user_id == sa.bindparam("user_id"),
                                          Follow.idea_id == sa.bindparam("idea_id"))

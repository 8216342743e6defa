"""The statement every signed-in request runs first, built once.

``Session.get`` builds its statement anew each time the identity map is empty, as it is
at the start of every request; a statement object made at import keeps its compiled
form, so the request pays only for running it.
"""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.accounts.models import User

USER_BY_ID = sa.select(User).where(User.id == sa.bindparam("user_id"))

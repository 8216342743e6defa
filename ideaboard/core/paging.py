"""Paging a list without counting it.

``db.paginate`` runs ``SELECT count(*)`` over every matching row on each page view:
at 100,000 ideas that count cost more than the rest of the page together, and it grew
with the table. A page here fetches one row more than it shows instead, which is all
the pager needs to know (is there a next page?), so its cost stays that of the page.
The pager macro (templates/_macros/pagination.html) shows "Page N" without a total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import request

from ideaboard.core.kept import per_app
from ideaboard.core.rows import rows as plain_rows
from ideaboard.extensions import db


@dataclass
class Page:
    """One page of rows, with what the pager needs and no total."""

    items: Sequence[Any]
    page: int
    per_page: int
    has_next: bool
    total = None  # unknown on purpose; the pager then shows no "of N"
    pages = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def first(self) -> int:
        """The position of the first item shown (1-based), 0 when the page is empty."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The position of the last item shown."""
        return (self.page - 1) * self.per_page + len(self.items)


# No list is browsed this deep; the cap keeps OFFSET inside what a database accepts.
MAX_PAGE = 10_000


def page_number() -> int:
    """The ``page`` query argument, from 1 to MAX_PAGE; 1 when missing or not a number."""
    number = request.args.get("page", type=int)
    if number is None or number < 1:
        return 1
    return min(number, MAX_PAGE)


def page_window(query: sa.Select) -> sa.Select:
    """``query`` with LIMIT and OFFSET as the parameters ``paginate`` fills, for a select
    that places its page window itself (say, in a subquery) and is paged ``windowed``."""
    return query.limit(sa.bindparam("page_limit")).offset(sa.bindparam("page_offset"))


# Made once per statement: a list whose select is built once (ideas.queries) then keeps
# its compiled form from page to page and request to request.
_paged = per_app(maxsize=512)(page_window)


def paginate(query: sa.Select, per_page: int, page: int | None = None, *,
             entities: bool = True, params: dict | None = None,
             windowed: bool = False) -> Page:
    """The rows of ``query`` on one page: per_page + 1 fetched, none counted. Items are
    ORM entities, or with ``entities=False`` the result rows of a select of columns;
    ``params`` fill the query's bound parameters. ``windowed``: the query has its page
    window already (``page_window``)."""
    page = page or page_number()
    paged = query if windowed else _paged(query)
    params = {**(params or {}), "page_limit": per_page + 1, "page_offset": (page - 1) * per_page}
    rows = list(db.session.scalars(paged, params) if entities else plain_rows(paged, params))
    return Page(items=rows[:per_page], page=page, per_page=per_page,
                has_next=len(rows) > per_page)

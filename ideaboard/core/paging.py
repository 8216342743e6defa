"""Paging a list without counting it, and without reading the rows before the page.

``db.paginate`` runs ``SELECT count(*)`` over every matching row on each page view:
at 100,000 ideas that count cost more than the rest of the page together, and it grew
with the table. A page here fetches one row more than it shows instead, which is all
the pager needs to know (is there a next page?), so its cost stays that of the page.
The pager macro (templates/_macros/pagination.html) shows "Page N" without a total.

Every list anyone may walk far (the idea lists, people's pages, notifications, the admin
lists) is paged by keyset (``seek``, below): OFFSET made page 5,000 read 100,000 rows.
``Page`` and ``page_number`` remain for the review queue and worklists, paged by number
within a manager's own bounded queue.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, redirect, request, url_for
from flask_babel.speaklater import LazyString
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.orm import QueryableAttribute

from ideaboard.core.i18n import lazy_gettext as _l
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


# For the lists still paged by number (the review queue and worklists): no queue is
# browsed this deep; the cap keeps their OFFSET inside what a database accepts.
MAX_PAGE = 10_000


def page_number() -> int:
    """The ``page`` query argument, from 1 to MAX_PAGE; 1 when missing or not a number."""
    number = request.args.get("page", type=int)
    if number is None or number < 1:
        return 1
    return min(number, MAX_PAGE)


# --- keyset (seek) paging ---------------------------------------------------------------
#
# OFFSET reads and throws away every row before the page: page 5,000 of a list read
# 100,000 rows. A keyset page starts from the last row shown instead: the link to the
# next page carries that row's sort key and id (a *cursor*), and the page is the rows
# after it in the list's order, found by the sort's index, so every page costs what the
# first does. The row value comparison ``(key, id) < (:key, :id)`` says that in one
# clause, but SQLite (3.40) seeks only on the key with it and then walks every tie of
# the key: a list where thousands of ideas share a score ("Top" at net 0) read them all.
# So the rows after a cursor are two index seeks, UNION ALL: the cursor key's ties with
# a lower id (``key = :key AND id < :id``), and the keys below it (``key < :key``), each
# limited to the page, merged and limited again. Both databases answer each branch from
# the sort's index (SQLite's indexes end in the rowid, our id).
#
# Each page fetches one row more than it shows, to know whether there is another page;
# no list is counted. The page before a cursor is the same walk the other way, read in
# reverse and shown in the list's order. The page number travels in the cursor (the
# pager's "Page N"): it is what the reader walked, not a position the list is read at.
# A cursor is signed with the application's secret and the list's name, so a link
# cannot be forged or carried to another list; a broken one is a 400 page.

AFTER = "after"  # the rows after the cursor's row, in the list's order: "Next"
BEFORE = "before"  # the rows before it: "Previous"
DIRECTIONS = (None, AFTER, BEFORE)  # None: the first page
CURSOR_ARG = "cursor"
SEEK_KEY, SEEK_ID, PAGE_LIMIT = "seek_key", "seek_id", "page_limit"
MAX_PAGE_NUMBER = 10_000_000  # the "Page N" a cursor may claim; it bounds nothing else
MAX_CURSOR_LENGTH = 1_000  # characters of the argument; a longer one is refused unread
_BIGINT = 2**63 - 1
_TEXT_KEY_MAX = 100  # characters of a text sort key (a name: at most 80)


def _float_key(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value):
        raise ValueError("not a number")
    return float(value)


def _int_key(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > _BIGINT:
        raise ValueError("not an integer")
    return value


def _datetime_key(value: Any) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("not a time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time without its zone")
    return moment.astimezone(UTC)


def _text_key(value: Any) -> str:
    if not isinstance(value, str) or len(value) > _TEXT_KEY_MAX:
        raise ValueError("not a name")
    return value


# What a sort key may be, read back from a cursor: each refuses anything else.
KEY_KINDS: dict[str, Callable[[Any], Any]] = {
    "float": _float_key, "int": _int_key, "datetime": _datetime_key, "text": _text_key,
}


SortColumn = sa.ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class Keyset:
    """How a list is ordered for seeking: by its sort ``key`` (of ``kind``, one of
    ``KEY_KINDS``), then by ``ident``, both highest first when ``descending``. ``name``
    tells the list's cursors from every other list's (include the sort)."""

    name: str
    key: SortColumn
    ident: SortColumn
    kind: str
    descending: bool = True


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: the rows ``direction`` (AFTER or BEFORE) the row with this
    sort key and id; ``page`` is the number the pager shows for it."""

    direction: str
    key: Any
    id: int
    page: int


def _serializer(keyset: Keyset) -> URLSafeSerializer:
    secret = current_app.secret_key
    if not secret:  # unsigned cursors could be forged at will
        raise RuntimeError("SECRET_KEY is not set")
    return URLSafeSerializer(secret, salt=f"ideaboard.cursor.{keyset.name}")


def encode_cursor(keyset: Keyset, cursor: Cursor) -> str:
    """The opaque, signed text of ``cursor`` for ``keyset``'s list."""
    key = cursor.key.isoformat() if isinstance(cursor.key, datetime) else cursor.key
    return str(_serializer(keyset).dumps([cursor.direction, key, cursor.id, cursor.page]))


def decode_cursor(keyset: Keyset, text: str) -> Cursor:
    """The cursor ``encode_cursor`` wrote for this list; ValueError for anything else
    (a forged, truncated or foreign cursor, or one whose values are out of bounds)."""
    if len(text) > MAX_CURSOR_LENGTH:
        raise ValueError("too long")
    try:
        direction, key, ident, page = _serializer(keyset).loads(text)
    except (BadData, TypeError, ValueError) as error:
        raise ValueError("not a cursor of this list") from error
    if direction not in (AFTER, BEFORE):
        raise ValueError("no direction")
    page = _int_key(page)
    if not 1 <= page <= MAX_PAGE_NUMBER:
        raise ValueError("page out of bounds")
    return Cursor(direction, KEY_KINDS[keyset.kind](key), _int_key(ident), page)


BROKEN_CURSOR = _l("That page link is broken or comes from another list. "
                   "Start again from the first page.")


def read_cursor(keyset: Keyset) -> Cursor | None:
    """The request's cursor for ``keyset``'s list, None for its first page.

    A ``page`` number (the links before keyset paging) sends the reader to the first
    page, the other arguments kept: page N of a list that has changed since the link
    was made has no meaning to keep. A cursor that does not read is a 400 page."""
    if "page" in request.args:
        args = request.args.copy()
        args.poplist("page")
        args.poplist(CURSOR_ARG)
        values: dict[str, Any] = {**(request.view_args or {}), **args.to_dict(flat=False)}
        abort(redirect(url_for(request.endpoint or "", **values)))
    return cursor_or_400(keyset, request.args.get(CURSOR_ARG))


def cursor_or_400(keyset: Keyset, text: str | None,
                  message: str | LazyString = BROKEN_CURSOR) -> Cursor | None:
    """The cursor ``text`` for ``keyset``'s list (None: its first page), or a 400 that
    says ``message`` for one that does not read (a page link or an API client's; a lazy
    one is read in the request's language)."""
    if text is None:
        return None
    try:
        return decode_cursor(keyset, text)
    except ValueError:
        abort(400, description=str(message))


def seek(chosen: sa.Select, keyset: Keyset, direction: str | None) -> sa.Subquery:
    """The rows of ``chosen`` on one page as a subquery "page" of (id, sort_key).

    ``chosen`` selects ``keyset.ident`` labelled "id" and ``keyset.key`` labelled
    "sort_key" with the list's filters, unordered. ``direction`` None is the first
    page; AFTER and BEFORE start from the bound parameters ``SEEK_KEY`` and ``SEEK_ID``
    (see the section's comment for the two branches). ``PAGE_LIMIT`` rows at most, in
    no particular order: order the outer select by ``page_order``."""
    limit = sa.bindparam(PAGE_LIMIT, type_=sa.Integer)
    # The direction the index is walked in: the list's own, or against it for BEFORE.
    walk_descending = keyset.descending == (direction != BEFORE)

    def walked(select: sa.Select, *columns) -> sa.Select:
        return select.order_by(*(column.desc() if walk_descending else column.asc()
                                 for column in columns)).limit(limit)

    if direction is None:
        return walked(chosen, keyset.key, keyset.ident).subquery("page")
    seek_key = sa.bindparam(SEEK_KEY, type_=keyset.key.type)
    seek_id = sa.bindparam(SEEK_ID, type_=keyset.ident.type)

    def beyond(column, value):
        return column < value if walk_descending else column > value

    if keyset.key is keyset.ident:  # sorted by id alone: no ties to walk
        return walked(chosen.where(beyond(keyset.ident, seek_id)),
                      keyset.ident).subquery("page")
    ties = walked(chosen.where(keyset.key == seek_key, beyond(keyset.ident, seek_id)),
                  keyset.ident).subquery("ties")
    further = walked(chosen.where(beyond(keyset.key, seek_key)),
                     keyset.key, keyset.ident).subquery("further")
    both = sa.union_all(sa.select(ties), sa.select(further)).subquery("seek")
    return walked(sa.select(both), both.c.sort_key, both.c.id).subquery("page")


def page_order(page: sa.Subquery, keyset: Keyset) -> tuple[sa.ColumnElement[Any], ...]:
    """The ORDER BY that shows ``seek``'s rows in the list's order."""
    columns = (page.c.sort_key, page.c.id)
    return tuple(column.desc() if keyset.descending else column.asc() for column in columns)


def seek_columns(page: sa.Subquery) -> tuple[sa.ColumnElement[Any], ...]:
    """The page's sort key and id under the names ``seek_page`` reads its cursors from:
    add them to the outer select."""
    return page.c.sort_key.label("seek_key"), page.c.id.label("seek_id")


@dataclass
class KeysetPage:
    """One page of a keyset-paged list, with the cursors of the pages either side."""

    items: Sequence[Any]
    page: int
    per_page: int
    has_prev: bool
    has_next: bool
    prev_cursor: str | None
    next_cursor: str | None
    total = None  # unknown on purpose; the pager then shows no "of N"
    pages = None

    @property
    def first(self) -> int:
        """The position of the first item shown (1-based) as the pages walked tell it,
        0 when the page is empty."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The position of the last item shown."""
        return (self.page - 1) * self.per_page + len(self.items)


def seek_page(keyset: Keyset, statements: Callable[[str | None], sa.Select], per_page: int,
              params: dict[str, Any] | None = None, *, entities: bool = False,
              cursor: Cursor | None = None, from_request: bool = True) -> KeysetPage:
    """One page of a list: the request's cursor (``read_cursor``) or ``cursor`` read
    with ``statements(direction)`` (a select built once per direction, joined to
    ``seek``'s subquery, ordered by ``page_order`` and selecting ``seek_columns``).
    Items are the result rows, or with ``entities`` each row's first entity. Without
    ``from_request`` the request's arguments are not read (the API decodes its own
    cursors: no page links to redirect, problem details for a broken one)."""
    if cursor is None and from_request:
        cursor = read_cursor(keyset)
    values = {**(params or {}), PAGE_LIMIT: per_page + 1}
    if cursor is not None:
        values.update({SEEK_KEY: cursor.key, SEEK_ID: cursor.id})
    statement = statements(cursor.direction if cursor else None)
    rows = list(db.session.execute(statement, values).unique() if entities
                else plain_rows(statement, values))
    more = len(rows) > per_page
    if cursor is not None and cursor.direction == BEFORE:
        # Read walking back: the extra row, if any, is the one furthest back, first shown.
        rows = rows[1:] if more else rows
        has_prev, has_next = more, True
        page = max(cursor.page, 2) if more else 1
    else:
        rows = rows[:per_page]
        has_prev, has_next = cursor is not None, more
        page = cursor.page if cursor is not None else 1

    def link(direction: str, row, number: int) -> str:
        return encode_cursor(keyset, Cursor(direction, row.seek_key, row.seek_id, number))

    return KeysetPage(
        items=[row[0] for row in rows] if entities else rows, page=page, per_page=per_page,
        has_prev=has_prev and bool(rows), has_next=has_next and bool(rows),
        prev_cursor=link(BEFORE, rows[0], page - 1) if has_prev and rows else None,
        next_cursor=link(AFTER, rows[-1], page + 1) if has_next and rows else None)


def seek_entities(filtered: sa.Select, keyset: Keyset, per_page: int, *,
                  options: Sequence[Any] = ()) -> KeysetPage:
    """One page of ORM objects: ``filtered`` selects one entity with the list's filters
    (any order it has is the keyset's to give); the page's ids are sought as ``seek``
    does, then the objects are loaded with ``options``. For the admin lists, built per
    request: they are seldom viewed, and their filters vary."""
    entity = filtered.column_descriptions[0]["entity"]
    chosen = filtered.with_only_columns(keyset.ident.label("id"), keyset.key.label("sort_key"),
                                        maintain_column_froms=True).order_by(None)

    def statements(direction: str | None) -> sa.Select:
        page = seek(chosen, keyset, direction)
        return (sa.select(entity).add_columns(*seek_columns(page))
                .join(page, page.c.id == keyset.ident)
                .order_by(*page_order(page, keyset)).options(*options))

    return seek_page(keyset, statements, per_page, entities=True)

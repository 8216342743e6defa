"""The page links' cursors (core.paging): they read back as written, for their own list
only, and refuse every value out of kind or bounds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from ideaboard.core.paging import (
    AFTER,
    BEFORE,
    MAX_CURSOR_LENGTH,
    MAX_PAGE_NUMBER,
    Cursor,
    Keyset,
    decode_cursor,
    encode_cursor,
)

_ID = sa.column("id", sa.Integer)


def _keyset(kind: str, name: str = "test.list") -> Keyset:
    return Keyset(name, sa.column("key"), _ID, kind)


@pytest.mark.parametrize("kind, key", [
    ("float", 1594.3144312345678), ("float", -1e9), ("int", 0), ("int", -(2**62)),
    ("datetime", datetime(2026, 3, 10, 12, 0, 0, 123456, tzinfo=UTC)),
    # The longest display name, in letters JSON escapes: the link still fits.
    ("text", "ü" * 80), ("text", "sam same"),
])
@pytest.mark.parametrize("direction", [AFTER, BEFORE])
def test_a_cursor_reads_back_as_written(app, kind, key, direction):
    with app.test_request_context():
        cursor = Cursor(direction, key, 42, 7)
        text = encode_cursor(_keyset(kind), cursor)
        assert len(text) <= MAX_CURSOR_LENGTH
        assert decode_cursor(_keyset(kind), text) == cursor


def test_a_cursor_opens_only_its_own_list(app):
    with app.test_request_context():
        text = encode_cursor(_keyset("int", "one.list"), Cursor(AFTER, 3, 4, 2))
        with pytest.raises(ValueError):
            decode_cursor(_keyset("int", "another.list"), text)


@pytest.mark.parametrize("kind, cursor", [
    ("int", Cursor(AFTER, 1.5, 1, 2)),  # a number of another kind
    ("int", Cursor(AFTER, True, 1, 2)),
    ("int", Cursor(AFTER, 2**63, 1, 2)),  # past any column
    ("float", Cursor(AFTER, "nan", 1, 2)),
    ("text", Cursor(AFTER, "x" * 101, 1, 2)),
    ("text", Cursor(AFTER, 5, 1, 2)),
    ("int", Cursor("sideways", 1, 1, 2)),
    ("int", Cursor(AFTER, 1, 1, 0)),
    ("int", Cursor(AFTER, 1, 1, MAX_PAGE_NUMBER + 1)),
    ("int", Cursor(AFTER, 1, "1", 2)),
])
def test_values_out_of_kind_or_bounds_are_refused(app, kind, cursor):
    """Signed by the application itself, and still checked: a cursor is read as data."""
    with app.test_request_context():
        text = encode_cursor(_keyset(kind), cursor)
        with pytest.raises(ValueError):
            decode_cursor(_keyset(kind), text)


def test_a_time_without_its_zone_is_refused(app):
    with app.test_request_context():
        text = encode_cursor(_keyset("datetime"), Cursor(AFTER, "2026-03-10T12:00:00", 1, 2))
        with pytest.raises(ValueError):
            decode_cursor(_keyset("datetime"), text)

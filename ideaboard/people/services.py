"""Reading a person's page: who they are, their ideas, their comments.

Reads only; what a page may show of a person is decided by the statements
(``people.queries``), the same for every viewer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from ideaboard import sanitize
from ideaboard.core.paging import KeysetPage, seek_page
from ideaboard.core.rows import rows
from ideaboard.ideas.queries import VIEWER_PARAM
from ideaboard.people.queries import (
    COMMENTS,
    COMMENTS_KEYSET,
    IDEAS,
    IDEAS_KEYSET,
    PERSON,
    PERSON_PARAM,
)

COMMENT_EXCERPT = 280  # characters of a comment shown on the page, as an idea's excerpt


class Person(NamedTuple):
    id: int
    display_name: str
    created_at: datetime
    department_name: str | None
    department_slug: str | None


class PersonComment(NamedTuple):
    """One comment as a person's page lists it: a plain-text excerpt, and its idea."""

    id: int
    idea_id: int
    excerpt: str
    created_at: datetime
    edited_at: datetime | None
    idea_title: str


def get_person(user_id: int) -> Person | None:
    """The person with this id (deactivated ones too: their ideas stay), or None."""
    row = rows(PERSON, {PERSON_PARAM: user_id}).first()
    return Person(*row) if row is not None else None


def ideas_page(person: Person, viewer: Any, per_page: int) -> KeysetPage:
    """One page of the person's ideas (rows of ``ideas.queries.CARD_COLUMNS``, read for
    ``viewer``'s vote), newest first. One statement."""
    return seek_page(IDEAS_KEYSET, IDEAS.__getitem__, per_page,
                     {PERSON_PARAM: person.id, VIEWER_PARAM: getattr(viewer, "id", None)})


def comments_page(person: Person, per_page: int) -> KeysetPage:
    """One page of the person's comments (``PersonComment``), newest first. One
    statement."""
    page = seek_page(COMMENTS_KEYSET, COMMENTS.__getitem__, per_page,
                     {PERSON_PARAM: person.id})
    page.items = [PersonComment(row.id, row.idea_id,
                                sanitize.excerpt(row.body_html, COMMENT_EXCERPT),
                                row.created_at, row.edited_at, row.idea_title)
                  for row in page.items]
    return page

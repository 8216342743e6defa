"""Idea cards: what a list shows of each idea, read and worked out once per page.

A list page is the most viewed page there is, so its cost is designed here rather than
left to the ORM and the template. Profiled at 100,000 ideas, the page used to spend a
fifth of its time building Idea objects (with author, department and tags) it only read
a dozen columns of, and a third asking the policy and ``url_for`` card by card from the
template. Now one plain query reads exactly the columns a card shows (``CARD_COLUMNS``,
with the tags and the viewer's vote), and the policy is asked once per card with the
user object: that is a ``CardKey``, all a card shows to this viewer.

A card's HTML is a pure function of its key and the CSRF token, so ``card_list_items``
keeps the HTML of recently shown cards in each worker, keyed by the whole ``CardKey``:
any change to what a card shows (a vote, a comment, an edit, the hour it is read in,
who reads it) is a different key, so nothing kept can go stale; it can only be unused.
Only for a key not kept is the ``Card`` made (links, labels, dates) and rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote

import sqlalchemy as sa
from flask import Flask, current_app, request
from markupsafe import Markup

from ideaboard.accounts.models import User
from ideaboard.core.templating import TOKEN_SLOT, iso_datetime, time_ago, with_token
from ideaboard.core.urls import link_by_id, link_with_slot
from ideaboard.database import utcnow
from ideaboard.ideas.models import STATUS_LABELS, Idea, Tag, idea_tags
from ideaboard.org.models import Department
from ideaboard.voting.models import Vote
from ideaboard.core.permissions import checker

# A card's tags and the viewer's vote, read with the idea (one query for the page): the
# round trips of two more queries cost more than the rest of the list's SQL on
# PostgreSQL. The subqueries run only for the rows a page returns. Tag names are slugs
# (ideas.services.tag_slug), so a comma separates them safely.
TAG_SEPARATOR = ","
VIEWER_PARAM = "viewer_id"  # the viewer's user id, a bound parameter of every list
TAG_NAMES = (sa.select(sa.func.aggregate_strings(Tag.name, TAG_SEPARATOR))
             .select_from(idea_tags).join(Tag, Tag.id == idea_tags.c.tag_id)
             .where(idea_tags.c.idea_id == Idea.id).scalar_subquery())
MY_VOTE = (sa.select(Vote.value)
           .where(Vote.idea_id == Idea.id, Vote.user_id == sa.bindparam(VIEWER_PARAM))
           .scalar_subquery())

# The columns of one card, in the order ``card()`` unpacks them. The rows carry the
# attributes the policy's idea rules read (author_id, status, hidden, is_anonymous), so
# the policy decides on them as on ideas.
CARD_COLUMNS = (
    Idea.id, Idea.title, Idea.excerpt, Idea.status, Idea.upvotes, Idea.downvotes,
    Idea.comment_count, Idea.created_at, Idea.author_id, Idea.is_anonymous, Idea.hidden,
    User.display_name.label("author_name"),
    Department.name.label("department_name"), Department.slug.label("department_slug"),
    TAG_NAMES.label("tag_names"), MY_VOTE.label("my_vote"),
)

_STATUS_LABELS = {status.value: label for status, label in STATUS_LABELS.items()}


# Outer joins, as the ORM's eager loading had, so the database keeps walking the sort's
# index on ideas and looks the author and department up by key. Built once: a list
# adds its filters and order to it (each a cheap copy).
_CARD_SELECT = (sa.select(*CARD_COLUMNS).select_from(Idea)
                .outerjoin(User, User.id == Idea.author_id)
                .outerjoin(Department, Department.id == Idea.department_id))


def card_select() -> sa.Select:
    """``SELECT`` of ``CARD_COLUMNS`` from ideas with their author and department; its
    parameter ``VIEWER_PARAM`` is the viewer's id (None for nobody)."""
    return _CARD_SELECT


@dataclass(frozen=True, slots=True)
class Card:
    """One idea as its card shows it to one viewer, ready for the template (made from a
    CardKey when its HTML is not kept)."""

    id: int
    title: str
    excerpt: str
    status: str
    status_label: str
    net_votes: int
    comment_count: int
    created_at: str  # ISO 8601, for <time datetime>
    created_on: str  # "2026-11-26 08:00 UTC", the tooltip
    age: str  # "3 days ago"
    author_name: str | None  # None when the viewer may not see who wrote it
    is_anonymous: bool
    by_viewer: bool
    department_name: str
    url: str
    department_url: str
    tags: tuple[tuple[str, str], ...]  # (name, link to the list of ideas with that tag)
    my_vote: int
    votable: bool
    vote_url: str


class CardKey(NamedTuple):
    """Everything one card shows to one viewer: what its kept HTML is found by. Worked
    out for every card on every view, so it holds only what the query and the policy
    give; the links, labels and dates of the Card are made only when HTML is."""

    row: tuple  # the values of CARD_COLUMNS
    tags: tuple[str, ...]
    my_vote: int
    votable: bool
    author_visible: bool
    by_viewer: bool
    age: str  # "3 days ago", as of this request
    script_root: str  # the prefix of the card's links


def cards(viewer, rows: Sequence) -> list[CardKey]:
    """A card for each row of ``card_select()`` (in order), read for ``viewer``. The
    policy decides, per card, what the viewer sees and may do."""
    user = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    viewer_id = getattr(user, "id", None)
    may_vote = checker(user, "idea.vote")
    may_see_author = checker(user, "idea.see_author")
    now = utcnow()
    root = request.script_root
    return [
        CardKey(tuple(row),
                split_tag_names(row.tag_names),
                row.my_vote or 0, may_vote(row), may_see_author(row),
                row.author_id == viewer_id, time_ago(row.created_at, now), root)
        for row in rows
    ]


def split_tag_names(joined: str | None) -> tuple[str, ...]:
    """The names in a ``TAG_NAMES`` value, in order."""
    return tuple(sorted(joined.split(TAG_SEPARATOR))) if joined else ()


def tag_links(names: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """(name, link to the list of ideas with that tag) for each tag name."""
    tag_link = link_with_slot("ideas.index", "tag")
    return tuple((name, tag_link.format(quote(name, safe=""))) for name in names)


def card(key: CardKey) -> Card:
    """The Card that ``key`` stands for, links and labels made (in a request)."""
    (idea_id, title, excerpt, status, upvotes, downvotes, comment_count, created_at,
     _author_id, is_anonymous, _hidden, author_name, department_name, department_slug,
     _tag_names, _my_vote) = key.row
    return Card(
        id=idea_id,
        title=title,
        excerpt=excerpt,
        status=status,
        status_label=_STATUS_LABELS[status],
        net_votes=upvotes - downvotes,
        comment_count=comment_count,
        created_at=created_at.isoformat(),
        created_on=iso_datetime(created_at),
        age=key.age,
        author_name=author_name if key.author_visible else None,
        is_anonymous=is_anonymous,
        by_viewer=key.by_viewer,
        department_name=department_name,
        url=link_by_id("ideas.detail").format(idea_id),
        department_url=link_with_slot("ideas.department", "slug").format(
            quote(department_slug, safe="")),
        tags=tag_links(key.tags),
        my_vote=key.my_vote,
        votable=key.votable,
        vote_url=link_by_id("voting.vote").format(idea_id),
    )


# Cards kept per worker: the first pages of the lists people open, for their votes.
# About 7 KB each with its key, measured: 1,024 cards are about 7 MB of a worker.
CARD_CACHE_SIZE = 1024


def _card_renderer(app: Flask) -> Callable[[CardKey], str]:
    """The application's ``idea_card`` macro behind a bounded cache keyed by the card."""
    renderer = app.extensions.get("ideaboard.card_html")
    if renderer is None:
        macro = app.jinja_env.get_template("_macros/idea_card.html").module.idea_card

        def render(key: CardKey) -> str:
            return str(macro(card(key), TOKEN_SLOT))

        # While templates reload on change (development), render every time.
        renderer = render if app.jinja_env.auto_reload else lru_cache(CARD_CACHE_SIZE)(render)
        app.extensions["ideaboard.card_html"] = renderer
    return renderer


def card_list_items(keys: Sequence[CardKey], token: str) -> Markup:
    """An ``<li>`` with each card's HTML, the viewer's CSRF token in its vote forms, for
    the list's ``<ol>``: one call from the template for the page, not one per card."""
    render = _card_renderer(current_app._get_current_object())
    return with_token("".join(f"<li>{render(key)}</li>" for key in keys), token)

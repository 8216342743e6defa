"""The statements behind the idea lists and the idea page, built once.

SQLAlchemy keys its compiled SQL on the statement, and working that key out for a
freshly built select cost four times as much as SQLite took to run it; a statement
object built once keeps its key and its compiled form from request to request. So
every read the lists and the idea page make is a statement here, built at import or
once per kind of list (``list_statement``), with every value a bound parameter.

A list card is read as plain columns, not as Idea objects: profiled at 100,000 ideas,
building Idea objects (with author, department and tags) of which a card reads a dozen
columns was a fifth of the page. ``CARD_COLUMNS`` are exactly what a card shows, with
the tags and the viewer's vote (``ideaboard.ideas.display`` makes the cards).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ideaboard.accounts.models import User
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.kept import per_app
from ideaboard.core.paging import Keyset, SortColumn, page_order, seek, seek_columns
from ideaboard.ideas import search
from ideaboard.ideas.models import Follow, Idea, Tag, idea_tags
from ideaboard.org.models import Department
from ideaboard.voting.models import Vote

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


def split_tag_names(joined: str | None) -> tuple[str, ...]:
    """The names in a ``TAG_NAMES`` value, in order."""
    return tuple(sorted(joined.split(TAG_SEPARATOR))) if joined else ()


# The columns of one card, in the order ``display.card()`` unpacks them. The rows carry
# the attributes the policy's idea rules read (author_id, status, hidden, is_anonymous),
# so the policy decides on them as on ideas.
CARD_COLUMNS = (
    Idea.id, Idea.title, Idea.excerpt, Idea.status, Idea.upvotes, Idea.downvotes,
    Idea.comment_count, Idea.created_at, Idea.author_id, Idea.is_anonymous, Idea.hidden,
    User.display_name.label("author_name"),
    Department.name.label("department_name"), Department.slug.label("department_slug"),
    TAG_NAMES.label("tag_names"), MY_VOTE.label("my_vote"),
    # The progress an open idea shows towards review (display.review_progress).
    Department.review_threshold.label("review_threshold"),
    Idea.votes_closed,  # the vote rule reads it (a campaign's voting closed)
)

# Outer joins, as the ORM's eager loading had, so the database keeps walking the sort's
# index on ideas and looks the author and department up by key. A list adds its filters
# and order to it (each a cheap copy).
CARD_SELECT = (sa.select(*CARD_COLUMNS).select_from(Idea)
               .outerjoin(User, User.id == Idea.author_id)
               .outerjoin(Department, Department.id == Idea.department_id))


def card_select() -> sa.Select:
    """``SELECT`` of ``CARD_COLUMNS`` from ideas with their author and department; its
    parameter ``VIEWER_PARAM`` is the viewer's id (None for nobody)."""
    return CARD_SELECT


# --- one idea -------------------------------------------------------------------------

# An idea with everything its card shows as objects (author, department, tags): the
# pages that act on one idea (edit, versions, the review page).
IDEA_WITH_TAGS = (sa.select(Idea).where(Idea.id == sa.bindparam("idea_id"))
                  .options(joinedload(Idea.author), joinedload(Idea.department),
                           selectinload(Idea.tags)))
# The idea page's (the second most viewed): the idea with its author and department, its
# tag names and the viewer's vote in one statement (each of the two more round trips
# cost PostgreSQL's page as much as the rest of the idea's loading); no Tag objects.
IDEA_PAGE = (sa.select(Idea, TAG_NAMES.label("tag_names"), MY_VOTE.label("my_vote"))
             .where(Idea.id == sa.bindparam("idea_id"))
             .options(joinedload(Idea.author), joinedload(Idea.department)))


# --- the lists ------------------------------------------------------------------------

# Each sort is by its key, highest first, then by id so equal keys keep a stable order
# across pages; an index stands behind each (see Idea.__table_args__). The kind is the
# key's type as a page link's cursor carries it (``core.paging.KEY_KINDS``). The labels
# are lazy: read in the language of the page that shows them.
SORTS = {
    "trending": (_l("Trending"), Idea.trending_score),
    "top": (_l("Top"), Idea.net_score),
    "new": (_l("New"), Idea.created_at),
    "discussed": (_l("Most discussed"), Idea.comment_count),
}
SORT_KINDS = {"trending": "float", "top": "int", "new": "datetime", "discussed": "int",
              # minus the position in the kept ranking (search._ranked_rows)
              "relevance": "int"}
DEFAULT_SORT = "trending"
RELEVANCE_SORT = "relevance"  # only offered with a search
# What each sort puts first, in words: the tabs' tooltips, the line under them and the
# help page say the same (ideaboard.ideas.ranking tells how the keys are kept).
SORT_EXPLAINED = {
    RELEVANCE_SORT: _l("The ideas whose words best match your search come first."),
    "trending": _l("Open ideas with recent support and discussion come first; closed ideas "
                   "and ideas with more votes against than for come last."),
    "top": _l("The most net votes (supporters minus those against) come first: the number "
              "beside each idea."),
    "new": _l("The most recently posted ideas come first."),
    "discussed": _l("The ideas with the most comments come first."),
}


def default_sort(q: str) -> str:
    """The order of a list nobody chose one for: the best match of a search (its cheap,
    ranked path), else Trending."""
    return RELEVANCE_SORT if q else DEFAULT_SORT


def list_keyset(sort: str, key: SortColumn | None = None) -> Keyset:
    """How the idea lists sorted by ``sort`` seek: by ``key`` (the sort's column unless
    given: the relevance of a search), then id, highest first."""
    return Keyset(f"ideas.{sort}", SORTS[sort][1] if key is None else key, Idea.id,
                  SORT_KINDS[sort])


@per_app(maxsize=None)  # at most 2 dialects x 5 sorts x 2 x 2**6 kinds x 3 directions
def list_statement(dialect: str, sort: str, searching: bool, candidates: int | None,
                   status: bool, department: bool, campaign: bool, tag: bool, mine: bool,
                   following: bool, direction: str | None) -> sa.Select:
    """The select of one kind of list (which filters are set, the sort, whether it
    searches) for one page ``direction`` (``core.paging.seek``), built once; the values
    travel as its parameters (``status``, ``department_id``, ``campaign_id``, ``tag``,
    ``VIEWER_PARAM``, the search's, the cursor's and the page's size).

    In two steps: the page's ideas are chosen on ideas alone (filters, search, and the
    seek from the cursor along the sort's index), then the card columns are read for
    those rows only. A plan that sorts (a search, a tag) would otherwise join authors
    and departments and run the tags and vote subqueries for every candidate before
    keeping twenty."""
    if searching:
        matches = search.list_matches(dialect, candidates=candidates)
        key = matches.c.relevance if sort == RELEVANCE_SORT else SORTS[sort][1]
        chosen = (sa.select(Idea.id.label("id"), key.label("sort_key"))
                  .join(matches, matches.c.idea_id == Idea.id))
    else:
        key = SORTS[sort][1]
        chosen = sa.select(Idea.id.label("id"), key.label("sort_key"))
    chosen = chosen.where(Idea.hidden.is_(False))
    if status:
        chosen = chosen.where(Idea.status == sa.bindparam("status"))
    if department:
        chosen = chosen.where(Idea.department_id == sa.bindparam("department_id"))
    if campaign:
        chosen = chosen.where(Idea.campaign_id == sa.bindparam("campaign_id"))
    if tag:
        chosen = chosen.where(Idea.tags.any(Tag.name == sa.bindparam("tag")))
    if mine:
        chosen = chosen.where(Idea.author_id == sa.bindparam(VIEWER_PARAM))
    if following:
        chosen = chosen.where(Idea.id.in_(
            sa.select(Follow.idea_id).where(Follow.user_id == sa.bindparam(VIEWER_PARAM))))
    keyset = list_keyset(sort, key)
    page = seek(chosen, keyset, direction)
    return (card_select().add_columns(*seek_columns(page)).join(page, page.c.id == Idea.id)
            .order_by(*page_order(page, keyset)))


# A list that can match nothing (a search of only stop words): the cards' select, empty.
NOTHING = CARD_SELECT.where(sa.false())

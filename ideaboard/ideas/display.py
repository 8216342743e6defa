"""What the idea lists and the idea page show, worked out once per page and kept.

A list page is the most viewed page there is, so its cost is designed here rather than
left to the ORM and the template. Profiled at 100,000 ideas, the page spent a third of
its time asking the policy and ``url_for`` card by card from the template. Now the list
reads plain rows (``ideas.queries.CARD_COLUMNS``), and the policy is asked once per card
with the user object: that is a ``CardKey``, all a card shows to this viewer.

A card's HTML is a pure function of its key and the CSRF token, so ``card_list_items``
keeps the HTML of recently shown cards per application (``CARD``, a
``core.kept.KeptFragment``), keyed by the whole ``CardKey``: any change to what a card
shows (a vote, a comment, an edit, the hour it is read in, who reads it) is a different
key, so nothing kept can go stale; it can only be unused. Only for a key not kept is the
``Card`` made (links, labels, dates) and rendered.

The idea page is assembled from sections that each capability contributes
(``idea_page_section``), so the page knows nothing of comments or reviews and its query
count stays constant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import quote

from flask import request, url_for
from markupsafe import Markup

from ideaboard import sanitize
from ideaboard.core.i18n import gettext as _
from ideaboard.core.kept import TOKEN_SLOT, KeptFragment
from ideaboard.core.paging import CURSOR_ARG
from ideaboard.core.permissions import checker
from ideaboard.core.templating import time_ago
from ideaboard.core.urls import link_by_id, link_with_slot, links_with
from ideaboard.database import utcnow
from ideaboard.ideas.forms import FILTER_CACHE_SIZE, FilterKey, filter_form, is_kept
from ideaboard.ideas.models import IdeaStatus, IdeaVersion
from ideaboard.ideas.queries import (
    CARD_COLUMNS,
    RELEVANCE_SORT,
    SORT_EXPLAINED,
    SORTS,
    split_tag_names,
)
from ideaboard.org.services import department_rows


class Progress(NamedTuple):
    """How far an open idea is from review: its net votes (none below zero) of the
    department's threshold, as a ``<progress>`` and in words."""

    value: int
    threshold: int
    text: str  # "3 of 5 votes to reach the IT review"
    short: str  # "3 of 5 votes to review", for a card


def review_progress(status: str, net_votes: int, threshold: int | None,
                    department_name: str) -> Progress | None:
    """The progress to review of an idea in ``status`` with ``net_votes``, None unless it
    is open (``review.services.enter_review_if_threshold_met`` moves it on at the
    threshold; a threshold lowered since can leave it at or past it until its next vote)."""
    if status != IdeaStatus.OPEN or not threshold:
        return None
    value = min(max(net_votes, 0), threshold)
    return Progress(
        value, threshold,
        _("%(value)d of %(threshold)d votes to reach the %(department)s review",
          value=value, threshold=threshold, department=department_name),
        _("%(value)d of %(threshold)d votes to review", value=value, threshold=threshold))


@dataclass(frozen=True, slots=True)
class Card:
    """One idea as its card shows it to one viewer, ready for the template (made from a
    CardKey when its HTML is not kept)."""

    id: int
    title: str
    excerpt: str
    status: str
    upvotes: int
    downvotes: int
    net_votes: int
    progress: Progress | None  # towards review, while the idea is open
    comment_count: int
    created_at: datetime  # shown by the ``when`` filter, with ``age`` as its text
    age: str  # "3 days ago", as of the request (part of the card's key)
    author_name: str | None  # None when the viewer may not see who wrote it
    # Their page; None for an anonymous idea, even to those who may see who wrote it.
    author_url: str | None
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

    row: tuple  # the values of queries.CARD_COLUMNS
    tags: tuple[str, ...]
    my_vote: int
    votable: bool
    author_visible: bool
    by_viewer: bool
    age: str  # "3 days ago", as of this request
    script_root: str  # the prefix of the card's links


CARD_WIDTH = len(CARD_COLUMNS)


def cards(viewer, rows: Sequence) -> list[CardKey]:
    """A card for each row of ``queries.card_select()`` (in order), read for
    ``viewer``. The policy decides, per card, what the viewer sees and may do."""
    user = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    viewer_id = getattr(user, "id", None)
    may_vote = checker(user, "idea.vote")
    may_see_author = checker(user, "idea.see_author")
    now = utcnow()
    root = request.script_root
    return [
        # The row's first columns are the card's; a list may add its own (its cursor's).
        CardKey(tuple(row)[:CARD_WIDTH],
                split_tag_names(row.tag_names),
                row.my_vote or 0, may_vote(row), may_see_author(row),
                row.author_id == viewer_id, time_ago(row.created_at, now), root)
        for row in rows
    ]


def sort_tabs(searching: str = "") -> list[tuple[str, str, str, str]]:
    """(sort, label, link, what it puts first) for each way an idea list can be sorted
    (with a search, ``searching``, its best match first), the request's other filters
    kept, in the request's language: the tabs of every idea list."""
    tabs = [(key, str(label)) for key, (label, _column) in SORTS.items()]
    if searching:
        tabs.insert(0, (RELEVANCE_SORT, _("Best match")))
    links = links_with("sort", [key for key, _label in tabs])
    return [(key, label, links[key], str(SORT_EXPLAINED[key])) for key, label in tabs]


def tag_links(names: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """(name, link to the list of ideas with that tag) for each tag name."""
    tag_link = link_with_slot("ideas.index", "tag")
    return tuple((name, tag_link.format(quote(name, safe=""))) for name in names)


class CardFacts(NamedTuple):
    """What one card says to its viewer, without the links and labels of HTML (what
    the API sends): the author only where the policy lets the viewer see them."""

    id: int
    title: str
    excerpt: str
    status: str
    upvotes: int
    downvotes: int
    comment_count: int
    created_at: datetime
    author_id: int | None  # None when the viewer may not see who wrote it
    author_name: str | None  # likewise
    is_anonymous: bool
    department_name: str
    department_slug: str
    review_threshold: int | None
    tags: tuple[str, ...]
    my_vote: int
    votable: bool


def card_facts(key: CardKey) -> CardFacts:
    """The facts of the card ``key`` stands for (no request needed)."""
    (idea_id, title, excerpt, status, upvotes, downvotes, comment_count, created_at,
     author_id, is_anonymous, _hidden, author_name, department_name, department_slug,
     _tag_names, _my_vote, review_threshold, _votes_closed) = key.row
    visible = key.author_visible
    return CardFacts(idea_id, title, excerpt, status, upvotes, downvotes, comment_count,
                     created_at, author_id if visible else None,
                     author_name if visible else None, is_anonymous, department_name,
                     department_slug, review_threshold, key.tags, key.my_vote, key.votable)


def card(key: CardKey) -> Card:
    """The Card that ``key`` stands for, links and labels made (in a request)."""
    facts = card_facts(key)
    net_votes = facts.upvotes - facts.downvotes
    return Card(
        id=facts.id,
        title=facts.title,
        excerpt=facts.excerpt,
        status=facts.status,
        upvotes=facts.upvotes,
        downvotes=facts.downvotes,
        net_votes=net_votes,
        progress=review_progress(facts.status, net_votes, facts.review_threshold,
                                 facts.department_name),
        comment_count=facts.comment_count,
        created_at=facts.created_at,
        age=key.age,
        author_name=facts.author_name,
        author_url=None if facts.is_anonymous or facts.author_id is None
        else link_by_id("people.profile", "user_id").format(facts.author_id),
        is_anonymous=facts.is_anonymous,
        by_viewer=key.by_viewer,
        department_name=facts.department_name,
        url=link_by_id("ideas.detail").format(facts.id),
        department_url=link_with_slot("ideas.department", "slug").format(
            quote(facts.department_slug, safe="")),
        tags=tag_links(facts.tags),
        my_vote=facts.my_vote,
        votable=facts.votable,
        vote_url=link_by_id("voting.vote").format(facts.id),
    )


# Cards kept per application: the first pages of the lists people open, for their votes.
# About 7 KB each with its key, measured: 1,024 cards are about 7 MB of a worker.
CARD_CACHE_SIZE = 1024
CARD: KeptFragment[CardKey] = KeptFragment(
    "_macros/idea_card.html", "idea_card",
    lambda key: (card(key), TOKEN_SLOT), maxsize=CARD_CACHE_SIZE)


def card_list_items(keys: Sequence[CardKey], token: str) -> Markup:
    """An ``<li>`` with each card's HTML, the viewer's CSRF token in its vote forms, for
    the list's ``<ol>``: one call from the template for the page, not one per card."""
    return CARD.join(keys, token, before="<li>", after="</li>")


# --- the filter bar -------------------------------------------------------------------

# Which arguments mean a filter is in use: the bar is then open on a phone.
FILTERING_ARGS = ("q", "status", "department", "tag", "show")


def _filter_bar_arguments(key: FilterKey) -> tuple:
    form, filters = filter_form(key)
    names = {name for name, _value in key.args}
    return (form, filters.sort, any(name in names for name in FILTERING_ARGS),
            url_for("ideas.index"), url_for("ideas.index") if key.args else None)


FILTER_BAR: KeptFragment[FilterKey] = KeptFragment(
    "ideas/_filter_bar.html", "filter_bar", _filter_bar_arguments, maxsize=FILTER_CACHE_SIZE)


def filter_key() -> FilterKey:
    """The request's ``FilterKey``: its query string without the page's cursor (the bar
    is the same on every page of a list), the departments (one statement)."""
    return FilterKey(tuple((name, value) for name, value in request.args.items(multi=True)
                           if name != CURSOR_ARG),
                     department_rows(), request.script_root)


def filter_bar(key: FilterKey) -> Markup:
    """The filter bar's markup for ``key`` (kept, unless its query string is long)."""
    return Markup(FILTER_BAR.html(key, keep=is_kept(key)))  # nosec B704 (autoescaped macro)


# --- the idea page --------------------------------------------------------------------

# A section's loader gets the idea and the viewer and returns the template variables its
# partial needs (``templates/<capability>/_idea_*.html``), loading them in a fixed number
# of queries.
Loader = Callable[[Any, Any], dict[str, Any]]
_SECTIONS: dict[str, Loader] = {}


def idea_page_section(name: str) -> Callable[[Loader], Loader]:
    """Register the loader of one section of the idea page."""

    def register(loader: Loader) -> Loader:
        _SECTIONS[name] = loader
        return loader

    return register


def idea_page_context(idea, viewer) -> dict[str, Any]:
    """Every registered section's template variables for this idea and viewer."""
    context: dict[str, Any] = {}
    for loader in _SECTIONS.values():
        context.update(loader(idea, viewer))
    return context


def version_html(version: IdeaVersion) -> Markup:
    """An earlier text of an idea as the idea showed it: the sanitised HTML kept with the
    version, or, for a version kept before that HTML was, its Markdown rendered now
    through the one sanitiser (never the raw Markdown)."""
    html = version.body_html if version.body_html is not None else \
        sanitize.render_markdown(version.body_md)
    return Markup(html)  # nosec B704: the sanitiser's output

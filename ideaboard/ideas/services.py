"""Submitting, editing, finding and listing ideas.

Services flush and never commit; the view that calls them commits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import format_number
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from ideaboard import sanitize
from ideaboard.audit.services import record
from ideaboard.campaigns.models import CampaignFunnel
from ideaboard.core.i18n import gettext as _
from ideaboard.core.i18n import ngettext
from ideaboard.core.paging import Keyset
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas import ranking, search
from ideaboard.ideas.models import Idea, IdeaStatus, IdeaVersion, Tag
from ideaboard.ideas.queries import (
    DEFAULT_SORT,
    IDEA_PAGE,
    IDEA_WITH_TAGS,
    NOTHING,
    RELEVANCE_SORT,
    SORTS,
    VIEWER_PARAM,
    list_keyset,
    list_statement,
    split_tag_names,
)
from ideaboard.org.models import Department
from ideaboard.webhooks import services as webhooks

if TYPE_CHECKING:
    from ideaboard.accounts.models import User

TITLE_MIN, TITLE_MAX = 8, 140
BODY_MAX = 20_000
MAX_TAGS = 5
TAG_MAX_LENGTH = 32
# The tags field as typed: MAX_TAGS names with room for spaces, accents and commas.
TAGS_FIELD_MAX = 255
SIMILAR_LIMIT = 5


class IdeaError(ValueError):
    """Input the idea rules refuse; the message is safe to show (in the language of the
    request that raised it)."""


# --- tags ---------------------------------------------------------------------

def tag_slug(text: str) -> str:
    """A tag as a lowercase ASCII slug: "Coffee Machines" -> "coffee-machines"."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def clean_tags(names: Iterable[str]) -> list[str]:
    """Normalise tag names to slugs, dropping repeats; IdeaError if one is invalid or >5.

    Repeats are found with a dict, so the cost is linear: 10,000 tags took 3 s to refuse
    when each new slug was compared with every one before it. (The form bounds the
    field's length before this runs.)
    """
    names = [name for name in names if name.strip()]
    slugs: dict[str, None] = {}  # ordered, with set-speed membership
    for name in names:
        slug = tag_slug(name)
        if not slug:
            raise IdeaError(_("\u201c%(tag)s\u201d is not a valid tag: use letters and digits.",
                              tag=name.strip()))
        if len(slug) > TAG_MAX_LENGTH:
            raise IdeaError(_("Tags have at most %(max)d characters; \u201c%(tag)s\u201d has "
                              "%(length)d.", max=TAG_MAX_LENGTH, tag=slug, length=len(slug)))
        slugs[slug] = None
    if len(slugs) > MAX_TAGS:
        raise IdeaError(ngettext("At most %(max)d tags, please (%(num)d given).",
                                 "At most %(max)d tags, please (%(num)d given).",
                                 len(slugs), max=MAX_TAGS))
    return list(slugs)


def parse_tags(raw: str | None) -> list[str]:
    """Tags from a comma-separated text field, cleaned (see ``clean_tags``)."""
    return clean_tags((raw or "").split(","))


def tags_named(names: Iterable[str]) -> list[Tag]:
    """The Tag rows for these (clean) names, creating the missing ones. Flushes."""
    names = list(names)
    if not names:
        return []
    existing = {t.name: t for t in db.session.scalars(sa.select(Tag).where(Tag.name.in_(names)))}
    for name in names:
        if name in existing:
            continue
        try:
            with db.session.begin_nested():
                tag = Tag(name=name)
                db.session.add(tag)
        except sa.exc.IntegrityError:  # another request created it first: it is there
            tag = db.session.scalars(sa.select(Tag).where(Tag.name == name)).one()
        existing[name] = tag
    return [existing[name] for name in names]


# --- writing ideas ------------------------------------------------------------

# What other capabilities do, in the same transaction, when an idea is submitted: its
# author follows it (``following``), its timeline starts (``review.workflow``). They sit
# above ideas in the layers (README.md), so they register here rather than being called.
SubmitHook = Callable[["Idea", "User"], object]
_AFTER_SUBMIT: list[SubmitHook] = []


def after_submit(hook: SubmitHook) -> SubmitHook:
    """Register ``hook(idea, author)`` to run when an idea has been submitted (flushed).
    Hooks are independent of each other; each flushes what it writes."""
    _AFTER_SUBMIT.append(hook)
    return hook


_SPACE = re.compile(r"\s+")


def _check_text(title: str, body_md: str) -> tuple[str, str]:
    title = _SPACE.sub(" ", sanitize.strip_control(title)).strip()
    body_md = sanitize.strip_control(body_md).strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise IdeaError(_("A title has %(min)d to %(max)d characters.",
                          min=TITLE_MIN, max=TITLE_MAX))
    if not 1 <= len(body_md) <= BODY_MAX:
        raise IdeaError(_("A description has 1 to %(max)s characters.",
                          max=format_number(BODY_MAX)))
    return title, body_md


def _set_text(idea: Idea, title: str, body_md: str, body_html: str) -> None:
    idea.title = title
    idea.body_md = body_md
    idea.body_html = body_html
    idea.excerpt = sanitize.excerpt(body_html)


def submit_idea(author: User, title: str, body_md: str, department: Department | None,
                tags: Iterable[str], anonymous: bool, *, campaign_id: int | None = None,
                votes_closed: bool = False) -> Idea:
    """Create an open idea (answering the campaign ``campaign_id``, whose rules its
    caller, ``campaigns.services.submit_answer``, has checked); the ``after_submit``
    hooks make its author follow it and start its timeline. Flushes."""
    title, body_md = _check_text(title, body_md)
    # Rendered before any database work: on SQLite the request holds the write lock.
    body_html = sanitize.render_markdown(body_md)
    if department is None:
        raise IdeaError(_("Choose the department the idea is for."))
    now = utcnow()  # set before the flush: the trending score depends on it
    idea = Idea(author_id=author.id, department=department, status=IdeaStatus.OPEN.value,
                is_anonymous=bool(anonymous), created_at=now, updated_at=now,
                campaign_id=campaign_id, votes_closed=votes_closed)
    _set_text(idea, title, body_md, body_html)
    idea.tags = tags_named(clean_tags(tags))
    ranking.initial_scores(idea)
    db.session.add(idea)
    db.session.flush()
    count_in_campaign(campaign_id, None, idea.status)
    # The trail is for admins, who may see who wrote an anonymous idea (so may its audit).
    record(author, "idea.create", idea, after={
        "title": idea.title, "department_id": department.id,
        "tags": [tag.name for tag in idea.tags], "anonymous": idea.is_anonymous,
        **({"campaign_id": campaign_id} if campaign_id else {})})
    for hook in _AFTER_SUBMIT:
        hook(idea, author)
    webhooks.idea_created(idea)  # queued in this transaction; the worker delivers
    return idea


def count_in_campaign(campaign_id: int | None, leaving: str | None,
                      entering: str | None) -> None:
    """Move one visible idea of the campaign ``campaign_id`` out of the status
    ``leaving`` and into ``entering`` in its kept funnel (``campaigns.models``); either
    None for none (posted; hidden or shown by a moderator). Nothing for an idea of no
    campaign. Atomic statements, so concurrent changes all count."""
    if campaign_id is None or leaving == entering:
        return
    funnel = CampaignFunnel.__table__
    if leaving is not None:
        db.session.execute(sa.update(funnel).where(
            funnel.c.campaign_id == campaign_id, funnel.c.status == leaving)
            .values(ideas=funnel.c.ideas - 1))
    if entering is not None:
        insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql"
                  else sqlite.insert)(funnel)
        db.session.execute(
            insert.values(campaign_id=campaign_id, status=entering, ideas=1)
            .on_conflict_do_update(index_elements=[funnel.c.campaign_id, funnel.c.status],
                                   set_={"ideas": funnel.c.ideas + 1}))


_HAS_POSTED = sa.select(sa.exists().where(Idea.author_id == sa.bindparam("author_id")))


def has_posted(author: User) -> bool:
    """Whether ``author`` has posted an idea (hidden and withdrawn ones too): the new-idea
    page explains what happens after posting until they have. One indexed query."""
    return bool(db.session.scalar(_HAS_POSTED, {"author_id": author.id}))


def edit_idea(idea: Idea, editor: User, title: str, body_md: str, tags: Iterable[str]) -> bool:
    """Change an idea's text and tags; the previous text is kept as an IdeaVersion.

    The caller has checked the policy ("idea.edit"). Returns False when nothing
    changed. Flushes.
    """
    title, body_md = _check_text(title, body_md)
    body_html = sanitize.render_markdown(body_md)  # before the row lock below, not under it
    # Lock the row (PostgreSQL; SQLite serialises writers anyway) so two edits in
    # flight cannot both save the same version number.
    db.session.refresh(idea, ["title", "body_md", "version"], with_for_update=True)
    new_tags = tags_named(clean_tags(tags))
    text_changed = (title, body_md) != (idea.title, idea.body_md)
    old_tags = [t.name for t in idea.tags]
    tags_changed = [t.name for t in new_tags] != old_tags
    before = {"title": idea.title, "text": f"version {idea.version}", "tags": old_tags}
    if text_changed:
        db.session.add(IdeaVersion(idea_id=idea.id, version=idea.version, title=idea.title,
                                   body_md=idea.body_md, body_html=idea.body_html,
                                   editor_id=editor.id))
        _set_text(idea, title, body_md, body_html)
        idea.version = idea.version + 1
    if tags_changed:
        idea.tags = sorted(new_tags, key=lambda t: t.name)
    db.session.flush()
    if text_changed or tags_changed:
        # The text itself is kept in the idea's versions; the trail names the version.
        after = {"title": idea.title, "text": f"version {idea.version}",
                 "tags": [t.name for t in idea.tags]}
        record(editor, "idea.edit", idea, before={k: v for k, v in before.items()
                                                   if after[k] != v},
               after={k: v for k, v in after.items() if before[k] != v})
    return text_changed or tags_changed


# --- reading ideas ------------------------------------------------------------

def get_idea(idea_id: int) -> Idea | None:
    """One idea with its author, department and tags; the caller checks "idea.view"."""
    return db.session.scalar(IDEA_WITH_TAGS, {"idea_id": idea_id})


@dataclass(frozen=True)
class IdeaPage:
    """What the idea page reads with the idea itself."""

    idea: Idea
    tag_names: tuple[str, ...]
    my_vote: int  # the viewer's: +1, -1, or 0 for none


def get_idea_page(idea_id: int, viewer) -> IdeaPage | None:
    """The idea (author and department loaded) with its tag names and ``viewer``'s vote;
    the caller checks "idea.view"."""
    row = db.session.execute(IDEA_PAGE, {"idea_id": idea_id,
                                         VIEWER_PARAM: getattr(viewer, "id", None)}).first()
    if row is None:
        return None
    idea, joined_tags, my_vote = row
    return IdeaPage(idea, split_tag_names(joined_tags), my_vote or 0)


def similar_ideas(title: str | None, *, limit: int = SIMILAR_LIMIT,
                  exclude_id: int | None = None) -> list[Idea]:
    """Visible ideas sharing words with ``title``, most similar first (duplicate hints)."""
    matches = search.matches(title, any_word=True, candidates=search.RANKED_CANDIDATES)
    if matches is None:
        return []
    query = (
        sa.select(Idea)
        .join(matches, matches.c.idea_id == Idea.id)
        .where(Idea.hidden.is_(False))
        .order_by(matches.c.relevance.desc(), Idea.id.desc())
        .limit(limit)
        .options(joinedload(Idea.author), joinedload(Idea.department))
    )
    if exclude_id is not None:
        query = query.where(Idea.id != exclude_id)
    return list(db.session.scalars(query))


def close_titles(text: str | None) -> list[tuple[int, str]]:
    """(id, title) of visible ideas with titles close to ``text``: "Did you mean" for a
    search that found nothing (see ``search.close_titles``)."""
    return search.close_titles(text)


def title_from_search(text: str | None) -> str:
    """What someone searched for as the title of a new idea: spaces tidied, control
    characters dropped, at most ``TITLE_MAX`` characters (cut at a word where it can)."""
    title = _SPACE.sub(" ", sanitize.strip_control(text or "")).strip()
    if len(title) > TITLE_MAX:
        cut = title[:TITLE_MAX + 1].rsplit(" ", 1)[0]
        title = cut if len(cut) >= TITLE_MIN else title[:TITLE_MAX]
    return title[:TITLE_MAX]


@dataclass(frozen=True)
class IdeaFilters:
    """What the idea list shows; every field optional. Frozen: the filters of a query
    string are worked out once and kept (``forms.kept_filters``)."""

    sort: str = DEFAULT_SORT
    q: str = ""
    status: str = ""
    department_id: int | None = None
    campaign_id: int | None = None
    tag: str = ""
    mine: bool = False
    following: bool = False


@dataclass(frozen=True)
class ListQuery:
    """How a list seeks (``keyset``), the select behind each of its page directions
    (``statements``, see ``core.paging.seek_page``) and the values of their bound
    parameters."""

    keyset: Keyset
    statements: Callable[[str | None], sa.Select]
    params: dict[str, Any]


def list_query(viewer, filters: IdeaFilters) -> ListQuery:
    """The selects behind every idea list: the columns of its cards
    (``ideaboard.ideas.queries.CARD_COLUMNS``), filtered, searched and sorted, hidden ideas
    left out, one per page direction.

    The select is built once for each kind of list (which filters are set, the sort,
    whether it searches, the direction) and the values travel as parameters: SQLAlchemy
    keys its compiled SQL on the statement, and working that key out for a freshly built
    select cost four times as much as running it."""
    params: dict[str, Any] = {}
    if filters.status:
        params["status"] = filters.status
    if filters.department_id:
        params["department_id"] = filters.department_id
    if filters.campaign_id:
        params["campaign_id"] = filters.campaign_id
    if filters.tag:
        params["tag"] = tag_slug(filters.tag)
    params[VIEWER_PARAM] = getattr(viewer, "id", None)
    sort = filters.sort if filters.sort in SORTS or filters.sort == RELEVANCE_SORT \
        else DEFAULT_SORT
    searching = bool(filters.q.strip())
    if searching:
        found = search.list_search_params(filters.q, ranked=sort == RELEVANCE_SORT)
        if found is None:  # only stop words or punctuation: nothing can match
            return ListQuery(list_keyset(sort, Idea.id), lambda direction: NOTHING, params)
        params.update(found)
    elif sort == RELEVANCE_SORT:
        sort = DEFAULT_SORT
    candidates = search.RANKED_CANDIDATES if searching and sort == RELEVANCE_SORT else None
    kind = (db.session.get_bind().dialect.name, sort, searching, candidates,
            bool(filters.status), bool(filters.department_id), bool(filters.campaign_id),
            bool(filters.tag),
            filters.mine, filters.following)
    return ListQuery(list_keyset(sort, Idea.id if sort == RELEVANCE_SORT else None),
                     lambda direction: list_statement(*kind, direction), params)



def versions(idea: Idea) -> list[IdeaVersion]:
    """The idea's earlier texts, newest first."""
    return list(db.session.scalars(
        sa.select(IdeaVersion).where(IdeaVersion.idea_id == idea.id)
        .order_by(IdeaVersion.version.desc())
    ))

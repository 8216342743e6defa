"""What a list of idea cards needs besides the ideas, worked out once per page.

A card shows the viewer's vote, the vote buttons if the policy lets them vote, the
author if the policy lets them see it, and links to the idea, its department and its
tags. Asked card by card from the template, that was ~50 policy checks (each through
Flask-Login's ``current_user`` proxy) and ~110 ``url_for`` calls per page: a third of
the page's CPU. Here the policy is asked with the user object itself, and each kind
of link is built once and filled in per card.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from flask import url_for

from ideaboard.ideas.models import Idea
from ideaboard.policy import can

# Stands for the variable part while a link is built once by url_for.
_SLOT = "___slot___"


@dataclass(frozen=True, slots=True)
class Card:
    """One idea as its card shows it to one viewer."""

    idea: Idea
    my_vote: int
    votable: bool
    author_visible: bool
    url: str
    vote_url: str
    department_url: str
    tags: list[tuple[str, str]]  # (name, link to the list of ideas with that tag)


def _link(endpoint: str, key: str) -> str:
    """A format string for ``endpoint``'s URL with ``{}`` where ``key``'s value goes."""
    return url_for(endpoint, **{key: _SLOT}).replace(_SLOT, "{}")


def link_by_id(endpoint: str, key: str = "idea_id") -> str:
    """A format string for ``endpoint``'s URL with ``{}`` where the integer ``key`` goes:
    ``link_by_id("ideas.detail").format(7) == url_for("ideas.detail", idea_id=7)``."""
    # Integer converters refuse a placeholder: build with an id no row has, then cut.
    sentinel = 987_654_321_987
    return url_for(endpoint, **{key: sentinel}).replace(str(sentinel), "{}")


def cards(viewer, ideas: Iterable[Idea], votes: dict[int, int]) -> list[Card]:
    """A card for each idea (in order), for ``viewer``, whose votes are ``votes``."""
    user = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    idea_link = link_by_id("ideas.detail")
    vote_link = link_by_id("voting.vote")
    department_link = _link("ideas.department", "slug")
    tag_link = _link("ideas.index", "tag")
    return [
        Card(
            idea=idea,
            my_vote=votes.get(idea.id, 0),
            votable=can(user, "idea.vote", idea),
            author_visible=can(user, "idea.see_author", idea),
            url=idea_link.format(idea.id),
            vote_url=vote_link.format(idea.id),
            department_url=department_link.format(quote(idea.department.slug, safe="")),
            tags=[(tag.name, tag_link.format(quote(tag.name, safe=""))) for tag in idea.tags],
        )
        for idea in ideas
    ]

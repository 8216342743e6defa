"""Keyset paging of the idea lists (core.paging.seek): every sort, filter and search,
walked forward and back over ideas whose sort keys tie, shows each idea once in order;
a deep page runs the first page's statements without OFFSET; forged links are refused."""

from __future__ import annotations

import re

import pytest

from ideaboard.core.paging import AFTER, Cursor, encode_cursor
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.following.services import follow
from ideaboard.ideas.models import Idea
from ideaboard.ideas.queries import SORTS, list_keyset
from tests.helpers.factories import IdeaFactory, TagFactory
from tests.helpers.paging import (
    assert_deep_page_seeks,
    assert_forged_cursors_refused,
    assert_walks_in_order,
    get_page,
    pager_link,
    walk,
)

PER_PAGE = 3


def _ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="idea-card card" id="idea-(\d+)"', page)]


@pytest.fixture
def board(app, peer, employee, it_department, hr_department):
    """Twenty-four ideas posted in one instant, in three groups of equal votes and
    comments, so every sort key ties within a group (and Trending's, made of them, too);
    two statuses, two departments, a tag, a searched word, some the viewer follows or
    wrote."""
    app.config["PAGE_SIZE"] = PER_PAGE
    moment = utcnow()
    ergonomic = TagFactory(name="ergonomics")
    ideas = []
    for n in range(24):
        upvotes, comments = [(4, 2), (1, 0), (0, 0)][n % 3]
        ideas.append(IdeaFactory(
            author=employee if n % 4 == 0 else peer,
            department=it_department if n % 2 else hr_department,
            title=f"{'Coffee' if n % 3 else 'Desk'} idea number {n}",
            status="declined" if n % 5 == 0 else "open", created_at=moment,
            upvotes=upvotes, comment_count=comments,
            tags=[ergonomic] if n % 3 == 0 else []))
    db.session.flush()
    for idea in ideas[::2]:
        follow(employee.id, idea.id)
    db.session.commit()
    return ideas


def _expected(ideas, sort: str, keep=lambda idea: True) -> list[int]:
    column = SORTS[sort][1].key
    fresh = [db.session.get(Idea, idea.id) for idea in ideas]
    return [idea.id for idea in sorted((i for i in fresh if keep(i)),
                                       key=lambda i: (getattr(i, column), i.id), reverse=True)]


@pytest.mark.parametrize("sort", list(SORTS))
def test_every_sort_walks_each_idea_once(employee_client, board, sort):
    assert_walks_in_order(employee_client, f"/?sort={sort}", _ids, _expected(board, sort),
                          PER_PAGE)


def _number(idea) -> int:
    return int(idea.title.rsplit(" ", 1)[1])


# (arguments, which ideas they keep): the board's ideas are made from their number.
FILTERS = [
    ("status=open", lambda idea, it, me: idea.status == "open"),
    ("department={it}", lambda idea, it, me: idea.department_id == it),
    ("tag=ergonomics", lambda idea, it, me: _number(idea) % 3 == 0),
    ("show=mine", lambda idea, it, me: idea.author_id == me),
    ("show=following&status=open",
     lambda idea, it, me: idea.status == "open" and _number(idea) % 2 == 0),
    ("q=coffee&department={it}",
     lambda idea, it, me: idea.title.startswith("Coffee") and idea.department_id == it),
]


@pytest.mark.parametrize("arguments, keep", FILTERS)
@pytest.mark.parametrize("sort", ["top", "new", "trending"])
def test_filters_and_searches_walk_each_idea_once_and_stay_in_the_links(
        employee_client, board, it_department, employee, sort, arguments, keep):
    arguments = arguments.format(it=it_department.id)
    url = f"/?sort={sort}&{arguments}"
    expected = _expected(board, sort, lambda idea: keep(idea, it_department.id, employee.id))
    assert_walks_in_order(employee_client, url, _ids, expected, PER_PAGE)
    second = pager_link(get_page(employee_client, url), "next")
    assert second.startswith(f"{url}&cursor=")


def test_a_search_by_best_match_walks_its_ranking_once(employee_client, board):
    forward, backward = walk(employee_client, "/?q=coffee&sort=relevance", _ids)
    shown = [item for page in forward for item in page]
    assert sorted(shown) == sorted(i.id for i in board if i.title.startswith("Coffee"))
    assert backward == forward and len(forward) > 2


def test_a_department_page_walks_each_of_its_ideas_once(employee_client, board,
                                                        it_department):
    url = f"/departments/{it_department.slug}?sort=top"
    assert_walks_in_order(employee_client, url, _ids, _expected(
        board, "top", lambda idea: idea.department_id == it_department.id), PER_PAGE)
    assert_deep_page_seeks(employee_client, url, _ids, pages=3)
    assert_forged_cursors_refused(employee_client, url)


@pytest.mark.parametrize("url", ["/?sort=trending", "/?sort=top&status=open", "/?sort=new",
                                 "/?sort=discussed", "/?q=coffee&sort=top",
                                 "/?q=coffee&sort=relevance"])
def test_a_deep_page_costs_the_first_page_s_statements_without_offset(
        employee_client, board, url):
    assert_deep_page_seeks(employee_client, url, _ids, pages=4)


def test_forged_and_foreign_cursors_are_refused(app, employee_client, board):
    assert_forged_cursors_refused(employee_client, "/?sort=top")
    # A real cursor of another list (or sort) does not open this one.
    with app.test_request_context():
        of_new = encode_cursor(list_keyset("new"), Cursor(AFTER, utcnow(), board[0].id, 2))
        far = encode_cursor(list_keyset("top"), Cursor(AFTER, 0, board[0].id, 10**9))
        wrong_kind = encode_cursor(list_keyset("top"), Cursor(AFTER, "a name", 1, 2))
    for cursor in (of_new, far, wrong_kind):
        response = employee_client.get(f"/?sort=top&cursor={cursor}")
        assert response.status_code == 400, cursor
    assert employee_client.get(f"/?sort=new&cursor={of_new}").status_code == 200


def test_previous_from_the_second_page_is_the_first(employee_client, board):
    first = get_page(employee_client, "/?sort=top")
    second = get_page(employee_client, pager_link(first, "next"))
    back = get_page(employee_client, pager_link(second, "prev"))
    assert _ids(back) == _ids(first)
    assert 'rel="prev"' not in back and "Page 1</span>" in back

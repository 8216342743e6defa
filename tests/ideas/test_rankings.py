"""Rankings people understand (issue 13, item 10): Top sorts by the net votes every card
shows; Trending puts no closed, duplicate or voted-down idea above an open one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas import ranking
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.review import services as review
from ideaboard.voting.services import cast_vote, vote_target
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.paging import get_page, pager_link
from tests.helpers.queries import count_queries

CARD = re.compile(r'<article class="idea-card card" id="idea-(\d+)".*?data-vote-net>(-?\d+)<',
                  re.S)


def _shown(client, url: str) -> list[tuple[int, int]]:
    """(idea id, the net score its card shows) in the order of the page."""
    response = client.get(url)
    assert response.status_code == 200
    return [(int(i), int(net)) for i, net in CARD.findall(response.get_data(as_text=True))]


def _stored(idea: Idea) -> Idea:
    db.session.expire_all()
    return db.session.get(Idea, idea.id)


def test_top_sorts_by_the_net_votes_the_cards_show(employee_client, peer, it_department):
    # The Wilson score ranks the sure 5-0 above the contested 40-30; people see 5 and 10.
    contested = IdeaFactory(author=peer, department=it_department, upvotes=40, downvotes=30)
    sure = IdeaFactory(author=peer, department=it_department, upvotes=5)
    quiet = IdeaFactory(author=peer, department=it_department)
    against = IdeaFactory(author=peer, department=it_department, upvotes=1, downvotes=4)
    assert ranking.wilson(5, 0) > ranking.wilson(40, 30)
    shown = _shown(employee_client, "/?sort=top")
    assert [i for i, _ in shown] == [contested.id, sure.id, quiet.id, against.id]
    nets = [net for _, net in shown]
    assert nets == [10, 5, 0, -3] == sorted(nets, reverse=True)
    # Within a department and a status too (each with its own index).
    assert _shown(employee_client, f"/departments/{it_department.slug}?sort=top") == shown
    assert _shown(employee_client, "/?sort=top&status=open") == shown


def test_top_follows_votes_as_they_are_cast(employee_client, peer, it_department):
    first = IdeaFactory(author=peer, department=it_department, upvotes=2)
    second = IdeaFactory(author=peer, department=it_department, upvotes=1)
    for _ in range(2):
        cast_vote(UserFactory(), vote_target(second.id), 1)
    db.session.commit()
    assert _stored(second).net_score == 3
    assert [i for i, _ in _shown(employee_client, "/?sort=top")] == [second.id, first.id]


@pytest.mark.parametrize("status", sorted(ranking.CLOSED))
def test_trending_puts_a_closed_idea_below_every_open_one(employee_client, peer,
                                                          it_department, status):
    now = utcnow()
    old_open = IdeaFactory(author=peer, department=it_department, upvotes=1,
                           created_at=now - timedelta(days=60))
    closed = IdeaFactory(author=peer, department=it_department, status=status, upvotes=30,
                         comment_count=20, created_at=now)
    order = [i for i, _ in _shown(employee_client, "/?sort=trending")]
    assert order == [old_open.id, closed.id]


def test_trending_puts_a_voted_down_idea_below_every_other(employee_client, peer,
                                                           it_department):
    now = utcnow()
    old = IdeaFactory(author=peer, department=it_department,
                      created_at=now - timedelta(days=90))
    new_negative = IdeaFactory(author=peer, department=it_department, upvotes=1,
                               downvotes=2, created_at=now)
    assert [i for i, _ in _shown(employee_client, "/")] == [old.id, new_negative.id]
    # Votes that lift it back to zero or more bring it back on its freshness.
    cast_vote(UserFactory(), vote_target(new_negative.id), 1)
    db.session.commit()
    assert _stored(new_negative).trending_score == pytest.approx(
        ranking.trending(2, 2, 0, _stored(new_negative).created_at), abs=1e-5)
    assert [i for i, _ in _shown(employee_client, "/")] == [new_negative.id, old.id]
    # ... and a vote against sinks it again.
    for _ in range(2):
        cast_vote(UserFactory(), vote_target(new_negative.id), -1)
    db.session.commit()
    assert [i for i, _ in _shown(employee_client, "/")] == [old.id, new_negative.id]


def test_a_change_of_status_moves_the_trending_key(author, it_department, peer):
    idea = IdeaFactory(author=author, department=it_department, upvotes=3)
    other = IdeaFactory(author=peer, department=it_department,
                        created_at=utcnow() - timedelta(days=30))
    before = _stored(idea).trending_score
    assert before > _stored(other).trending_score
    review.withdraw(_stored(idea), author, "Found another way.")
    db.session.commit()
    withdrawn = _stored(idea)
    assert withdrawn.status == IdeaStatus.WITHDRAWN
    assert withdrawn.trending_score == pytest.approx(before - ranking.SUNK)
    assert withdrawn.trending_score < _stored(other).trending_score


@pytest.mark.parametrize("status", [s.value for s in IdeaStatus])
@pytest.mark.parametrize("up, down, comments", [(3, 1, 4), (1, 3, 0), (0, 0, 0)])
def test_the_kept_keys_are_what_python_computes(peer, it_department, status, up, down,
                                                comments):
    """The counters' UPDATE (SQL) and initial_scores (Python) keep the same keys."""
    idea = IdeaFactory(author=peer, department=it_department, status=status, upvotes=up,
                       downvotes=down, comment_count=comments)
    expected = ranking.trending(up, down, comments, idea.created_at, status)
    assert idea.trending_score == pytest.approx(expected)
    assert (expected < -ranking.SUNK / 2) is (status in ranking.CLOSED or up < down)
    row = ranking.bump_counters(idea)  # a zero bump recomputes them in SQL
    assert row.trending_score == pytest.approx(expected, abs=1e-5)
    assert row.net_score == up - down


def test_sorted_lists_keep_their_query_budget(employee_client, peer, it_department):
    for i in range(30):
        IdeaFactory(author=peer, department=it_department, upvotes=i % 7, downvotes=i % 3,
                    status="declined" if i % 5 == 0 else "open")
    small = count_queries(employee_client, "/?sort=top")
    second = pager_link(get_page(employee_client, "/?sort=top"), "next")
    assert count_queries(employee_client, second) == small
    assert count_queries(employee_client, "/?sort=trending") == small

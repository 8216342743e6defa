"""The review queue page by page: its order across pages, the pager, what each row
shows, and a cost that does not follow the queue's length."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.review.services import QUEUE_PAGE_SIZE, queue_count, queue_page, save_review
from tests.helpers.factories import UserFactory
from tests.helpers.queries import QueryCounter
from tests.helpers.review import make_idea, queue_ids


def _rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-idea="(\d+)"', html)]


def _queue(author, department, n: int, *, overdue: int = 0) -> None:
    """``n`` ideas in review, the first ``overdue`` of them overdue, with merits that
    tie in pairs (so the order falls through to the waiting time and the id)."""
    now = utcnow()
    for i in range(n):
        idea = make_idea(author, department, status="in_review", title=f"Queued idea {i:02d}")
        idea.merit_score = None if i % 5 == 0 else float(40 + (i // 2) % 7)
        idea.entered_review_at = now - timedelta(days=i % 3, minutes=i)
        if i < overdue:
            idea.review_due_at = now - timedelta(hours=1 + i)
    db.session.commit()


def test_page_two_continues_the_order_of_page_one(manager_client, manager, author,
                                                  it_department):
    _queue(author, it_department, QUEUE_PAGE_SIZE + 7, overdue=3)
    everything = queue_ids(manager)
    first = manager_client.get("/review").get_data(as_text=True)
    second = manager_client.get("/review?page=2").get_data(as_text=True)
    assert _rows(first) == everything[:QUEUE_PAGE_SIZE]
    assert _rows(second) == everything[QUEUE_PAGE_SIZE:]
    # The overdue ones lead, labelled in words, not only by colour.
    # (Each is less than a day overdue: due an hour or a few ago.)
    assert first.count("less than a day overdue</time></strong>") == 3
    assert first.count('class="overdue"') == 3
    assert "overdue</time></strong>" not in second


def test_the_pager_links_the_pages_and_the_caption_says_what_is_shown(manager_client, author,
                                                                      it_department):
    _queue(author, it_department, QUEUE_PAGE_SIZE + 7)
    first = manager_client.get("/review").get_data(as_text=True)
    assert '<nav class="pagination" aria-label="Pages">' in first
    assert 'href="/review?page=2" rel="next"' in first and 'rel="prev"' not in first
    assert f"{QUEUE_PAGE_SIZE + 7} ideas waiting for review, 1 to {QUEUE_PAGE_SIZE} shown" in first
    second = manager_client.get("/review?page=2").get_data(as_text=True)
    assert 'href="/review?page=1" rel="prev"' in second and 'rel="next"' not in second
    assert (f"{QUEUE_PAGE_SIZE + 7} ideas waiting for review, {QUEUE_PAGE_SIZE + 1} to "
            f"{QUEUE_PAGE_SIZE + 7} shown") in second
    # The navigation's count is the whole queue, not the page.
    assert f'aria-label="{QUEUE_PAGE_SIZE + 7} waiting"' in second


def test_a_short_queue_has_no_pager(manager_client, author, it_department):
    _queue(author, it_department, 2)
    html = manager_client.get("/review").get_data(as_text=True)
    assert len(_rows(html)) == 2 and 'aria-label="Pages"' not in html
    assert "2 ideas waiting for review<" in html


def test_a_page_past_the_end_says_so_and_links_back(manager_client, author, it_department):
    _queue(author, it_department, 3)
    response = manager_client.get("/review?page=4")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _rows(html) == []
    assert "nothing on this page" in html and 'href="/review"' in html
    assert "Nothing is waiting for your review" not in html


@pytest.mark.parametrize("page", [1, 2])
def test_queries_are_the_same_for_a_short_and_a_long_queue(manager_client, author,
                                                           it_department, page):
    counts = []
    for more in (QUEUE_PAGE_SIZE + 2, 3 * QUEUE_PAGE_SIZE):  # 22 ideas, then 82
        _queue(author, it_department, more)
        manager_client.get(f"/review?page={page}")
        with QueryCounter() as counter:
            response = manager_client.get(f"/review?page={page}")
        assert response.status_code == 200 and _rows(response.get_data(as_text=True))
        counts.append(counter.count)
    # The signed-in user, the page of the queue (departments and "you scored it" in the
    # same statement), and the four worklists' lengths in one statement, for the tabs,
    # the navigation and the caption.
    assert counts == [3, 3], counts


def test_rows_say_who_scored_and_whose_queue_holds_the_idea(app, manager_client, manager,
                                                            author, it_department,
                                                            hr_department):
    scored = make_idea(author, it_department, status="in_review", title="Scored by me")
    save_review(scored, manager, impact=4, feasibility=3, effort=2)
    # An HR idea escalated into IT's queue shows both departments.
    escalated = make_idea(author, hr_department, status="in_review", title="From HR",
                          queue_department_id=it_department.id)
    db.session.commit()
    html = manager_client.get("/review").get_data(as_text=True)
    rows = dict(zip(_rows(html), re.split(r'data-idea="\d+"', html)[1:], strict=True))
    assert "(you scored it)" in rows[scored.id] and "(you scored it)" not in rows[escalated.id]
    assert "4.0 / 3.0 / 2.0" in rows[scored.id] and "not scored" in rows[escalated.id]
    assert "HR" in rows[escalated.id] and "(queue: IT)" in rows[escalated.id]
    assert "(queue:" not in rows[scored.id]
    assert f'href="/review/ideas/{scored.id}"' in rows[scored.id]


def test_an_admin_sees_both_parts_of_their_queue_once(admin_client, admin, author,
                                                      it_department):
    admin.managed_departments = [it_department]
    past_root = make_idea(author, it_department, status="in_review", title="Past the root",
                          queue_department_id=None, escalation_level=3)
    held = make_idea(author, it_department, status="in_review", title="With IT")
    make_idea(admin, it_department, status="in_review", queue_department_id=None,
              title="The admin's own")  # nobody reviews their own idea
    db.session.commit()
    assert queue_count(admin) == 2
    assert sorted(row.id for row in queue_page(admin, 1).items) == sorted([past_root.id, held.id])
    html = admin_client.get("/review").get_data(as_text=True)
    assert sorted(_rows(html)) == sorted([past_root.id, held.id])
    # Escalated: the column says to whom, in words (and no "(queue: ...)" beside it).
    assert "<strong>Escalated to the administrators</strong>" in html
    assert "Level 3" not in html and "(queue: administrators)" not in html


def test_kept_rows_show_what_changed_and_whose_view_it_is(app, manager_client, manager,
                                                         author, it_department):
    """Rows' markup is kept per worker, keyed by all they show: a review, a vote and
    another reviewer each make another row, never a stale one."""
    from ideaboard.voting.services import cast_vote, vote_target
    from tests.helpers.login import signed_in

    idea = make_idea(author, it_department, status="in_review", title="Kept row")
    colleague = UserFactory(email="colleague@example.com", role="manager",
                            manages=[it_department])
    first = manager_client.get("/review").get_data(as_text=True)
    assert "not scored" in first and 'title="0 up, 0 down"' in first
    save_review(idea, manager, impact=5, feasibility=4, effort=1)
    cast_vote(UserFactory(), vote_target(idea.id), 1)
    db.session.commit()
    second = manager_client.get("/review").get_data(as_text=True)
    assert "(you scored it)" in second and "5.0 / 4.0 / 1.0" in second
    assert 'title="1 up, 0 down"' in second
    theirs = signed_in(app, colleague).get("/review").get_data(as_text=True)
    assert "5.0 / 4.0 / 1.0" in theirs and "(you scored it)" not in theirs

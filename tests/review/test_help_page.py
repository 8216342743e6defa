"""The help page, "How an idea becomes a decision" (issue 13, item 12): read from the
state machine so it cannot drift, linked from the footer and the empty states."""

from __future__ import annotations

import html

import pytest

from ideaboard.ideas.models import STATUS_LABELS, IdeaStatus
from ideaboard.ideas.queries import SORT_EXPLAINED, SORTS
from ideaboard.review import guide, workflow
from tests.helpers.factories import IdeaFactory

HELP_LINK = '<a href="/help">How an idea becomes a decision</a>'


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def test_every_change_of_the_state_machine_has_words():
    assert set(guide.CHANGE_WHEN) == {t.name for t in workflow.TRANSITIONS}
    assert set(guide.STATUS_MEANING) == set(IdeaStatus)
    assert set(guide.WHO) == set(workflow.Capacity)


def test_the_page_lists_each_status_and_its_ways_out_from_the_table(employee_client):
    page = _page(employee_client, "/help")
    assert "<h1" in page and "How an idea becomes a decision" in page
    for status in IdeaStatus:
        assert f'id="state-{status.value}"' in page
        assert guide.STATUS_MEANING[status] in page
    for change in workflow.TRANSITIONS:
        assert guide.CHANGE_WHEN[change.name] in page, change.name
    # One status read whole: open goes to review, is withdrawn or merged, and says by whom.
    open_state = page.split('id="state-open"')[1].split('id="state-in_review"')[0]
    assert "<strong>In review</strong>: when its net votes reach" in open_state
    assert "(by Ideaboard or a manager)" in open_state
    assert "<strong>Withdrawn</strong>: when its author withdraws it (by the author)" in open_state
    final = page.split('id="state-implemented"')[1].split('id="state-declined"')[0]
    assert "This is a final status." in final


def test_a_new_change_in_the_table_shows_on_the_page(employee_client, monkeypatch):
    extra = workflow.Transition("reopen", IdeaStatus.DECLINED, IdeaStatus.OPEN,
                                workflow.MANAGERS)
    monkeypatch.setattr(workflow, "TRANSITIONS", (*workflow.TRANSITIONS, extra))
    monkeypatch.setitem(guide.CHANGE_WHEN, "reopen", "when a manager opens it again")
    declined = _page(employee_client, "/help").split('id="state-declined"')[1]
    assert f"<strong>{STATUS_LABELS[IdeaStatus.OPEN]}</strong>: when a manager opens it again" \
        in declined.split('id="state-duplicate"')[0]


def test_the_page_explains_the_sorts_and_anonymity(employee_client):
    page = _page(employee_client, "/help")
    assert 'id="rankings"' in page and 'id="anonymity"' in page
    for key, (label, _) in SORTS.items():
        assert f"<strong>{label}</strong>" in page and str(SORT_EXPLAINED[key]) in page
    assert "Administrators can still see who wrote it" in page


def test_signed_in_people_see_each_departments_threshold(employee_client, it_department,
                                                         client):
    page = _page(employee_client, "/help")
    assert (f'<th scope="row">{it_department.name}</th>'
            f'<td class="num" data-label="Net votes for review">'
            f'{it_department.review_threshold}</td>') in page
    # Anyone may read how it works; the departments are for the signed-in.
    public = _page(client, "/help")
    assert "How ideas are ranked" in public and 'scope="row"' not in public


def test_the_footer_links_to_it_on_every_page(client, employee_client):
    assert HELP_LINK in _page(client, "/login")
    assert HELP_LINK in _page(employee_client, "/")


@pytest.mark.parametrize("url, empty", [
    ("/", "No ideas yet"),
    ("/?q=nothingmatchesthis", "No ideas match \u201cnothingmatchesthis\u201d."),
    ("/?status=implemented", "No ideas match these filters."),
    ("/departments/it", "No ideas for IT yet."),
])
def test_empty_lists_link_to_it(employee_client, it_department, url, empty):
    page = _page(employee_client, url)
    box = page.split('<div class="card empty">')[1].split("</div>")[0]
    assert empty in box and HELP_LINK in box


def test_the_empty_review_queue_links_to_it(manager_client):
    page = _page(manager_client, "/review")
    assert "Nothing is waiting for your review." in page
    assert HELP_LINK in page.split("Nothing is waiting for your review.")[1]


def test_not_empty_lists_do_not_repeat_it(employee_client, author, it_department):
    IdeaFactory(author=author, department=it_department)
    page = _page(employee_client, "/")
    assert page.count(HELP_LINK) == 1  # the footer's

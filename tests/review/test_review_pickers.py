"""The pickers of a decision (issue 13, item 7): the idea a duplicate merges into and the
owner of the work are found by a search and chosen from a list, without JavaScript.

A "Find" button posts the form as it stands and the page comes back with everything kept
and the matches as radio buttons: only ideas the manager may merge into (never the idea
itself, a hidden, withdrawn or duplicate one), only active people; at most
``PICK_LIMIT`` of them, in one query per picker whatever their number."""

import re

import pytest

from ideaboard.review.services import PICK_LIMIT, SEARCH_MAX
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import DepartmentFactory, UserFactory
from tests.helpers.login import signed_in
from tests.helpers.queries import QueryCounter
from tests.helpers.review import make_idea, reload

RATIONALE = "The same proposal as the other one; merged there."


def post(client, idea, action, **data):
    data.setdefault("csrf_token", csrf_token(client, "/account"))
    return client.post(f"/review/ideas/{idea.id}/{action}", data=data)


def listed(html: str, name: str) -> list[str]:
    """The labels of the radio buttons ``name`` on the page, in order."""
    return re.findall(rf'<input[^>]* name="{name}" type="radio" value="\d+"> ([^<]*)</label>',
                      html)


@pytest.fixture
def ideas(author, employee, it_department):
    target = make_idea(employee, it_department, title="Recycle printer paper")
    return {
        "decided": make_idea(author, it_department, status="in_review",
                             title="Printer paper bins on every floor"),
        "target": target,
        "hidden": make_idea(employee, it_department, title="Printer paper hidden", hidden=True),
        "withdrawn": make_idea(employee, it_department, status="withdrawn",
                               title="Printer paper withdrawn"),
        "duplicate": make_idea(employee, it_department, status="duplicate",
                               title="Printer paper again", duplicate_of_id=target.id),
        "other": make_idea(employee, it_department, title="A canteen salad bar"),
    }


def test_finding_ideas_lists_only_those_it_may_merge_into(manager_client, ideas):
    idea, target = ideas["decided"], ideas["target"]
    response = post(manager_client, idea, "decide", find="duplicate", decision="duplicate",
                    rationale=RATIONALE, duplicate_query="PRINTER paper")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert listed(html, "duplicate_of") == [f"#{target.id} Recycle printer paper (Open)"]
    assert RATIONALE in html  # everything typed is kept
    assert re.search(r'<input checked id="decision-\d" name="decision" [^>]*value="duplicate">',
                     html)
    assert reload(idea).status == "in_review"  # a search decides nothing


def test_an_idea_is_found_by_its_number_too(manager_client, ideas):
    target = ideas["target"]
    html = post(manager_client, ideas["decided"], "decide", find="duplicate",
                duplicate_query=f"#{target.id}").get_data(as_text=True)
    assert listed(html, "duplicate_of") == [f"#{target.id} Recycle printer paper (Open)"]


def test_marking_a_duplicate_by_choosing_from_the_list(manager_client, ideas):
    idea, target = ideas["decided"], ideas["target"]
    response = post(manager_client, idea, "decide", decision="duplicate", rationale=RATIONALE,
                    duplicate_query="recycle", duplicate_of=str(target.id))
    assert response.status_code == 302
    idea = reload(idea)
    assert (idea.status, idea.duplicate_of_id) == ("duplicate", target.id)


def test_a_search_that_was_not_chosen_from_is_not_a_decision(manager_client, ideas):
    """Searched but nothing chosen: the decision waits for the choice."""
    idea = ideas["decided"]
    response = post(manager_client, idea, "decide", decision="duplicate", rationale=RATIONALE,
                    duplicate_query="recycle")
    assert response.status_code == 422
    assert "Choose the idea this one duplicates from the list." in response.get_data(
        as_text=True)
    response = post(manager_client, idea, "decide", decision="accepted", owner_query="erin")
    assert response.status_code == 422
    assert "Choose the owner from the list, or clear the search" in response.get_data(
        as_text=True)
    assert reload(idea).status == "in_review"


def test_a_hidden_or_withdrawn_idea_chosen_anyway_is_refused(manager_client, ideas):
    idea = ideas["decided"]
    for name in ("hidden", "withdrawn", "duplicate"):
        response = post(manager_client, idea, "decide", decision="duplicate",
                        rationale=RATIONALE, duplicate_of=str(ideas[name].id))
        assert response.status_code in (409, 422), name
        assert "neither withdrawn nor itself a duplicate" in response.get_data(as_text=True)
    response = post(manager_client, idea, "decide", decision="duplicate", rationale=RATIONALE,
                    duplicate_of=str(idea.id))
    assert response.status_code == 422
    assert "An idea cannot duplicate itself." in response.get_data(as_text=True)
    assert reload(idea).status == "in_review"


@pytest.mark.parametrize("value", ["abc", "-3", "0", str(2**31), "9" * 40])
def test_a_choice_that_is_no_id_is_refused(manager_client, ideas, value):
    response = post(manager_client, ideas["decided"], "decide", decision="duplicate",
                    rationale=RATIONALE, duplicate_of=value)
    assert response.status_code == 422
    response = post(manager_client, ideas["decided"], "decide", decision="accepted",
                    owner=value)
    assert response.status_code == 422
    assert reload(ideas["decided"]).status == "in_review"


def test_a_search_is_bounded(manager_client, ideas):
    response = post(manager_client, ideas["decided"], "decide", find="duplicate",
                    duplicate_query="p" * (SEARCH_MAX + 1))
    assert response.status_code == 422
    assert f"longer than {SEARCH_MAX} characters" in response.get_data(as_text=True)


def test_like_wildcards_are_searched_as_typed(manager_client, author, it_department):
    idea = make_idea(author, it_department, status="in_review")
    make_idea(author, it_department, title="Cut costs by 10% a year")
    make_idea(author, it_department, title="Cut costs by half")
    html = post(manager_client, idea, "decide", find="duplicate",
                duplicate_query="10%").get_data(as_text=True)
    assert [label.split(" ", 1)[1] for label in listed(html, "duplicate_of")] == [
        "Cut costs by 10% a year (Open)"]
    html = post(manager_client, idea, "decide", find="duplicate",
                duplicate_query="_").get_data(as_text=True)
    assert listed(html, "duplicate_of") == []
    assert "matches \u201c_\u201d" in html


def test_at_most_the_limit_are_listed_in_one_query_whatever_their_number(
        app, manager, author, it_department):
    idea = make_idea(author, it_department, status="in_review")
    client = signed_in(app, manager)
    token = csrf_token(client, "/account")

    def find() -> tuple[str, int]:
        with QueryCounter() as counter:
            response = client.post(f"/review/ideas/{idea.id}/decide", data={
                "csrf_token": token, "find": "duplicate", "duplicate_query": "badge",
                "owner_query": "badge"})
        assert response.status_code == 200
        return response.get_data(as_text=True), counter.count

    def add(number: int) -> None:
        for _ in range(number):
            make_idea(author, it_department, title="Badge printers for visitors")
            UserFactory(display_name="Badge Office")

    add(2)
    few, few_queries = find()
    add(3 * PICK_LIMIT)
    many, many_queries = find()
    assert (len(listed(few, "duplicate_of")), len(listed(few, "owner"))) == (2, 2)
    assert (len(listed(many, "duplicate_of")), len(listed(many, "owner"))) == (
        PICK_LIMIT, PICK_LIMIT)
    assert few_queries == many_queries


def test_finding_people_lists_active_ones_with_their_department(manager_client, manager,
                                                                 ideas, it_department):
    legal = DepartmentFactory(name="Legal", slug="legal")
    UserFactory(email="erin.old@example.com", display_name="Erin Old", active=False)
    UserFactory(email="e.lawson@example.com", display_name="Erik Lawson", department=legal)
    response = post(manager_client, ideas["decided"], "decide", find="owner",
                    decision="accepted", owner_query="eri")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert listed(html, "owner") == ["Erik Lawson (Legal, e.lawson@example.com)",
                                     "Erin Employee (IT, employee@example.com)"]
    # By e-mail too, any case.
    html = post(manager_client, ideas["decided"], "decide", find="owner",
                owner_query="E.LAWSON@").get_data(as_text=True)
    assert listed(html, "owner") == ["Erik Lawson (Legal, e.lawson@example.com)"]


def test_accepting_with_an_owner_chosen_from_the_list(manager_client, employee, ideas):
    idea = ideas["decided"]
    response = post(manager_client, idea, "decide", decision="accepted", owner_query="erin",
                    owner=str(employee.id))
    assert response.status_code == 302
    idea = reload(idea)
    assert (idea.status, idea.owner_id) == ("accepted", employee.id)


def test_a_choice_survives_another_search(manager_client, employee, ideas):
    """Chosen, then searched again for something else: the choice stays listed, first."""
    target = ideas["target"]
    html = post(manager_client, ideas["decided"], "decide", find="owner",
                duplicate_query="zzz", duplicate_of=str(target.id),
                owner_query="erin").get_data(as_text=True)
    assert listed(html, "duplicate_of") == [f"#{target.id} Recycle printer paper (Open)"]
    assert re.search(rf'<input checked id="duplicate_of-0" name="duplicate_of" '
                     rf'type="radio" value="{target.id}">', html)


def test_starting_the_work_chooses_the_owner_by_search(manager_client, author, employee,
                                                      it_department):
    idea = make_idea(author, it_department, status="accepted")
    response = post(manager_client, idea, "start", find="owner", owner_query="Employee",
                    note="Erin starts Monday.")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert listed(html, "owner") == ["Erin Employee (IT, employee@example.com)"]
    assert "Erin starts Monday." in html
    assert reload(idea).status == "accepted"
    assert post(manager_client, idea, "start", owner=str(employee.id),
                note="Erin starts Monday.").status_code == 302
    idea = reload(idea)
    assert (idea.status, idea.owner_id) == ("in_progress", employee.id)


@pytest.mark.parametrize("who", ["employee", "author", "other_manager"])
def test_only_those_who_decide_may_search(app, request, ideas, who):
    client = signed_in(app, request.getfixturevalue(who))
    for action in ("decide", "start"):
        response = post(client, ideas["decided"], action, find="owner", owner_query="e")
        assert response.status_code == 403, (who, action)
        assert "employee@example.com" not in response.get_data(as_text=True)

"""Anonymous ideas: the author is hidden from peers on every surface, shown to admins.

Each surface gets its own test so a leak names the page it happened on. The idea
is posted and edited through the real forms, so whatever other capabilities show
on these pages (timeline, follow button, ...) is checked as well.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import UserFactory
from tests.helpers.login import signed_in

NAME = "Zelda Secretauthor"
EMAIL = "zelda.secret@example.com"


@pytest.fixture
def author(it_department):
    return UserFactory(display_name=NAME, email=EMAIL, department=it_department)


@pytest.fixture
def idea(author_client, it_department) -> Idea:
    """An anonymous idea, posted and then edited once by its author through the forms."""
    token = csrf_token(author_client, "/ideas/new")
    response = author_client.post("/ideas/new", data={
        "csrf_token": token, "title": "Anonymous printer paper idea", "body": "First text.",
        "department": it_department.id, "tags": "paper", "anonymous": "y", "confirmed": "1",
    })
    assert response.status_code == 302
    idea = db.session.scalars(sa.select(Idea)).one()
    response = author_client.post(f"/ideas/{idea.id}/edit", data={
        "csrf_token": token, "title": "Anonymous printer paper idea", "body": "Second text.",
        "tags": "paper",
    })
    assert response.status_code == 302
    db.session.refresh(idea)
    assert idea.is_anonymous and idea.version == 2
    return idea


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.attributes += [(name, value or "") for name, value in attrs]


def assert_author_hidden(body: str, author) -> None:
    assert NAME not in body and "Secretauthor" not in body
    assert EMAIL not in body and "zelda.secret" not in body
    parser = _Attributes()
    parser.feed(body)
    for name, value in parser.attributes:
        assert "author" not in name and "user" not in name, (name, value)
        if name.startswith("data-"):
            assert value != str(author.id) or name in ("data-idea",), (name, value)
    # No link to anything about a person.
    assert not re.search(r'href="[^"]*/(users?|people|profile)/', body)


def assert_author_shown(body: str) -> None:
    assert NAME in body


SURFACES = {
    "list": lambda idea: "/",
    "department": lambda idea: f"/departments/{idea.department.slug}",
    "search": lambda idea: "/?q=printer+paper",
    "tag filter": lambda idea: "/?tag=paper",
    "suggestions fragment": lambda idea: "/ideas/similar?title=printer+paper",
    "detail": lambda idea: f"/ideas/{idea.id}",
    "versions": lambda idea: f"/ideas/{idea.id}/versions",
}


def _get(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_list_hides_the_author(employee_client, admin_client, idea, author):
    assert_author_hidden(_get(employee_client, "/"), author)
    assert "Anonymous" in _get(employee_client, "/")
    assert_author_shown(_get(admin_client, "/"))


def test_department_page_hides_the_author(employee_client, admin_client, idea, author):
    url = f"/departments/{idea.department.slug}"
    assert_author_hidden(_get(employee_client, url), author)
    assert_author_shown(_get(admin_client, url))


def test_search_results_hide_the_author(employee_client, admin_client, idea, author):
    page = _get(employee_client, "/?q=printer+paper")
    assert f'id="idea-{idea.id}"' in page
    assert_author_hidden(page, author)
    assert_author_shown(_get(admin_client, "/?q=printer+paper"))


def test_tag_filter_hides_the_author(employee_client, admin_client, idea, author):
    assert_author_hidden(_get(employee_client, "/?tag=paper"), author)
    assert_author_shown(_get(admin_client, "/?tag=paper"))


def test_suggestions_fragment_hides_the_author(employee_client, admin_client, idea, author):
    url = "/ideas/similar?title=printer+paper"
    page = _get(employee_client, url)
    assert "Anonymous printer paper idea" in page and "Anonymous" in page
    assert_author_hidden(page, author)
    assert_author_shown(_get(admin_client, url))


def test_suggestions_json_hides_the_author(employee_client, admin_client, idea, author):
    url = "/ideas/similar?title=printer+paper"
    headers = {"Accept": "application/json"}
    data = employee_client.get(url, headers=headers).get_json()
    [item] = data["ideas"]
    assert item["id"] == idea.id and item["author"] is None
    raw = employee_client.get(url, headers=headers).get_data(as_text=True)
    assert NAME not in raw and EMAIL not in raw and "author_id" not in raw
    admin_item = admin_client.get(url, headers=headers).get_json()["ideas"][0]
    assert admin_item["author"] == NAME


def test_detail_page_hides_the_author(employee_client, admin_client, idea, author):
    page = _get(employee_client, f"/ideas/{idea.id}")
    assert "Anonymous" in page
    assert_author_hidden(page, author)
    assert_author_shown(_get(admin_client, f"/ideas/{idea.id}"))


def test_versions_page_hides_the_author(employee_client, admin_client, idea, author):
    url = f"/ideas/{idea.id}/versions"
    page = _get(employee_client, url)
    assert "First text." in page
    assert_author_hidden(page, author)
    assert_author_shown(_get(admin_client, url))


def test_the_author_sees_their_own_anonymous_idea_as_theirs(author_client, idea):
    page = _get(author_client, f"/ideas/{idea.id}")
    assert "You (posted anonymously)" in page
    assert "You (posted anonymously)" in _get(author_client, "/")


def test_named_ideas_show_their_author_to_peers(employee_client, author_client, it_department):
    token = csrf_token(author_client, "/ideas/new")
    author_client.post("/ideas/new", data={
        "csrf_token": token, "title": "Signed printer idea", "body": "Text.",
        "department": it_department.id, "confirmed": "1",
    })
    assert_author_shown(_get(employee_client, "/"))


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_no_surface_names_the_anonymous_author_to_a_manager(app, manager, idea, author,
                                                            surface):
    """Managers (even of the idea's department) are peers here: only admins see authors."""
    body = _get(signed_in(app, manager), SURFACES[surface](idea))
    assert_author_hidden(body, author)

"""Submitting an idea at /ideas/new: validation, tags, side effects, duplicate hints."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas import ranking, services
from ideaboard.ideas.models import Follow, Idea, Tag
from ideaboard.review.models import StatusChange
from ideaboard.sanitize import excerpt, render_markdown
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory, TagFactory, UserFactory


def _form(department, **overrides):
    data = {"title": "Print double-sided by default", "body": "Saves **paper** and money.",
            "department": department.id, "tags": "", "confirmed": ""}
    data.update(overrides)
    return data


def _submit(client, department, **overrides):
    data = _form(department, **overrides)
    data["csrf_token"] = csrf_token(client, "/ideas/new")
    return client.post("/ideas/new", data=data)


def _only_idea() -> Idea:
    return db.session.scalars(sa.select(Idea)).one()


def test_new_form_needs_login(client, app):
    response = client.get("/ideas/new")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_new_form_shows_fields_and_preselects_own_department(employee_client, it_department):
    page = employee_client.get("/ideas/new").get_data(as_text=True)
    for name in ('name="title"', 'name="body"', 'name="department"', 'name="tags"',
                 'name="anonymous"', 'name="confirmed"', 'aria-live="polite"'):
        assert name in page
    assert f'<option selected value="{it_department.id}">' in page
    assert "js/suggest.js" in page


def test_submit_creates_a_consistent_idea(employee_client, employee, it_department):
    response = _submit(employee_client, it_department, body="# Plan\n\nSaves **paper**.")
    idea = _only_idea()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}")
    assert idea.title == "Print double-sided by default"
    assert idea.body_md == "# Plan\n\nSaves **paper**."
    assert idea.body_html == render_markdown(idea.body_md)
    assert "<strong>paper</strong>" in idea.body_html
    assert idea.excerpt == excerpt(idea.body_html) == "Plan Saves paper."
    assert (idea.author_id, idea.department_id, idea.status) == (employee.id, it_department.id,
                                                                  "open")
    assert idea.is_anonymous is False and idea.version == 1
    assert idea.wilson_score == 0.0
    assert idea.trending_score == pytest.approx(ranking.trending(0, 0, 0, idea.created_at))
    assert db.session.get(Follow, (employee.id, idea.id)) is not None
    assert idea.follower_count == 1
    changes = db.session.scalars(sa.select(StatusChange).where(StatusChange.idea_id == idea.id))
    assert [(c.from_status, c.to_status, c.actor_id) for c in changes] == [
        (None, "open", employee.id)
    ]


def test_submit_anonymously(employee_client, it_department):
    _submit(employee_client, it_department, anonymous="y")
    assert _only_idea().is_anonymous is True


def test_tags_are_normalised_and_reused(employee_client, it_department):
    existing = TagFactory(name="paper")
    _submit(employee_client, it_department, tags=" Paper , Green Office,CAFÉ,, paper ")
    idea = _only_idea()
    assert [t.name for t in idea.tags] == ["cafe", "green-office", "paper"]
    assert existing in idea.tags
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tag)) == 3


@pytest.mark.parametrize("tags, message", [
    ("a, b, c, d, e, f", "At most 5 tags"),
    ("good, !!!", "is not a valid tag"),
    ("x" * 33, "at most 32 characters"),
])
def test_bad_tags_are_refused_beside_the_field(employee_client, it_department, tags, message):
    response = _submit(employee_client, it_department, tags=tags)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="tags-error"' in page and message in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0


def test_five_tags_and_32_characters_are_fine(employee_client, it_department):
    _submit(employee_client, it_department, tags="a1, b2, c3, d4, " + "y" * 32)
    assert len(_only_idea().tags) == 5


@pytest.mark.parametrize("field, value, error_id", [
    ("title", "Short", "title-error"),
    ("title", "x" * 141, "title-error"),
    ("title", "        ", "title-error"),
    ("body", "", "body-error"),
    ("body", "   \n  ", "body-error"),
    ("body", "x" * 20_001, "body-error"),
    ("department", "0", "department-error"),
    ("department", "99999", "department-error"),
])
def test_invalid_input_is_shown_again_with_everything_typed(employee_client, it_department,
                                                            field, value, error_id):
    typed = _form(it_department, tags="keep-me", anonymous="y",
                  title="A perfectly fine title", body="My typed *body* stays")
    typed[field] = value
    typed["csrf_token"] = csrf_token(employee_client, "/ideas/new")
    response = employee_client.post("/ideas/new", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{error_id}"' in page
    assert 'value="keep-me"' in page
    assert re.search(r'<input [^>]*checked id="anonymous"', page)
    if field != "title":
        assert 'value="A perfectly fine title"' in page
    if field != "body":
        assert "My typed *body* stays" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0


def test_boundaries_of_title_and_body_are_accepted(employee_client, it_department):
    response = _submit(employee_client, it_department, title="x" * 8, body="y")
    assert response.status_code == 302
    response = _submit(employee_client, it_department, title="z" * 140, body="w" * 20_000,
                       confirmed="1")
    assert response.status_code == 302


def test_control_characters_are_removed(employee_client, it_department):
    response = _submit(employee_client, it_department, title="Null\x00 byte\tin title",
                       body="a\x00b\x07c\n\td")
    assert response.status_code == 302
    idea = _only_idea()
    assert idea.title == "Null byte in title"
    assert idea.body_md == "abc\n\td"


def test_submit_without_csrf_token_is_refused(employee_client, it_department):
    response = employee_client.post("/ideas/new", data=_form(it_department))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0


# --- duplicate hints without JavaScript -----------------------------------------

def test_similar_ideas_are_shown_before_posting(employee_client, it_department):
    other = UserFactory(display_name="Olga Other")
    earlier = IdeaFactory(title="Printer paper recycling", author=other, department=it_department)
    response = _submit(employee_client, it_department, title="Recycle printer paper")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 1
    assert f'href="/ideas/{earlier.id}"' in page
    assert "Printer paper recycling" in page
    assert '<span class="status status-open">Open</span>' in page
    assert "Post my idea anyway" in page
    assert 'name="confirmed" type="hidden" value="1"' in page
    assert 'value="Recycle printer paper"' in page  # everything typed is kept


def test_posting_anyway_creates_the_idea(employee_client, it_department):
    IdeaFactory(title="Printer paper recycling", author=UserFactory(), department=it_department)
    response = _submit(employee_client, it_department, title="Recycle printer paper",
                       confirmed="1")
    assert response.status_code == 302
    titles = set(db.session.scalars(sa.select(Idea.title)))
    assert titles == {"Printer paper recycling", "Recycle printer paper"}


def test_no_similar_ideas_posts_at_once(employee_client, it_department):
    IdeaFactory(title="Standing desks for everyone", author=UserFactory(),
                department=it_department)
    response = _submit(employee_client, it_department, title="Recycle printer paper")
    assert response.status_code == 302


def test_hidden_ideas_do_not_stop_a_post(employee_client, it_department):
    IdeaFactory(title="Printer paper recycling", author=UserFactory(), department=it_department,
                hidden=True)
    response = _submit(employee_client, it_department, title="Recycle printer paper")
    assert response.status_code == 302


def test_submit_idea_service_refuses_bad_input(employee, it_department):
    with pytest.raises(services.IdeaError):
        services.submit_idea(employee, "short", "body", it_department, [], False)
    with pytest.raises(services.IdeaError):
        services.submit_idea(employee, "A good long title", "body", it_department,
                             ["a", "b", "c", "d", "e", "f"], False)
    with pytest.raises(services.IdeaError):
        services.submit_idea(employee, "A good long title", "body", None, [], False)


@pytest.mark.parametrize("raw, expected", [
    ("", []),
    ("One, two", ["one", "two"]),
    ("Coffee Machines", ["coffee-machines"]),
    ("  --x--  ", ["x"]),
    ("Ärger, über", ["arger", "uber"]),
    ("a,A, a ", ["a"]),
])
def test_parse_tags(raw, expected):
    assert services.parse_tags(raw) == expected

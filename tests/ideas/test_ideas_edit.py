"""Editing an idea: authors only, while open or needing info; earlier text is kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas import services
from ideaboard.ideas.models import IdeaVersion
from ideaboard.sanitize import render_markdown
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory, TagFactory, UserFactory
from tests.helpers.login import signed_in


@pytest.fixture
def idea(employee, it_department):
    return IdeaFactory(author=employee, department=it_department, title="Original idea title",
                       body_md="Original *body*.", tags=[TagFactory(name="old")])


def _edit(client, idea, **data):
    payload = {"title": idea.title, "body": idea.body_md, "tags": "old"}
    payload.update(data)
    payload["csrf_token"] = csrf_token(client, f"/ideas/{idea.id}/edit")
    return client.post(f"/ideas/{idea.id}/edit", data=payload)


def _versions(idea):
    return list(db.session.scalars(
        sa.select(IdeaVersion).where(IdeaVersion.idea_id == idea.id).order_by(IdeaVersion.version)
    ))


def test_edit_form_is_prefilled(employee_client, idea):
    page = employee_client.get(f"/ideas/{idea.id}/edit").get_data(as_text=True)
    assert 'value="Original idea title"' in page
    assert "Original *body*." in page
    assert 'value="old"' in page


def test_edit_keeps_the_previous_text_and_bumps_the_version(employee_client, employee, idea):
    response = _edit(employee_client, idea, title="Better idea title", body="New **body**.",
                     tags="New, Tags")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}")
    db.session.refresh(idea)
    assert (idea.title, idea.body_md, idea.version) == ("Better idea title", "New **body**.", 2)
    assert idea.body_html == render_markdown("New **body**.")
    assert idea.excerpt == "New body."
    assert [t.name for t in idea.tags] == ["new", "tags"]
    [old] = _versions(idea)
    assert (old.version, old.title, old.body_md, old.editor_id) == (
        1, "Original idea title", "Original *body*.", employee.id)
    assert old.body_html == render_markdown("Original *body*.")

    _edit(employee_client, idea, title="Third idea title")
    db.session.refresh(idea)
    assert idea.version == 3
    assert [(v.version, v.title) for v in _versions(idea)] == [
        (1, "Original idea title"), (2, "Better idea title")]


def test_changing_only_tags_makes_no_version(employee_client, idea):
    _edit(employee_client, idea, tags="other")
    db.session.refresh(idea)
    assert idea.version == 1 and _versions(idea) == []
    assert [t.name for t in idea.tags] == ["other"]


def test_saving_unchanged_makes_no_version(employee_client, idea):
    response = _edit(employee_client, idea)
    assert response.status_code == 302
    db.session.refresh(idea)
    assert idea.version == 1 and _versions(idea) == []


def test_invalid_edit_shows_errors_and_keeps_input(employee_client, idea):
    response = _edit(employee_client, idea, title="Short", body="Kept body text")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="title-error"' in page and "Kept body text" in page
    db.session.refresh(idea)
    assert idea.version == 1


def test_detail_shows_edited_marker_and_versions_link(employee_client, idea):
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Edited" not in page
    _edit(employee_client, idea, body="Changed body.")
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Edited" in page
    assert f'href="/ideas/{idea.id}/versions"' in page


def test_versions_page_lists_earlier_texts_for_any_viewer(app, employee_client, idea):
    _edit(employee_client, idea, title="Second idea title", body="Second <b>body</b>.")
    _edit(employee_client, idea, title="Third idea title", body="Third body.")
    peer = UserFactory()
    page = signed_in(app, peer).get(f"/ideas/{idea.id}/versions").get_data(as_text=True)
    assert "Version 3 (current)" in page
    assert "Version 2: Second idea title" in page
    assert render_markdown("Second <b>body</b>.") in page  # as the idea showed it then
    assert "Version 1: Original idea title" in page
    assert page.index("Version 2") < page.index("Version 1")


def test_earlier_versions_are_rendered_through_the_sanitiser(app, employee_client, idea):
    _edit(employee_client, idea, body="Second **body** <script>alert(1)</script>")
    _edit(employee_client, idea, body="Third body.")
    page = signed_in(app, UserFactory()).get(f"/ideas/{idea.id}/versions").get_data(as_text=True)
    assert "<em>body</em>" in page and "<strong>body</strong>" in page
    assert "Original *body*." not in page and "**body**" not in page  # no raw Markdown
    assert "<script>" not in page


def test_a_version_kept_without_its_html_is_rendered_on_the_page(app, employee, idea):
    db.session.add(IdeaVersion(idea_id=idea.id, version=1, title="Kept long ago",
                               body_md="An *old* text", body_html=None, editor_id=employee.id))
    idea.version = 2
    db.session.commit()
    page = signed_in(app, UserFactory()).get(f"/ideas/{idea.id}/versions").get_data(as_text=True)
    assert render_markdown("An *old* text") in page and "<em>old</em>" in page


def test_versions_page_of_an_unedited_idea(employee_client, idea):
    page = employee_client.get(f"/ideas/{idea.id}/versions").get_data(as_text=True)
    assert "has not been edited" in page


def test_only_the_author_may_edit(app, idea):
    peer_client = signed_in(app, UserFactory())
    assert peer_client.get(f"/ideas/{idea.id}/edit").status_code == 403
    token = csrf_token(peer_client, "/ideas/new")
    response = peer_client.post(f"/ideas/{idea.id}/edit",
                                data={"title": "Hijacked title", "body": "x", "csrf_token": token})
    assert response.status_code == 403
    db.session.refresh(idea)
    assert idea.title == "Original idea title"


def test_peer_sees_no_edit_link(app, idea):
    page = signed_in(app, UserFactory()).get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f"/ideas/{idea.id}/edit" not in page


@pytest.mark.parametrize("status, allowed", [
    ("open", True), ("needs_info", True), ("in_review", False), ("accepted", False),
    ("declined", False), ("implemented", False),
])
def test_edit_depends_on_status(employee_client, idea, status, allowed):
    idea.status = status
    db.session.commit()
    assert employee_client.get(f"/ideas/{idea.id}/edit").status_code == (200 if allowed else 403)
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert (f'href="/ideas/{idea.id}/edit"' in page) is allowed


def test_edit_of_missing_idea_is_404(employee_client):
    assert employee_client.get("/ideas/999/edit").status_code == 404


def test_edit_service_checks_input(employee, idea):
    with pytest.raises(services.IdeaError):
        services.edit_idea(idea, employee, "tiny", "body", [])
    with pytest.raises(services.IdeaError):
        services.edit_idea(idea, employee, "Long enough title", "", [])

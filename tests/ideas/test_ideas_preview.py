"""The Markdown preview of the idea forms (issue 13, item 17): "Preview" shows the form
again with the text rendered through the sanitiser above it, keeps everything typed,
and saves nothing, without JavaScript."""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.sanitize import render_markdown
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory

BODY = "A **bold** plan <script>alert(1)</script> with a [link](javascript:alert(1))"


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Idea.id)))


def test_preview_of_a_new_idea_renders_the_text_and_keeps_the_form(employee_client,
                                                                    it_department):
    response = employee_client.post("/ideas/new", data={
        "csrf_token": csrf_token(employee_client, "/ideas/new"), "title": "Short",
        "body": BODY, "department": str(it_department.id), "tags": "plans", "anonymous": "y",
        "preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="preview-heading">Preview</h2>' in page
    assert render_markdown(BODY) in page and "<strong>bold</strong>" in page
    assert "<script>alert(1)" not in page and 'href="javascript:' not in page
    # Everything typed is still in the form; nothing is checked or saved yet.
    assert 'value="Short"' in page and 'value="plans"' in page
    assert "A **bold** plan &lt;script&gt;" in page
    assert "There is a problem" not in page
    assert page.index('id="preview"') < page.index('<form method="post" action="/ideas/new"')
    assert _count() == 0


def test_preview_of_an_edit_saves_nothing(employee_client, employee, it_department):
    idea = IdeaFactory(author=employee, department=it_department, title="An idea to edit",
                       body_md="Old text")
    db.session.commit()
    response = employee_client.post(f"/ideas/{idea.id}/edit", data={
        "csrf_token": csrf_token(employee_client, f"/ideas/{idea.id}/edit"),
        "title": "An idea to edit", "body": "New *text*", "tags": "", "preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<em>text</em>" in page and "New *text*</textarea>" in page
    db.session.refresh(idea)
    assert (idea.body_md, idea.version) == ("Old text", 1)


def test_every_idea_form_offers_a_preview(employee_client, employee, it_department):
    idea = IdeaFactory(author=employee, department=it_department)
    db.session.commit()
    for path in ("/ideas/new", f"/ideas/{idea.id}/edit"):
        page = employee_client.get(path).get_data(as_text=True)
        assert '<button type="submit" name="preview" value="1" class="button">Preview</button>' \
            in page, path
        assert 'id="preview-heading"' not in page  # until asked for

"""The idea page: what it shows, who may see it, and the sections others contribute."""

from __future__ import annotations

import re

import pytest
from flask import template_rendered
from jinja2 import BaseLoader, ChoiceLoader, DictLoader, TemplateNotFound

from ideaboard.extensions import db
from ideaboard.ideas import display as page_module
from ideaboard.ideas import services
from ideaboard.voting.models import Vote
from tests.helpers.factories import IdeaFactory, TagFactory, UserFactory
from tests.helpers.login import signed_in


@pytest.fixture
def author(it_department):
    return UserFactory(display_name="Ann Author", email="ann@example.com",
                       department=it_department)


@pytest.fixture
def idea(author, it_department):
    return IdeaFactory(author=author, department=it_department, title="Detail page idea",
                       body_md="## Why\n\nBecause **reasons** and [docs](https://example.com).",
                       upvotes=4, downvotes=1, tags=[TagFactory(name="docs")])


def test_detail_shows_the_idea(employee_client, employee, idea, it_department):
    db.session.add(Vote(idea_id=idea.id, user_id=employee.id, value=-1))
    db.session.commit()
    response = employee_client.get(f"/ideas/{idea.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1 id="idea-title">Detail page idea</h1>' in page
    assert '<span class="status status-open">Open</span>' in page
    assert "Ann Author" in page
    assert f'href="/departments/{it_department.slug}">IT</a>' in page
    assert "Posted <time" in page
    assert 'href="/?tag=docs">#docs</a>' in page
    assert f'<div class="prose" data-idea-body>{idea.body_html}</div>' in page
    assert "<h2>Why</h2>" in page and 'rel="nofollow noopener noreferrer"' in page
    assert "<span data-vote-net>3</span>" in page
    assert re.search(r'vote-down" aria-pressed="true"', page)
    assert "Edited" not in page


def test_body_is_the_only_unescaped_user_text(employee_client, author, it_department):
    idea = IdeaFactory(author=author, department=it_department,
                       title="<b>bold</b> title & more", body_md="<i>raw</i> **md**")
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt; title &amp; more" in page
    assert "<b>bold</b>" not in page
    assert "&lt;i&gt;raw&lt;/i&gt; <strong>md</strong>" in page


def test_author_of_votes_sees_no_vote_buttons_on_own_idea(app, author, idea):
    page = signed_in(app, author).get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "vote-up" not in page
    assert "<span data-vote-net>3</span>" in page


def test_missing_idea_is_404(employee_client):
    assert employee_client.get("/ideas/12345").status_code == 404
    assert employee_client.get("/ideas/12345/versions").status_code == 404


def test_hidden_idea_is_404_for_peers_but_not_for_author_or_admin(app, employee_client,
                                                                  admin_client, author, idea):
    idea.hidden = True
    db.session.commit()
    assert employee_client.get(f"/ideas/{idea.id}").status_code == 404
    assert employee_client.get(f"/ideas/{idea.id}/versions").status_code == 404
    assert admin_client.get(f"/ideas/{idea.id}").status_code == 200
    assert signed_in(app, author).get(f"/ideas/{idea.id}").status_code == 200


def test_detail_needs_login(client, idea):
    response = client.get(f"/ideas/{idea.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


PARTIALS = {
    "review/_idea_decision.html": "DECISION-SECTION",
    "review/_idea_actions.html": "ACTIONS-SECTION",
    "review/_idea_timeline.html": "TIMELINE-SECTION",
    "following/_idea_follow.html": "FOLLOW-SECTION",
    "moderation/_idea_flag.html": "FLAG-SECTION",
    "comments/_idea_comments.html": "COMMENTS-SECTION {{ idea.id }}",
}


def test_sections_of_other_capabilities_sit_where_the_design_puts_them(app, employee_client,
                                                                       idea, monkeypatch):
    """Decision under the title, timeline beside the body, comments below it."""

    monkeypatch.setattr(app.jinja_env, "loader",
                        ChoiceLoader([DictLoader(PARTIALS), app.jinja_env.loader]))
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    at = {name: page.index(name) for name in (
        'id="idea-title"', "DECISION-SECTION", 'class="grid-2 idea-layout"', "data-idea-body",
        "FOLLOW-SECTION", "FLAG-SECTION", 'class="idea-side"', "ACTIONS-SECTION",
        "TIMELINE-SECTION", f"COMMENTS-SECTION {idea.id}")}
    order = sorted(at, key=at.get)
    assert order == ['id="idea-title"', "DECISION-SECTION", 'class="grid-2 idea-layout"',
                     "data-idea-body", "FOLLOW-SECTION", "FLAG-SECTION", 'class="idea-side"',
                     "ACTIONS-SECTION", "TIMELINE-SECTION", f"COMMENTS-SECTION {idea.id}"]


def test_page_renders_when_no_section_partial_exists(app, employee_client, idea, monkeypatch):
    real = app.jinja_env.loader

    class WithoutSections(BaseLoader):
        def get_source(self, environment, template):
            if template in PARTIALS:
                raise TemplateNotFound(template)
            return real.get_source(environment, template)

    monkeypatch.setattr(app.jinja_env, "loader", WithoutSections())
    response = employee_client.get(f"/ideas/{idea.id}")
    assert response.status_code == 200
    assert "data-idea-body" in response.get_data(as_text=True)


def test_page_section_context_reaches_the_template(app, employee_client, idea, monkeypatch):
    """Variables from idea_page_context are passed to the template and its partials."""
    seen = {}

    def loader(idea_, viewer):
        seen["args"] = (idea_.id, viewer.id)
        return {"ideas_test_marker": "marker-value"}

    monkeypatch.setitem(page_module._SECTIONS, "ideas-test", loader)
    captured = {}

    def record(sender, template, context, **extra):
        if template.name == "ideas/detail.html":
            captured.update(context)

    template_rendered.connect(record, app)
    try:
        employee_client.get(f"/ideas/{idea.id}")
    finally:
        template_rendered.disconnect(record, app)
    assert seen["args"][0] == idea.id
    assert captured["ideas_test_marker"] == "marker-value"


def test_the_idea_page_reads_tags_and_the_viewers_own_vote_with_the_idea(
        app, employee, manager, it_department):
    idea = IdeaFactory(author=manager, department=it_department,
                       tags=[TagFactory(name="zebra"), TagFactory(name="apple")])
    db.session.add(Vote(idea_id=idea.id, user_id=employee.id, value=-1))
    db.session.commit()
    page = services.get_idea_page(idea.id, employee)
    assert page.idea.id == idea.id and page.tag_names == ("apple", "zebra")
    assert page.my_vote == -1
    assert services.get_idea_page(idea.id, manager).my_vote == 0
    assert services.get_idea_page(987_654, employee) is None

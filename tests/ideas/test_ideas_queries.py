"""Query budget: idea lists cost the same few statements whatever the page holds."""

from __future__ import annotations

import pytest
from jinja2 import BaseLoader, TemplateNotFound

from ideaboard.extensions import db
from ideaboard.following.services import follow
from ideaboard.ideas import display as page_module
from ideaboard.voting.models import Vote
from tests.helpers.factories import IdeaFactory, TagFactory, UserFactory
from tests.helpers.queries import count_queries

BUDGET = 8




def _make_ideas(n, employee, department, tags):
    """n ideas by several authors, some anonymous, each tagged, some voted on and followed."""
    authors = [UserFactory() for _ in range(3)]
    ideas = []
    for i in range(n):
        idea = IdeaFactory(author=authors[i % 3], department=department,
                           title=f"Printer paper idea {i}", is_anonymous=i % 4 == 0,
                           tags=tags[: 1 + i % len(tags)])
        ideas.append(idea)
        if i % 2:
            db.session.add(Vote(idea_id=idea.id, user_id=employee.id, value=1))
        if i % 3 == 0:
            follow(employee.id, idea.id)
    db.session.commit()
    return ideas


def _count(client, url) -> int:
    return count_queries(client, url)


@pytest.fixture
def tags(app):
    return [TagFactory(name=name) for name in ("paper", "green", "office")]


URLS = [
    "/",
    "/?sort=top&status=open",
    "/?q=printer+paper",
    "/?show=following",
    "/?tag=paper&sort=discussed",
    "/departments/it",
]


@pytest.mark.parametrize("url", URLS)
def test_list_pages_cost_the_same_for_5_and_50_ideas(app, employee, employee_client,
                                                     it_department, tags, url):
    app.config["PAGE_SIZE"] = 50
    _make_ideas(5, employee, it_department, tags)
    small = _count(employee_client, url)
    _make_ideas(45, employee, it_department, tags)
    large = _count(employee_client, url)
    assert small == large
    assert large <= BUDGET, large


def test_the_page_really_holds_50_ideas(app, employee, employee_client, it_department, tags):
    app.config["PAGE_SIZE"] = 50
    _make_ideas(50, employee, it_department, tags)
    page = employee_client.get("/").get_data(as_text=True)
    assert page.count('class="idea-card card"') == 50


def test_detail_page_with_the_ideas_sections_alone(app, employee, employee_client,
                                                   it_department, tags, monkeypatch):
    """Other capabilities' sections bring their own loaders; ours costs a fixed few."""
    monkeypatch.setattr(page_module, "_SECTIONS", {})
    few = IdeaFactory(author=UserFactory(), department=it_department, tags=tags[:1])
    many = IdeaFactory(author=UserFactory(), department=it_department, tags=tags)
    for idea in (few, many):
        db.session.add(Vote(idea_id=idea.id, user_id=employee.id, value=1))
    db.session.commit()
    real = app.jinja_env.loader

    class OwnSectionsOnly(BaseLoader):
        def get_source(self, environment, template):
            if template.startswith(("review/_idea", "following/_idea", "moderation/_idea",
                                    "comments/_idea")):
                raise TemplateNotFound(template)
            return real.get_source(environment, template)

    monkeypatch.setattr(app.jinja_env, "loader", OwnSectionsOnly())
    # The signed-in user, the idea with its author and department, its tags, the
    # viewer's vote (and on SQLite the explicit BEGIN).
    assert _count(employee_client, f"/ideas/{few.id}") == _count(employee_client,
                                                                 f"/ideas/{many.id}") <= 5

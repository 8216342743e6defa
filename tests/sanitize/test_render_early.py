"""User Markdown is rendered before a service's database work (issue 11, defect 2).

On SQLite a POST holds the write lock from its first statement, and on PostgreSQL an
idea edit locks the idea's row: rendering comes first, so none of the service's own
queries, and no row lock, wait on it. The real renderer runs; the spy only notes how
many queries the service had run when it was called.
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

from ideaboard import sanitize
from ideaboard.comments import services as comments
from ideaboard.extensions import db
from ideaboard.ideas import services as ideas
from ideaboard.review import services as review
from ideaboard.review import workflow
from tests.helpers.factories import IdeaFactory
from tests.helpers.queries import QueryCounter
from tests.helpers.review import make_idea


@contextmanager
def watching(monkeypatch):
    """Count queries in the block; yields the list of counts seen at each render."""
    seen: list[int] = []
    real = sanitize.render_markdown
    with QueryCounter() as counter:
        def spy(text):
            seen.append(counter.count)
            return real(text)

        with monkeypatch.context() as patch:
            for module in (sanitize, comments, workflow):
                patch.setattr(module, "render_markdown", spy)
            yield seen
    assert counter.count > 0  # the service did query, after rendering


def test_a_new_idea_is_rendered_before_any_query(monkeypatch, employee, it_department):
    with watching(monkeypatch) as seen:
        ideas.submit_idea(employee, "Print double-sided by default", "Saves **paper**.",
                          it_department, ["paper"], anonymous=False)
    assert seen == [0]


def test_an_edit_is_rendered_before_the_row_is_locked(monkeypatch, employee,
                                                      it_department):
    idea = IdeaFactory(author=employee, department=it_department)
    db.session.commit()
    title = idea.title  # loaded here, not inside the service
    with watching(monkeypatch) as seen:
        assert ideas.edit_idea(idea, employee, title, "A **new** text.", [])
    assert seen == [0]


def test_a_reply_is_rendered_before_any_query(monkeypatch, employee, it_department):
    idea = IdeaFactory(author=employee, department=it_department)
    top = comments.add_comment(employee, idea, "First")
    reply = comments.add_comment(employee, idea, "Second", parent=top)
    db.session.commit()
    with watching(monkeypatch) as seen:
        comments.add_comment(employee, idea, "A reply to **the reply**", parent=reply)
    assert seen == [0]


def test_an_outcome_is_rendered_before_the_transition(monkeypatch, manager, employee,
                                                      it_department):
    idea = make_idea(employee, it_department, status="in_progress", owner=employee)
    with watching(monkeypatch) as seen:
        review.record_outcome(idea, manager, "We **automated** it.", Decimal("120"),
                              "hours a year saved")
    assert seen == [0]
    assert "<strong>automated</strong>" in idea.outcome_html

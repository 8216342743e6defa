"""The Markdown preview of the comment forms (issue 13, item 17): posting with "Preview"
shows the comment's own page with the text rendered through the sanitiser, the text
kept in the box, and nothing posted."""

from __future__ import annotations

import sqlalchemy as sa

from ideaboard.comments import services
from ideaboard.comments.models import Comment
from ideaboard.extensions import db
from ideaboard.sanitize import render_markdown
from tests.helpers.factories import IdeaFactory, UserFactory

TEXT = "Agreed, *strongly* <img src=x onerror=alert(1)>"


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Comment.id)))


def test_comment_preview_renders_keeps_and_posts_nothing(employee, it_department, post, auth):
    idea = IdeaFactory(author=employee, department=it_department)
    db.session.commit()
    auth.login(UserFactory(email="peer@example.com").email)
    page = auth.client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert 'name="preview"' in page  # the idea page's box offers it
    response = post(f"/ideas/{idea.id}/comments", {"body": TEXT, "preview": "1"})
    shown = response.get_data(as_text=True)
    assert response.status_code == 200
    assert render_markdown(TEXT) in shown and "<em>strongly</em>" in shown
    assert "<img" not in shown  # shown as text, never as markup
    assert "Agreed, *strongly* &lt;img" in shown  # the box keeps what was typed
    assert _count() == 0
    # Then posting it for real works from the same page.
    assert post(f"/ideas/{idea.id}/comments", {"body": TEXT}).status_code == 302
    assert _count() == 1


def test_reply_and_edit_previews(employee, it_department, post, auth):
    idea = IdeaFactory(author=employee, department=it_department)
    peer = UserFactory(email="peer@example.com")
    top = services.add_comment(peer, idea, "Top comment")
    db.session.commit()
    auth.login(peer.email)
    reply = post(f"/comments/{top.id}/replies", {f"reply-{top.id}-body": "A **reply**",
                                                 "preview": "1"})
    assert reply.status_code == 200 and "<strong>reply</strong>" in reply.get_data(as_text=True)
    edit = post(f"/comments/{top.id}/edit", {"body": "Top comment, _edited_", "preview": "1"})
    assert edit.status_code == 200 and "<em>edited</em>" in edit.get_data(as_text=True)
    assert _count() == 1
    db.session.refresh(top)
    assert top.body_md == "Top comment"

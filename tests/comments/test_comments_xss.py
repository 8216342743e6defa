"""Every XSS payload of tests/helpers/xss_payloads.txt, posted through the real comment and reply
routes, is stored and shown as HTML that cannot run anything."""

import sqlalchemy as sa

from ideaboard.comments.models import Comment
from ideaboard.extensions import db
from tests.helpers.csrf import csrf_token
from tests.helpers.discussions import show_every_comment
from tests.helpers.factories import IdeaFactory
from tests.helpers.xss import assert_nothing_executable, load_payloads

PAYLOADS = load_payloads()


def test_there_are_enough_payloads():
    assert len(PAYLOADS) >= 200


def test_payloads_through_comment_and_reply_routes(app, employee_client, manager, it_department):
    show_every_comment(app)
    idea = IdeaFactory(author=manager, department=it_department, title="XSS target")
    token = csrf_token(employee_client, f"/ideas/{idea.id}")
    posted = 0
    for payload in PAYLOADS:
        response = employee_client.post(f"/ideas/{idea.id}/comments",
                                        data={"csrf_token": token, "body": payload})
        if not payload.strip():
            assert response.status_code == 422
            continue
        assert response.status_code == 302, payload
        posted += 1
    first = db.session.scalar(sa.select(Comment).order_by(Comment.id))
    for payload in PAYLOADS[:50]:
        if payload.strip():
            response = employee_client.post(
                f"/comments/{first.id}/replies",
                data={"csrf_token": token, f"reply-{first.id}-body": payload})
            assert response.status_code == 302, payload
            posted += 1
    comments = db.session.scalars(sa.select(Comment).where(Comment.idea_id == idea.id)).all()
    assert len(comments) == posted >= 200
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    for comment in comments:
        assert_nothing_executable(comment.body_html)
        # The page shows exactly the stored, sanitised HTML, nothing else of the payload.
        assert comment.body_html in page, comment.body_md
    # Typed text shown again after an error is escaped by the template, not rendered.
    too_long = PAYLOADS[0] + "x" * 10_001
    again = employee_client.post(f"/ideas/{idea.id}/comments",
                                 data={"csrf_token": token, "body": too_long})
    assert again.status_code == 422
    text = again.get_data(as_text=True)
    assert PAYLOADS[0] == "<script>alert(1)</script>"
    assert PAYLOADS[0] not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text

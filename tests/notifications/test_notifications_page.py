"""The notifications page: newest first, unread marked, mark read, open, mark all read."""

import re

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.comments import services as comments
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications.models import Notification
from ideaboard.notifications.routes import PAGE_SIZE
from ideaboard.notifications.services import notify
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.paging import (
    assert_deep_page_seeks,
    assert_forged_cursors_refused,
    assert_walks_in_order,
    pager_link,
)
from tests.helpers.queries import count_queries


@pytest.fixture
def idea(manager, it_department):
    return IdeaFactory(author=manager, department=it_department, title="Bike sheds")


def unread(user) -> int:
    db.session.commit()
    return db.session.get(User, user.id).unread_notifications


def send(user, idea, count: int, start: int = 0) -> list[Notification]:
    made = []
    for i in range(start, start + count):
        made += notify([user.id], "comment", f"Message number {i}", idea_id=idea.id)
    db.session.commit()
    return made


def test_page_lists_newest_first_with_unread_marked(employee_client, employee, idea):
    first, second = send(employee, idea, 2)
    db.session.execute(sa.update(Notification).where(Notification.id == first.id)
                       .values(read_at=first.created_at))
    db.session.commit()
    page = employee_client.get("/notifications").get_data(as_text=True)
    assert page.index("Message number 1") < page.index("Message number 0")
    # Unread is said in words, not by colour alone.
    assert page.count("notification-badge") == 1 and "New" in page and "unread" in page
    assert f"/notifications/{second.id}/open" in page
    assert f'href="/ideas/{idea.id}"' in page  # the read one is a plain link


def test_only_own_notifications(employee_client, employee, manager, idea):
    send(manager, idea, 1)
    page = employee_client.get("/notifications").get_data(as_text=True)
    assert "Message number 0" not in page
    other = db.session.scalar(sa.select(Notification))
    token = csrf_token(employee_client, "/notifications")
    assert employee_client.post(f"/notifications/{other.id}/read",
                                data={"csrf_token": token}).status_code == 404
    assert employee_client.post(f"/notifications/{other.id}/open",
                                data={"csrf_token": token}).status_code == 404
    assert unread(manager) == 1


def test_mark_one_read_and_the_bell_follows(employee_client, employee, idea):
    first, _ = send(employee, idea, 2)
    assert "2 unread" in employee_client.get("/notifications").get_data(as_text=True)
    token = csrf_token(employee_client, "/notifications")
    response = employee_client.post(f"/notifications/{first.id}/read",
                                    data={"csrf_token": token})
    assert response.status_code == 302
    assert unread(employee) == 1
    assert "Notifications, 1 unread" in employee_client.get("/").get_data(as_text=True)


def test_open_marks_read_and_goes_to_the_comment(employee_client, employee, manager, idea):
    comments.add_comment(employee, idea, "Anyone?")  # employee follows now
    comment = comments.add_comment(manager, idea, "Yes, me")
    db.session.commit()
    [note] = db.session.scalars(sa.select(Notification)
                                .where(Notification.user_id == employee.id)).all()
    token = csrf_token(employee_client, "/notifications")
    response = employee_client.post(f"/notifications/{note.id}/open", data={"csrf_token": token})
    assert response.status_code == 302
    # The comment's own address, which finds the page of the idea's comments holding it.
    assert response.headers["Location"] == f"/comments/{comment.id}"
    landed = employee_client.get(response.headers["Location"])
    assert landed.headers["Location"] == f"/ideas/{idea.id}#comment-{comment.id}"
    assert unread(employee) == 0
    # Opening needs POST: a GET never changes state.
    assert employee_client.get(f"/notifications/{note.id}/open").status_code == 405


def test_mark_all_read(employee_client, employee, idea):
    send(employee, idea, 3)
    token = csrf_token(employee_client, "/notifications")
    assert employee_client.post("/notifications/read-all").status_code == 400  # no token
    assert unread(employee) == 3
    response = employee_client.post("/notifications/read-all", data={"csrf_token": token})
    assert response.status_code == 302
    assert unread(employee) == 0
    page = employee_client.get("/notifications").get_data(as_text=True)
    assert "notification-badge" not in page and "Mark all as read" not in page


def _notification_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="notification-(\d+)"', page)]


def test_paginated(employee_client, employee, idea):
    send(employee, idea, 35)
    first = employee_client.get("/notifications").get_data(as_text=True)
    assert "Message number 34" in first and "Message number 0<" not in first
    assert 'rel="next"' in first
    second = employee_client.get(pager_link(first, "next")).get_data(as_text=True)
    assert "Message number 0" in second and "Message number 34" not in second
    # Not counted: a count of everything someone was ever told grew with their history.
    assert "Page 2<" in second and "Page 2 of" not in second and 'rel="prev"' in second


def test_every_notification_once_forward_and_back(employee_client, employee, idea):
    """Sent in the same instant, they are still each shown once, newest (highest id)
    first; a deep page runs the first page's statements, without OFFSET."""
    moment = utcnow()
    made = send(employee, idea, 70)
    db.session.execute(sa.update(Notification).values(created_at=moment))
    db.session.commit()
    assert_walks_in_order(employee_client, "/notifications", _notification_ids,
                          sorted((n.id for n in made), reverse=True), per_page=PAGE_SIZE)
    assert_deep_page_seeks(employee_client, "/notifications", _notification_ids, pages=3)


def test_forged_page_links_are_refused(employee_client):
    assert_forged_cursors_refused(employee_client, "/notifications")


def test_a_read_notification_links_to_its_comment(employee_client, employee, manager, idea):
    comment = comments.add_comment(manager, idea, "A comment to point at.")
    [made] = notify([employee.id], "comment", "About a comment", idea_id=idea.id,
                    comment_id=comment.id)
    made.read_at = made.created_at
    db.session.commit()
    page = employee_client.get("/notifications").get_data(as_text=True)
    assert f'href="/comments/{comment.id}"' in page


def test_needs_login(client):
    assert client.get("/notifications").status_code == 302


def test_query_count_is_constant(employee_client, employee, idea):
    send(employee, idea, 5)
    few = count_queries(employee_client, "/notifications")
    others = [IdeaFactory(author=UserFactory(), department=idea.department) for _ in range(9)]
    for i in range(45):
        send(employee, others[i % 9], 1, start=100 + i)
    many = count_queries(employee_client, "/notifications")
    assert few == many

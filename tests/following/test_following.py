"""Following ideas from their page; the follower count stays exact."""

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.following import services
from ideaboard.ideas.models import Follow, Idea
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory


@pytest.fixture
def idea(manager, it_department):
    return IdeaFactory(author=manager, department=it_department, title="Standing desks")


def follower_count(idea) -> int:
    db.session.commit()
    return db.session.get(Idea, idea.id).follower_count


def test_follow_and_unfollow_from_the_idea_page(employee_client, employee, idea):
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Follow this idea" in page and f'action="/ideas/{idea.id}/follow"' in page
    token = csrf_token(employee_client, f"/ideas/{idea.id}")
    response = employee_client.post(f"/ideas/{idea.id}/follow", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}#follow")
    assert services.is_following(employee.id, idea.id)
    assert follower_count(idea) == 1
    # Following twice changes nothing.
    employee_client.post(f"/ideas/{idea.id}/follow", data={"csrf_token": token})
    assert follower_count(idea) == 1
    page = employee_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "You follow this idea." in page and f'action="/ideas/{idea.id}/unfollow"' in page
    employee_client.post(f"/ideas/{idea.id}/unfollow", data={"csrf_token": token})
    employee_client.post(f"/ideas/{idea.id}/unfollow", data={"csrf_token": token})
    assert not services.is_following(employee.id, idea.id)
    assert follower_count(idea) == 0


def test_follow_needs_post_and_csrf(employee_client, employee, idea):
    assert employee_client.get(f"/ideas/{idea.id}/follow").status_code == 405
    assert employee_client.post(f"/ideas/{idea.id}/follow").status_code == 400
    assert not services.is_following(employee.id, idea.id)


def test_cannot_follow_a_hidden_idea(employee_client, idea):
    idea.hidden = True
    db.session.commit()
    assert employee_client.get(f"/ideas/{idea.id}").status_code == 404
    token = csrf_token(employee_client, "/")
    assert employee_client.post(f"/ideas/{idea.id}/follow",
                                data={"csrf_token": token}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow)) == 0


def test_counter_matches_rows_after_a_mix(idea, employee, admin, manager):
    for user in (employee, admin, manager):
        services.follow(user.id, idea.id)
    services.unfollow(admin.id, idea.id)
    services.follow(employee.id, idea.id)
    db.session.commit()
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(Follow)
                             .where(Follow.idea_id == idea.id))
    assert follower_count(idea) == rows == 2


def test_is_following_sees_a_follow_before_it_is_committed(idea, employee):
    """is_following reads the table: follow() and unfollow() flush what they change."""
    assert not services.is_following(employee.id, idea.id)
    services.follow(employee.id, idea.id)
    assert services.is_following(employee.id, idea.id)
    services.unfollow(employee.id, idea.id)
    assert not services.is_following(employee.id, idea.id)
    db.session.rollback()

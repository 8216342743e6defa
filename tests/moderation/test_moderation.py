"""Flags on ideas and comments, and the admins' moderation queue."""

import re

import pytest
import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.comments import services as comments
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.moderation import services
from ideaboard.moderation.models import Flag
from ideaboard.moderation.routes import QUEUE_PAGE_SIZE
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.login import signed_in
from tests.helpers.paging import (
    assert_deep_page_seeks,
    assert_forged_cursors_refused,
    assert_walks_in_order,
)
from tests.helpers.queries import count_queries

TOKEN = re.compile(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"')



def token_of(client, url: str) -> str:
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def fresh(obj):
    """The row as the database has it now (ends the test's transaction, as requests commit)."""
    db.session.commit()
    return db.session.get(type(obj), obj.id)


@pytest.fixture
def reporter_client(app, reporter):
    return signed_in(app, reporter)


def test_flag_an_idea_from_its_page(reporter_client, idea, reporter):
    page = reporter_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Report this idea" in page and "<details" in page
    token = token_of(reporter_client, f"/ideas/{idea.id}")
    response = reporter_client.post(f"/ideas/{idea.id}/flag",
                                    data={"csrf_token": token, "report-reason": "Off topic"})
    assert response.status_code == 302
    flag = db.session.scalar(sa.select(Flag))
    assert (flag.idea_id, flag.comment_id, flag.reporter_id, flag.reason) == \
        (idea.id, None, reporter.id, "Off topic")


def test_flag_needs_a_reason_and_keeps_it_on_error(reporter_client, idea):
    token = token_of(reporter_client, f"/ideas/{idea.id}/flag")
    response = reporter_client.post(f"/ideas/{idea.id}/flag",
                                    data={"csrf_token": token, "report-reason": "   "})
    assert response.status_code == 422
    long = "y" * 501
    response = reporter_client.post(f"/ideas/{idea.id}/flag",
                                    data={"csrf_token": token, "report-reason": long})
    assert response.status_code == 422 and long in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Flag.id))) == 0


def test_flagging_twice_keeps_one_open_flag(idea, reporter):
    services.flag_idea(reporter, idea, "spam")
    services.flag_idea(reporter, idea, "spam, really")
    db.session.commit()
    [flag] = db.session.scalars(sa.select(Flag)).all()
    assert flag.reason == "spam, really"


def test_flag_reason_loses_control_characters(idea, reporter):
    flag = services.flag_idea(reporter, idea, "spam\x00 \n here")
    db.session.commit()
    assert fresh(flag).reason == "spam here"


def test_flag_a_comment(reporter_client, idea, employee, reporter):
    comment = comments.add_comment(employee, idea, "Buy my product")
    db.session.commit()
    form = reporter_client.get(f"/comments/{comment.id}/flag")
    assert form.status_code == 200
    token = token_of(reporter_client, f"/comments/{comment.id}/flag")
    response = reporter_client.post(f"/comments/{comment.id}/flag",
                                    data={"csrf_token": token, "report-reason": "Spam"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#comment-{comment.id}")
    flag = db.session.scalar(sa.select(Flag))
    assert (flag.comment_id, flag.idea_id) == (comment.id, None)


def test_cannot_flag_what_one_cannot_see(reporter_client, idea, employee):
    comment = comments.add_comment(employee, idea, "text")
    idea.hidden = True
    db.session.commit()
    assert reporter_client.get(f"/ideas/{idea.id}/flag").status_code == 404
    assert reporter_client.get(f"/comments/{comment.id}/flag").status_code == 404


def test_cannot_flag_own_comment(employee_client, idea, employee):
    comment = comments.add_comment(employee, idea, "mine")
    db.session.commit()
    assert employee_client.get(f"/comments/{comment.id}/flag").status_code == 403


def test_queue_is_for_admins_only(employee_client, manager_client, admin_client, client):
    assert employee_client.get("/admin/moderation").status_code == 403
    assert manager_client.get("/admin/moderation").status_code == 403
    assert admin_client.get("/admin/moderation").status_code == 200
    assert client.get("/admin/moderation").status_code == 302


def test_queue_lists_open_flags(admin_client, idea, employee, reporter):
    comment = comments.add_comment(employee, idea, "Nasty words")
    services.flag_idea(reporter, idea, "Duplicate of something")
    services.flag_comment(reporter, comment, "Insulting")
    closed = services.flag_idea(UserFactory(), idea, "old")
    closed.resolved_at = closed.created_at
    closed.resolution = "dismissed"
    db.session.commit()
    page = admin_client.get("/admin/moderation").get_data(as_text=True)
    assert "Four-day week" in page and "Duplicate of something" in page
    assert "Insulting" in page and "Nasty words" in page
    assert "Rita Reporter" in page
    # The flagged comment's own address: the page of the idea's comments that holds it.
    assert f'href="/comments/{comment.id}"' in page
    assert ">old<" not in page
    assert page.count('value="hide"') == 2 and page.count('value="dismiss"') == 2


def _decide(client, flag_id: int, decision: str, note: str = ""):
    token = token_of(client, "/admin/moderation")
    return client.post(f"/admin/moderation/flags/{flag_id}",
                       data={"csrf_token": token, f"flag-{flag_id}-decision": decision,
                             f"flag-{flag_id}-note": note})


def test_hide_a_comment_closes_all_its_flags_and_is_audited(admin_client, admin, idea, employee,
                                                           reporter):
    comment = comments.add_comment(employee, idea, "Nasty words")
    first = services.flag_comment(reporter, comment, "Insulting")
    second = services.flag_comment(UserFactory(), comment, "Rude")
    db.session.commit()
    assert fresh(idea).comment_count == 1
    response = _decide(admin_client, first.id, "hide", "Breaks the code of conduct")
    assert response.status_code == 302
    assert fresh(comment).hidden is True
    assert fresh(idea).comment_count == 0
    for flag in (fresh(first), fresh(second)):
        assert flag.resolution == "hidden" and flag.resolved_by_id == admin.id
        assert flag.resolved_at is not None
    [entry] = db.session.scalars(sa.select(AuditEntry)
                                 .where(AuditEntry.action == "moderation.hide")).all()
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("comments", comment.id,
                                                                    admin.id)
    assert entry.before == {"hidden": False}
    assert entry.after == {"hidden": True, "flags": [first.id, second.id]}
    assert "Breaks the code of conduct" in entry.reason and "Insulting" in entry.reason


def test_hide_then_restore_an_idea(admin_client, idea, reporter, employee):
    flag = services.flag_idea(reporter, idea, "Offensive title")
    db.session.commit()
    _decide(admin_client, flag.id, "hide", "Off topic")
    assert fresh(idea).hidden is True
    # The idea is now hidden from other employees, but not from its author.
    assert signed_in(admin_client.application, reporter).get(f"/ideas/{idea.id}").status_code \
        == 404
    again = services.flag_idea(employee, idea, "Please look again: it was fine")
    db.session.commit()
    page = admin_client.get("/admin/moderation").get_data(as_text=True)
    assert 'value="restore"' in page and 'value="hide"' not in page
    _decide(admin_client, again.id, "restore", "Misunderstanding")
    assert fresh(idea).hidden is False
    assert fresh(again).resolution == "restored"
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)
                                 .where(AuditEntry.action.like("moderation.%"))).all()
    assert actions == ["moderation.hide", "moderation.restore"]


def test_dismiss_leaves_the_content(admin_client, idea, reporter):
    flag = services.flag_idea(reporter, idea, "I just disagree")
    db.session.commit()
    _decide(admin_client, flag.id, "dismiss")
    assert fresh(idea).hidden is False
    assert fresh(flag).resolution == "dismissed"
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action.like("moderation.%")))
    assert entry.action == "moderation.dismiss" and entry.before == {"hidden": False}
    # A resolved flag cannot be decided again.
    _decide(admin_client, flag.id, "hide", "Off topic")
    assert fresh(idea).hidden is False


def test_decisions_need_admin_csrf_and_a_valid_choice(employee_client, admin_client, idea,
                                                     reporter):
    flag = services.flag_idea(reporter, idea, "spam")
    db.session.commit()
    token = token_of(employee_client, f"/ideas/{idea.id}")
    assert employee_client.post(f"/admin/moderation/flags/{flag.id}",
                                data={"csrf_token": token,
                                      f"flag-{flag.id}-decision": "hide"}).status_code == 403
    assert admin_client.post(f"/admin/moderation/flags/{flag.id}",
                             data={f"flag-{flag.id}-decision": "hide"}).status_code == 400
    _decide(admin_client, flag.id, "delete-everything")
    assert fresh(flag).resolved_at is None and fresh(idea).hidden is False


def _flags(n: int, idea, author) -> None:
    people = [UserFactory() for _ in range(5)]
    for i in range(n):
        if i % 2:
            comment = comments.add_comment(author, idea, f"comment {i}")
            services.flag_comment(people[i % 5], comment, f"reason {i}")
        else:
            services.flag_idea(people[i % 5], IdeaFactory(author=author,
                                                          department=idea.department), "r")
    db.session.commit()


def test_queue_query_count_is_constant(admin_client, idea, employee):
    _flags(5, idea, employee)
    few = count_queries(admin_client, "/admin/moderation")
    _flags(45, idea, employee)
    many = count_queries(admin_client, "/admin/moderation")
    assert db.session.scalar(sa.select(sa.func.count(Flag.id))) == 50
    assert few == many


def _flag_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="flag-(\d+)"', html)]


def test_queue_pages_walk_each_flag_once(app, admin_client, idea, employee):
    """Flags raised in the same instant are each shown once, oldest (then lowest id)
    first, forward and back; a deep page costs page 1's statements, without OFFSET."""
    _flags(QUEUE_PAGE_SIZE * 3 + 4, idea, employee)
    db.session.execute(sa.update(Flag).values(created_at=utcnow()))
    db.session.commit()
    expected = sorted(db.session.scalars(sa.select(Flag.id)))
    assert_walks_in_order(admin_client, "/admin/moderation", _flag_ids, expected,
                          per_page=QUEUE_PAGE_SIZE)
    assert_deep_page_seeks(admin_client, "/admin/moderation", _flag_ids, pages=3)
    assert_forged_cursors_refused(admin_client, "/admin/moderation")

"""Moderators are told of flags, authors are told why their content was hidden, and the
comment count is what people can see (issue 13, item 8)."""

import re

import pytest
import sqlalchemy as sa

from ideaboard.comments import services as comments
from ideaboard.extensions import db
from ideaboard.moderation import services
from ideaboard.notifications.models import Notification, OutboxEmail
from tests.helpers.factories import UserFactory
from tests.helpers.login import signed_in

TOKEN = re.compile(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"')


def token_of(client, url: str) -> str:
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


@pytest.fixture
def second_admin():
    return UserFactory(email="otto@example.com", display_name="Otto Admin", role="admin")


def notes_of(user) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def mails_to(address: str) -> list[OutboxEmail]:
    return list(db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.to_address == address)))


def test_every_moderator_hears_of_a_new_flag_once(app, idea, reporter, admin, second_admin,
                                                  manager):
    client = signed_in(app, reporter)
    token = token_of(client, f"/ideas/{idea.id}")
    client.post(f"/ideas/{idea.id}/flag",
                data={"csrf_token": token, "report-reason": "Spam, selling watches"})
    db.session.expire_all()
    for moderator in (admin, second_admin):
        [note] = notes_of(moderator)
        assert note.kind == "flag"
        assert note.message == ("Rita Reporter flagged the idea \u201cFour-day week\u201d for a "
                                "moderator to check: \u201cSpam, selling watches\u201d")
        assert db.session.get(type(moderator), moderator.id).unread_notifications == 1
        # ... and by e-mail, with a link to the moderation queue.
        [mail] = mails_to(moderator.email)
        assert "Flagged for moderation" in mail.subject
        assert "/admin/moderation" in mail.body_text
    # Managers, employees and the reporter are not moderators.
    assert notes_of(manager) == [] and notes_of(reporter) == []
    # Flagging again only updates the reason: nobody is told twice.
    services.flag_idea(reporter, idea, "Spam, really")
    db.session.commit()
    assert len(notes_of(admin)) == 1


def test_a_flag_notification_leads_to_the_moderation_queue(app, idea, reporter, admin):
    services.flag_comment(reporter, comments.add_comment(reporter, idea, "Buy watches"), "Spam")
    db.session.commit()
    client = signed_in(app, admin)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Rita Reporter flagged a comment on \u201cFour-day week\u201d" in page
    [note] = notes_of(admin)
    token = token_of(client, "/notifications")
    response = client.post(f"/notifications/{note.id}/open", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/moderation"


def test_hiding_tells_the_author_why(app, idea, employee, reporter, admin):
    flag = services.flag_idea(reporter, idea, "Off topic")
    db.session.commit()
    client = signed_in(app, admin)
    token = token_of(client, "/admin/moderation")
    client.post(f"/admin/moderation/flags/{flag.id}",
                data={"csrf_token": token, f"flag-{flag.id}-decision": "hide",
                      f"flag-{flag.id}-note": "Personal data of a colleague in the text"})
    db.session.expire_all()
    [note] = notes_of(employee)
    assert note.kind == "moderated"
    assert note.message == ("A moderator hid your idea \u201cFour-day week\u201d. The reason "
                            "given: Personal data of a colleague in the text")
    [mail] = mails_to(employee.email)
    assert "A moderator hid your idea" in mail.subject
    assert "Personal data of a colleague" in mail.body_text
    # The author still reads it (their hidden idea stays visible to them).
    page = signed_in(app, employee).get("/notifications").get_data(as_text=True)
    assert "The reason given: Personal data of a colleague in the text" in page


def test_the_author_of_a_hidden_comment_reads_why(app, idea, employee, reporter, admin):
    comment = comments.add_comment(reporter, idea, "Rude words")
    flag = services.flag_comment(employee, comment, "Rude")
    services.resolve(flag, admin, "hide", "Insults a colleague")
    db.session.commit()
    page = signed_in(app, reporter).get("/notifications").get_data(as_text=True)
    assert ("A moderator hid your comment on \u201cFour-day week\u201d. The reason given: "
            "Insults a colleague") in page
    assert "has hidden the comment this notification was about" not in page


def test_restoring_tells_the_author_too(idea, employee, reporter, admin):
    flag = services.flag_idea(reporter, idea, "Off topic")
    services.resolve(flag, admin, "hide", "Off topic")
    again = services.flag_idea(reporter, idea, "Still off topic")
    services.resolve(again, admin, "restore")
    db.session.commit()
    messages = [n.message for n in notes_of(employee)]
    assert messages[-1] == ("A moderator restored your idea \u201cFour-day week\u201d: everyone "
                            "can see it again.")


def test_hiding_needs_a_reason(app, idea, reporter, admin):
    flag = services.flag_idea(reporter, idea, "Off topic")
    db.session.commit()
    client = signed_in(app, admin)
    page = client.get("/admin/moderation").get_data(as_text=True)
    assert "Reason (told to the author if you hide it)" in page
    token = token_of(client, "/admin/moderation")
    response = client.post(f"/admin/moderation/flags/{flag.id}", follow_redirects=True,
                           data={"csrf_token": token, f"flag-{flag.id}-decision": "hide",
                                 f"flag-{flag.id}-note": "  "})
    assert "Say why you hide it: the author is told your reason." in response.get_data(
        as_text=True)
    db.session.expire_all()
    assert db.session.get(type(idea), idea.id).hidden is False
    # Dismissing needs none.
    assert services.resolve(flag, admin, "dismiss")


def test_the_comment_count_shows_only_what_people_can_see(app, idea, employee, reporter,
                                                         admin):
    shown = comments.add_comment(reporter, idea, "Good point")
    rude = comments.add_comment(reporter, idea, "Rude words")
    comments.add_comment(employee, idea, "A reply", parent=shown)
    services.resolve(services.flag_comment(employee, rude, "Rude"), admin, "hide", "Rude")
    db.session.commit()
    viewer = signed_in(app, UserFactory(email="vic@example.com"))
    listing = viewer.get("/").get_data(as_text=True)
    assert "2 comments" in listing and "3 comments" not in listing
    page = viewer.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert re.search(r'Comments <span class="muted">\(2\)</span>', page)
    # Restoring counts it again, on the card and on the page.
    services.resolve(services.flag_comment(employee, rude, "Rude?"), admin, "restore")
    db.session.commit()
    assert "3 comments" in viewer.get("/").get_data(as_text=True)
    assert re.search(r'Comments <span class="muted">\(3\)</span>',
                     viewer.get(f"/ideas/{idea.id}").get_data(as_text=True))

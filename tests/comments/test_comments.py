"""Comments: Markdown, replies, edit and delete, counters, following, mentions, notifications."""

import re

import pytest
import sqlalchemy as sa

from ideaboard.comments import services
from ideaboard.comments.models import Comment
from ideaboard.extensions import db
from ideaboard.following.services import follow, is_following
from ideaboard.notifications.models import Notification
from tests.helpers.discussions import add_discussion
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.login import signed_in
from tests.helpers.queries import count_queries


def notifications_of(user) -> list[Notification]:
    return db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def fresh(obj):
    """The row as the database has it now (ends the test's transaction, as requests commit)."""
    db.session.commit()
    return db.session.get(type(obj), obj.id)


@pytest.fixture
def author(it_department):
    return UserFactory(email="idea.author@example.com", display_name="Ida Author",
                       department=it_department)


@pytest.fixture
def idea(author, it_department):
    idea = IdeaFactory(author=author, department=it_department, title="Quieter open office")
    follow(author.id, idea.id)  # as submit_idea does
    db.session.commit()
    return idea


@pytest.fixture
def ann(it_department):
    return UserFactory(email="ann.lee@example.com", display_name="Ann Lee",
                       department=it_department)


@pytest.fixture
def bob(it_department):
    return UserFactory(email="bob@example.com", display_name="Bob Stone", department=it_department)


# --- service ------------------------------------------------------------------


def test_comment_is_rendered_markdown_counted_and_followed(idea, ann):
    comment = services.add_comment(ann, idea, "This is **great** <script>alert(1)</script>")
    db.session.commit()
    assert "<strong>great</strong>" in comment.body_html
    assert "<script>" not in comment.body_html
    assert "&lt;script&gt;" in comment.body_html
    assert fresh(idea).comment_count == 1
    assert is_following(ann.id, idea.id)


def test_empty_comment_is_refused(idea, ann):
    with pytest.raises(services.CommentError):
        services.add_comment(ann, idea, "   \n ")


def test_control_characters_are_dropped(idea, ann):
    comment = services.add_comment(ann, idea, "a\x00b\x07c\n\td")
    db.session.commit()  # PostgreSQL refuses NUL in text
    assert fresh(comment).body_md == "abc\n\td"


def test_reply_to_reply_attaches_to_top_level(idea, ann, bob):
    top = services.add_comment(ann, idea, "Top")
    reply = services.add_comment(bob, idea, "Reply", parent=top)
    deeper = services.add_comment(ann, idea, "Reply to the reply", parent=reply)
    db.session.commit()
    assert reply.parent_id == top.id
    assert deeper.parent_id == top.id
    threads = services.thread_page(idea).items
    assert [t.comment.id for t in threads] == [top.id]
    assert [r.id for r in threads[0].replies] == [reply.id, deeper.id]


def test_reply_must_be_on_the_same_idea(idea, ann, author, it_department):
    other = IdeaFactory(author=author, department=it_department)
    top = services.add_comment(ann, other, "Elsewhere")
    with pytest.raises(services.CommentError):
        services.add_comment(ann, idea, "Reply", parent=top)


def test_edit_marks_edited_and_rerenders(idea, ann):
    comment = services.add_comment(ann, idea, "First *take*")
    assert comment.edited_at is None
    assert services.edit_comment(comment, ann, "Second **take**") is True
    assert comment.edited_at is not None
    assert "<strong>take</strong>" in comment.body_html
    assert services.edit_comment(comment, ann, "Second **take**") is False


def test_delete_is_soft_counts_down_once_and_keeps_replies(idea, ann, bob):
    top = services.add_comment(ann, idea, "Top")
    reply = services.add_comment(bob, idea, "Reply", parent=top)
    db.session.commit()
    assert fresh(idea).comment_count == 2
    assert services.delete_comment(top) is True
    assert services.delete_comment(top) is False  # a second delete changes nothing
    db.session.commit()
    assert fresh(idea).comment_count == 1
    assert db.session.get(Comment, reply.id) is not None
    assert db.session.get(Comment, top.id).deleted_at is not None


def test_hidden_comments_are_not_counted(idea, ann):
    comment = services.add_comment(ann, idea, "Rude")
    db.session.commit()
    assert services.set_hidden(comment, True) is True
    assert services.set_hidden(comment, True) is False
    assert fresh(idea).comment_count == 0
    # Deleting a hidden comment does not count down a second time.
    assert services.delete_comment(fresh(comment)) is True
    assert fresh(idea).comment_count == 0
    # Restoring a deleted comment does not count it again either.
    assert services.set_hidden(fresh(comment), False) is True
    assert fresh(idea).comment_count == 0


def test_comment_count_matches_rows_after_a_mix(idea, ann, bob):
    made = [services.add_comment(ann if i % 2 else bob, idea, f"c{i}") for i in range(6)]
    services.delete_comment(made[0])
    services.set_hidden(made[1], True)
    services.set_hidden(made[2], True)
    services.set_hidden(made[2], False)
    db.session.commit()
    live = db.session.scalar(sa.select(sa.func.count(Comment.id)).where(
        Comment.idea_id == idea.id, Comment.deleted_at.is_(None), Comment.hidden.is_(False)))
    assert fresh(idea).comment_count == live == 4


# --- mentions and notifications -------------------------------------------------


@pytest.mark.parametrize("text, names", [
    ("Hi @ann.lee, look", ["ann.lee"]),
    ("@ANN.LEE.", ["ann.lee"]),
    ("mail bob@example.com please", []),
    ("`@ann.lee` in code", []),
    ("@bob and @bob again, and @ann.lee", ["bob", "ann.lee"]),
    ("```\n@bob\n```", []),
])
def test_mention_names(text, names):
    from ideaboard.sanitize import render_markdown

    assert services.mentioned_names(render_markdown(text)) == names


def test_mention_notifies_the_colleague_once(idea, ann, bob, author):
    services.add_comment(bob, idea, "What do you think, @ann.lee? And @nobody.here?")
    db.session.commit()
    [mention] = notifications_of(ann)
    assert mention.kind == "mention"
    assert "Bob Stone mentioned you" in mention.message
    assert fresh(ann).unread_notifications == 1
    # The author follows the idea and hears of the comment, once.
    [comment_note] = notifications_of(author)
    assert comment_note.kind == "comment"
    assert notifications_of(bob) == []  # never of one's own action


def test_comment_notifications_are_emailed_as_each_person_chose(idea, ann, bob, author):
    from ideaboard.notifications.models import OutboxEmail

    ann.email_frequency = "immediate"
    author.email_frequency = "daily"  # left for the digest
    db.session.commit()
    services.add_comment(bob, idea, "What do you think, @ann.lee?")
    db.session.commit()
    mails = db.session.scalars(sa.select(OutboxEmail)).all()
    assert [m.to_address for m in mails] == [ann.email]
    assert "Bob Stone mentioned you" in mails[0].subject
    assert notifications_of(ann)[0].emailed and not notifications_of(author)[0].emailed


def test_mention_matches_local_part_case_insensitively_and_not_wildcards(idea, bob, it_department):
    odd = UserFactory(email="Odd_Name@example.com", display_name="Odd", department=it_department)
    wild = UserFactory(email="oddxname@example.com", display_name="Wild", department=it_department)
    services.add_comment(bob, idea, "cc @odd_name")
    db.session.commit()
    assert [n.kind for n in notifications_of(odd)] == ["mention"]
    assert notifications_of(wild) == []


def test_reply_notifies_parent_author_once_even_if_following_and_mentioned(idea, ann, bob, author):
    top = services.add_comment(ann, idea, "Top")  # ann now follows the idea
    db.session.commit()
    services.add_comment(bob, idea, "Answer to you @ann.lee", parent=top)
    db.session.commit()
    kinds = [n.kind for n in notifications_of(ann)]
    assert kinds == ["mention"]  # mention beats reply beats comment; one notification
    services.add_comment(bob, idea, "Another answer", parent=top)
    db.session.commit()
    assert [n.kind for n in notifications_of(ann)] == ["mention", "reply"]
    # The author heard of all three comments in one grouped notification (issue 11).
    assert [(n.kind, n.group_count) for n in notifications_of(author)] == [("comment", 3)]


def test_followers_who_cannot_see_a_hidden_idea_are_not_notified(idea, ann, bob, admin):
    follow(ann.id, idea.id)
    follow(admin.id, idea.id)
    idea.hidden = True
    db.session.commit()
    services.add_comment(admin, idea, "Moderator note, cc @ann.lee")
    db.session.commit()
    assert notifications_of(ann) == []
    assert [n.kind for n in notifications_of(idea.author)] == ["comment"]


def test_anonymous_author_is_never_named(author, it_department, ann):
    idea = IdeaFactory(author=author, department=it_department, is_anonymous=True,
                       title="Secret idea")
    follow(author.id, idea.id)
    follow(ann.id, idea.id)
    db.session.commit()
    services.add_comment(author, idea, "Author here, thanks all")
    services.add_comment(ann, idea, "Nice, @idea.author")
    db.session.commit()
    messages = [n.message for n in db.session.scalars(sa.select(Notification))]
    assert messages and all("Ida Author" not in m for m in messages)
    assert any(m.startswith("The author commented") for m in messages)
    assert any(m.startswith("Ann Lee mentioned you") for m in messages)


def test_edit_notifies_only_newly_mentioned(idea, ann, bob, it_department):
    carl = UserFactory(email="carl@example.com", display_name="Carl", department=it_department)
    comment = services.add_comment(bob, idea, "Hi @ann.lee")
    db.session.commit()
    services.edit_comment(comment, bob, "Hi @ann.lee and @carl")
    services.edit_comment(comment, bob, "Hi @carl!")
    services.edit_comment(comment, bob, "Hi @carl and @ann.lee")
    db.session.commit()
    assert [n.kind for n in notifications_of(ann)] == ["mention"]
    assert [n.kind for n in notifications_of(carl)] == ["mention"]


# --- routes ---------------------------------------------------------------------


def test_post_comment_through_the_page(app, idea, ann, post, auth):
    auth.login(ann.email)
    response = post(f"/ideas/{idea.id}/comments", {"body": "Hello *there*"})
    assert response.status_code == 302
    comment = db.session.scalar(sa.select(Comment))
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}#comment-{comment.id}")
    page = auth.client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f'id="comment-{comment.id}"' in page
    assert "Hello <em>there</em>" in page
    assert "Ann Lee" in page
    assert fresh(idea).comment_count == 1


def test_invalid_comment_keeps_the_typed_text(idea, ann, post, auth):
    auth.login(ann.email)
    response = post(f"/ideas/{idea.id}/comments", {"body": "x" * 10_001})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "x" * 10_001 in page
    assert "at most 10000 characters" in page
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_blank_reply_keeps_form_and_reply_works(idea, ann, bob, post, auth):
    top = services.add_comment(ann, idea, "Top")
    db.session.commit()
    auth.login(bob.email)
    response = post(f"/comments/{top.id}/replies", {f"reply-{top.id}-body": "  "})
    assert response.status_code == 422
    assert "Write something first." in response.get_data(as_text=True)
    response = post(f"/comments/{top.id}/replies", {f"reply-{top.id}-body": "Agreed"})
    assert response.status_code == 302
    reply = db.session.scalar(sa.select(Comment).where(Comment.parent_id == top.id))
    assert reply.body_md == "Agreed"


def test_comment_needs_csrf(idea, ann, auth):
    auth.login(ann.email)
    response = auth.client.post(f"/ideas/{idea.id}/comments", data={"body": "No token"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_comment_requires_login(client, post, idea):
    response = post(f"/ideas/{idea.id}/comments", {"body": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_cannot_comment_on_a_hidden_idea(idea, ann, post, auth):
    idea.hidden = True
    db.session.commit()
    auth.login(ann.email)
    assert post(f"/ideas/{idea.id}/comments", {"body": "hi"}).status_code == 404


def test_edit_own_comment_only(app, idea, ann, bob, post, auth):
    comment = services.add_comment(ann, idea, "Original")
    db.session.commit()
    bob_client = signed_in(app, bob)
    assert bob_client.get(f"/comments/{comment.id}/edit").status_code == 403
    auth.login(ann.email)
    form = auth.client.get(f"/comments/{comment.id}/edit")
    assert form.status_code == 200 and "Original" in form.get_data(as_text=True)
    response = post(f"/comments/{comment.id}/edit", {"body": "Changed"})
    assert response.status_code == 302
    assert fresh(comment).body_md == "Changed"
    page = auth.client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Changed" in page and "edited" in page
    bad = post(f"/comments/{comment.id}/edit", {"body": ""})
    assert bad.status_code == 422


def test_delete_own_comment_shows_placeholder(app, idea, ann, bob, post, auth):
    comment = services.add_comment(ann, idea, "Regret this")
    reply = services.add_comment(bob, idea, "A reply that stays", parent=comment)
    db.session.commit()
    bob_client = signed_in(app, bob)
    token_page = bob_client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page).group(1)
    assert bob_client.post(f"/comments/{comment.id}/delete",
                           data={"csrf_token": token}).status_code == 403
    auth.login(ann.email)
    assert post(f"/comments/{comment.id}/delete").status_code == 302
    page = auth.client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "[comment removed]" in page and "Regret this" not in page
    assert "A reply that stays" in page
    assert fresh(idea).comment_count == 1
    assert fresh(reply).deleted_at is None


def test_hidden_comment_is_masked_for_non_admins(app, idea, ann, admin, auth):
    comment = services.add_comment(ann, idea, "Something rude")
    services.set_hidden(comment, True)
    db.session.commit()
    auth.login(ann.email)
    page = auth.client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "[hidden by a moderator]" in page and "Something rude" not in page
    admin_page = signed_in(app, admin).get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Something rude" in admin_page and "only admins see this text" in admin_page


def test_page_shows_reply_forms_in_details_and_own_actions(idea, ann, bob, auth):
    mine = services.add_comment(ann, idea, "Mine")
    theirs = services.add_comment(bob, idea, "Theirs")
    db.session.commit()
    auth.login(ann.email)
    page = auth.client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert page.count('<details class="reply-box">') == 2
    assert f'id="reply-{mine.id}-body"' in page and f'id="reply-{theirs.id}-body"' in page
    assert f"/comments/{mine.id}/edit" in page and f"/comments/{theirs.id}/edit" not in page
    assert f"/comments/{mine.id}/delete" in page and f"/comments/{theirs.id}/delete" not in page
    assert f"/comments/{theirs.id}/flag" in page and f"/comments/{mine.id}/flag" not in page


def test_anonymous_authors_comment_is_labelled_not_named(author, it_department, ann, auth):
    idea = IdeaFactory(author=author, department=it_department, is_anonymous=True)
    services.add_comment(author, idea, "From the author")
    db.session.commit()
    auth.login(ann.email)
    page = auth.client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "From the author" in page and "Ida Author" not in page


# --- query budget ---------------------------------------------------------------




def test_idea_page_query_count_is_constant(app, idea, ann, bob, it_department, auth):
    people = [ann, bob] + [UserFactory(department=it_department) for _ in range(8)]
    other = IdeaFactory(author=idea.author, department=it_department)
    add_discussion(idea, people, 5, text="Comment {i} @ann.lee")
    add_discussion(other, people, 50, text="Comment {i} @ann.lee")
    auth.login(ann.email)
    few = count_queries(auth.client, f"/ideas/{idea.id}")
    many = count_queries(auth.client, f"/ideas/{other.id}")
    assert few == many, (few, many)
    assert many <= 8, many


# --- a burst of comments is one notification (issue 11, defect 11) ------------------------


def test_a_burst_of_comments_updates_one_unread_notification(idea, ann, bob, author):
    from ideaboard.notifications.models import OutboxEmail

    author.email_frequency = "immediate"
    db.session.commit()
    for n in range(3):
        services.add_comment(bob if n % 2 else ann, idea, f"Comment {n}")
        db.session.commit()
    (only,) = notifications_of(author)
    assert (only.kind, only.group_count) == ("comment", 3)
    assert only.message == "3 new comments on \u201cQuieter open office\u201d."
    assert fresh(author).unread_notifications == 1
    # One e-mail for the burst (the first comment's), not one per comment.
    assert len(db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.to_address == author.email)).all()) == 1


def test_a_read_group_is_closed_and_the_unread_counter_stays_exact(app, idea, ann, author):
    from ideaboard.notifications.services import mark_read

    services.add_comment(ann, idea, "First")
    db.session.commit()
    (first,) = notifications_of(author)
    assert mark_read(fresh(author), first.id)
    db.session.commit()
    services.add_comment(ann, idea, "Second")
    services.add_comment(ann, idea, "Third")
    db.session.commit()
    # The read one stays as it was; the new comments make a new group of two.
    assert [(n.group_count, n.read_at is not None) for n in notifications_of(author)] == \
        [(1, True), (2, False)]
    assert fresh(author).unread_notifications == 1


def test_groups_are_per_kind_per_idea_and_per_window(idea, ann, bob, author, it_department):
    from datetime import timedelta

    from ideaboard.notifications.services import GROUP_WINDOW

    other = IdeaFactory(author=author, department=it_department, title="Standing desks")
    follow(author.id, other.id)
    db.session.commit()
    services.add_comment(ann, idea, "On the first idea")
    services.add_comment(ann, other, "On the other idea")
    top = services.add_comment(author, idea, "The author answers")
    services.add_comment(bob, idea, "A reply", parent=top)
    db.session.commit()
    assert sorted((n.kind, n.idea_id) for n in notifications_of(author)) == sorted(
        [("comment", idea.id), ("comment", other.id), ("reply", idea.id)])
    # An old group is left alone: the next comment starts a new notification.
    for notification in notifications_of(author):
        notification.created_at -= GROUP_WINDOW + timedelta(seconds=1)
    db.session.commit()
    services.add_comment(ann, idea, "Much later")
    db.session.commit()
    assert len(notifications_of(author)) == 4
    assert fresh(author).unread_notifications == 4

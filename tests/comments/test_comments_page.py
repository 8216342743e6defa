"""The comments section of the idea page, as each role sees it.

The section is worked out in Python (``ideaboard.comments.display``) and each thread's
markup is kept per application, keyed by what it shows. These tests hold the page to the
policy comment by comment on a 50-comment idea, and check that kept markup never
shows anything stale or another session's CSRF token.
"""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from ideaboard.comments import services
from ideaboard.comments.display import KEPT_COMMENTS_MAX, KEPT_TEXT_MAX
from ideaboard.comments.models import Comment
from ideaboard.core.permissions import can
from ideaboard.extensions import db
from tests.helpers.discussions import add_discussion, show_every_comment
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.login import signed_in

ARTICLE = re.compile(r'<article class="comment[^"]*" id="comment-(\d+)">(.*?)</article>', re.S)
REPLY_BOX = re.compile(r'<form method="post" action="/comments/(\d+)/replies"')
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')



def page_of(client, idea) -> str:
    response = client.get(f"/ideas/{idea.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def articles(page: str) -> dict[int, str]:
    return {int(id_): html for id_, html in ARTICLE.findall(page)}


@pytest.fixture
def people(it_department, manager, admin):
    author = UserFactory(email="ida@example.com", display_name="Ida Author",
                         department=it_department)
    ann = UserFactory(email="ann@example.com", display_name="Ann <b>Lee</b>",
                      department=it_department)
    bob = UserFactory(email="bob@example.com", display_name="Bob Stone",
                      department=it_department)
    reader = UserFactory(email="reader@example.com", display_name="Rita Reader",
                         department=it_department)
    return {"author": author, "ann": ann, "bob": bob, "reader": reader,
            "manager": manager, "admin": admin}


@pytest.mark.parametrize("anonymous", [True, False], ids=["anonymous-idea", "named-idea"])
def test_every_role_sees_on_50_comments_what_the_policy_allows(app, it_department, people,
                                                               anonymous):
    show_every_comment(app)
    idea = IdeaFactory(author=people["author"], department=it_department,
                       is_anonymous=anonymous)
    writers = [people["author"], people["ann"], people["bob"], people["manager"]]
    comments = add_discussion(idea, writers, 50, text="Comment number {i}", edit_every=5)
    assert len(comments) == 50
    for role, user in people.items():
        page = page_of(signed_in(app, user), idea)
        shown = articles(page)
        assert sorted(shown) == [c.id for c in comments], role
        boxes = {int(id_) for id_ in REPLY_BOX.findall(page)}
        assert boxes == {c.id for c in comments if c.parent_id is None
                         and can(user, "idea.comment", idea)
                         and can(user, "comment.reply", c)}, role
        for c in comments:
            html = shown[c.id]
            where = (role, c.id)
            assert (f'href="/comments/{c.id}/edit"' in html) == can(user, "comment.edit", c), where
            assert (f'action="/comments/{c.id}/delete"' in html) == can(
                user, "comment.delete", c), where
            assert (f'href="/comments/{c.id}/flag"' in html) == can(user, "comment.flag", c), where
            text_shown = c.deleted_at is None and (not c.hidden
                                                   or can(user, "comment.see_hidden", c))
            assert (c.body_md.split(",")[0] in html) == text_shown, where
            if c.deleted_at is not None:
                assert "[comment removed]" in html and "comment-author" not in html, where
            elif not text_shown:
                assert "[hidden by a moderator]" in html and "comment-author" not in html, where
            else:
                assert ("only admins see this text" in html) == c.hidden, where
                assert ("edited" in html) == (c.edited_at is not None), where
                by_author = c.author_id == idea.author_id
                if by_author and anonymous and not can(user, "idea.see_author", idea):
                    assert "The author" in html and "Ida Author" not in html, where
                    assert '<span class="badge">author</span>' not in html, where
                else:
                    name = _escaped(db.session.get(type(user), c.author_id).display_name)
                    if by_author and anonymous:
                        # Named to an admin, but never a link to the author's page.
                        assert f'<strong class="comment-author">{name}</strong>' in html
                        assert "/people/" not in html, where
                    else:
                        assert (f'<strong class="comment-author"><a href="/people/'
                                f'{c.author_id}">{name}</a></strong>') in html, where
                    assert ('<span class="badge">author</span>' in html) == by_author, where
        section = page[page.index('<section class="comments"'):]
        if anonymous and role != "admin":
            assert "Ida Author" not in section, role
        assert "<b>Lee</b>" not in section


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_kept_markup_follows_edits_deletions_and_moderation(app, it_department, people):
    idea = IdeaFactory(author=people["author"], department=it_department)
    ann, bob, admin = people["ann"], people["bob"], people["admin"]
    edited = services.add_comment(ann, idea, "First words")
    removed = services.add_comment(ann, idea, "Soon gone")
    moderated = services.add_comment(bob, idea, "Rude words")
    db.session.commit()
    ann_client, bob_client, admin_client = (signed_in(app, u) for u in (ann, bob, admin))
    for client in (ann_client, bob_client, admin_client):
        page = page_of(client, idea)
        assert "First words" in page and "Soon gone" in page and "Rude words" in page

    services.edit_comment(db.session.get(Comment, edited.id), ann, "Second words")
    services.delete_comment(db.session.get(Comment, removed.id))
    services.set_hidden(db.session.get(Comment, moderated.id), True)
    db.session.commit()

    for client in (ann_client, bob_client):
        page = articles(page_of(client, idea))
        assert "Second words" in page[edited.id] and "First words" not in page[edited.id]
        assert "[comment removed]" in page[removed.id] and "Soon gone" not in page[removed.id]
        assert "[hidden by a moderator]" in page[moderated.id]
        assert "Rude words" not in page[moderated.id]
    admin_page = articles(page_of(admin_client, idea))
    assert "Rude words" in admin_page[moderated.id]
    assert "only admins see this text" in admin_page[moderated.id]

    services.set_hidden(db.session.get(Comment, moderated.id), False)
    db.session.commit()
    assert "Rude words" in articles(page_of(bob_client, idea))[moderated.id]


def test_the_same_comment_shows_each_viewer_their_own_controls(app, it_department, people):
    idea = IdeaFactory(author=people["author"], department=it_department)
    comment = services.add_comment(people["ann"], idea, "Mine, not yours")
    db.session.commit()
    for _ in range(2):  # the second round is served from kept markup
        ann_view = articles(page_of(signed_in(app, people["ann"]), idea))[comment.id]
        bob_view = articles(page_of(signed_in(app, people["bob"]), idea))[comment.id]
        assert f"/comments/{comment.id}/edit" in ann_view
        assert f"/comments/{comment.id}/delete" in ann_view
        assert f"/comments/{comment.id}/flag" not in ann_view
        assert f"/comments/{comment.id}/edit" not in bob_view
        assert f"/comments/{comment.id}/delete" not in bob_view
        assert f"/comments/{comment.id}/flag" in bob_view


def test_forms_carry_each_sessions_own_csrf_token(app, it_department, people):
    idea = IdeaFactory(author=people["author"], department=it_department)
    first = services.add_comment(people["ann"], idea, "Delete me later")
    db.session.commit()
    ann_client, bob_client = signed_in(app, people["ann"]), signed_in(app, people["bob"])
    bob_tokens = set(TOKEN.findall(page_of(bob_client, idea)))
    ann_page = page_of(ann_client, idea)  # the thread's markup is kept by now
    ann_tokens = set(TOKEN.findall(ann_page))
    assert len(ann_tokens) == 1 and len(bob_tokens) == 1 and ann_tokens != bob_tokens
    assert ann_page.count(f'value="{next(iter(ann_tokens))}"') >= 3  # delete, reply, comment
    response = ann_client.post(f"/comments/{first.id}/delete",
                               data={"csrf_token": next(iter(ann_tokens))})
    assert response.status_code == 302
    assert db.session.get(Comment, first.id).deleted_at is not None


def test_long_comments_are_shown_whole_and_follow_edits(app, it_department, people):
    idea = IdeaFactory(author=people["author"], department=it_department)
    long_text = "Long " + "x" * KEPT_TEXT_MAX + " end"
    comment = services.add_comment(people["ann"], idea, long_text)
    db.session.commit()
    client = signed_in(app, people["bob"])
    assert long_text in page_of(client, idea)
    services.edit_comment(db.session.get(Comment, comment.id), people["ann"], long_text + "!")
    db.session.commit()
    assert long_text + "!" in page_of(client, idea)


def test_reply_box_is_labelled_and_posts_to_its_thread(app, it_department, people):
    idea = IdeaFactory(author=people["author"], department=it_department)
    top = services.add_comment(people["ann"], idea, "Top")
    db.session.commit()
    client = signed_in(app, people["bob"])
    page = page_of(client, idea)
    field = f"reply-{top.id}-body"
    assert f'<label for="{field}">Your reply</label>' in page
    # Named for the comment it answers, so a page's reply boxes are told apart.
    name = escape(f"Your reply to {people['ann'].display_name}: \u201cTop\u201d")
    assert (f'<textarea aria-label="{name}" aria-invalid="false" id="{field}" name="{field}" '
            'required>') in page
    token = TOKEN.search(page).group(1)
    response = client.post(f"/comments/{top.id}/replies",
                           data={"csrf_token": token, field: "A reply from the box"})
    assert response.status_code == 302
    reply = db.session.scalar(db.select(Comment).where(Comment.parent_id == top.id))
    assert reply.body_md == "A reply from the box"


def test_long_threads_are_shown_whole_and_follow_edits(app, it_department, people):
    show_every_comment(app)  # a thread too long to keep, on the idea page
    idea = IdeaFactory(author=people["author"], department=it_department)
    top = services.add_comment(people["ann"], idea, "Busy thread")
    replies = [services.add_comment(people["bob"], idea, f"Reply {i}", parent=top)
               for i in range(KEPT_COMMENTS_MAX + 1)]
    db.session.commit()
    client = signed_in(app, people["reader"])
    assert all(f"Reply {i}</p>" in page_of(client, idea) for i in range(len(replies)))
    services.delete_comment(db.session.get(Comment, replies[0].id))
    db.session.commit()
    shown = articles(page_of(client, idea))
    assert "[comment removed]" in shown[replies[0].id] and "Reply 1</p>" in shown[replies[1].id]

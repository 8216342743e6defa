"""The idea page's comments, a page of threads at a time (comments.services.thread_page).

On an idea with 75 threads, three of them with 10 replies: the first page is bounded
and shows the newest threads, the pager walks every thread once in order both ways,
"Show all N replies" reads a thread whole, and every link to a comment (a
notification's, the redirect after posting) lands on the page that holds it, with its
anchor. The page's statements are as many for 5 threads as for 75.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from ideaboard.comments import services
from ideaboard.comments.models import Comment
from ideaboard.extensions import db
from ideaboard.notifications.models import Notification
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.login import signed_in
from tests.helpers.queries import count_queries

TOP = re.compile(r'<article class="comment" id="comment-(\d+)">')
REPLY = re.compile(r'<article class="comment comment-reply" id="comment-(\d+)">')
PAGER = re.compile(r'<nav class="pagination comment-pager" aria-label="([^"]+)">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)" rel="(prev|next)">(.*?)</a>')
ARROW = re.compile(r'<span aria-hidden="true">[^<]*</span>')
ALL_REPLIES = re.compile(
    r'<a href="(/comments/(\d+)/replies)">Show all (\d+) replies<span class="visually-hidden">'
    r' to ([^<]+)</span></a>')

THREADS = 75
# Written second, 45th and 60th: the page shows the newest first, so on pages 4, 2 and 1.
LONG_THREADS = (2, 45, 60)
REPLIES = 10


@dataclass
class Discussion:
    idea: object
    tops: list[int]  # top-level comment ids, in the order they were written
    replies: dict[int, list[int]]  # thread id -> its reply ids, in order

    @property
    def newest_first(self) -> list[int]:
        """The threads in the order the pages show them."""
        return self.tops[::-1]


def make_discussion(idea, people, threads: int, long_threads=(), replies: int = 0) -> Discussion:
    """``threads`` threads on ``idea`` by ``people`` in turn, those at the positions
    ``long_threads`` with ``replies`` replies each. Commits."""
    tops, answers = [], {}
    for i in range(threads):
        top = services.add_comment(people[i % len(people)], idea, f"Thread {i}")
        tops.append(top.id)
        if i in long_threads:
            answers[top.id] = [
                services.add_comment(people[(i + j + 1) % len(people)], idea,
                                     f"Reply {j} to thread {i}", parent=top).id
                for j in range(replies)]
    db.session.commit()
    return Discussion(idea, tops, answers)


@pytest.fixture
def people(it_department):
    return [UserFactory(email=f"{name}@example.com", display_name=name.capitalize(),
                        department=it_department) for name in ("ann", "bob", "cy")]


@pytest.fixture
def reader(it_department):
    return UserFactory(email="reader@example.com", display_name="Rita Reader",
                       department=it_department)


@pytest.fixture
def discussion(it_department, people) -> Discussion:
    idea = IdeaFactory(author=people[0], department=it_department, title="Paged talk")
    made = make_discussion(idea, people, THREADS, LONG_THREADS, REPLIES)
    # Five threads written at the very same moment, across the end of the first page:
    # the seek orders them by id, and none is lost or shown twice.
    same = db.session.get_one(Comment, made.tops[53]).created_at
    db.session.execute(sa.update(Comment).where(Comment.id.in_(made.tops[53:58]))
                       .values(created_at=same))
    db.session.commit()
    return made


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def pager(page: str, label: str = "Comment pages") -> dict[str, tuple[str, str]]:
    """rel -> (link without its anchor, its text) of the pager named ``label``."""
    found = {}
    for name, inner in PAGER.findall(page):
        if name == label:
            for href, rel, text in LINK.findall(inner):
                # The words a screen reader says: the arrows are hidden from it.
                found[rel] = (html.unescape(href).split("#")[0], ARROW.sub("", text).strip())
    return found


def walk(client, start: str, rel: str, label: str = "Comment pages") -> list[tuple[str, str]]:
    """(address, page) of every page from ``start`` following the pager's ``rel`` link."""
    visited = [(start, get(client, start))]
    while rel in (links := pager(visited[-1][1], label)):
        assert len(visited) < 50, "the pager goes round in circles"
        visited.append((links[rel][0], get(client, links[rel][0])))
    return visited


def tops_of(page: str) -> list[int]:
    return [int(i) for i in TOP.findall(page)]


def test_first_page_is_bounded_and_counts_every_comment(app, discussion, people, reader):
    page = get(signed_in(app, reader), f"/ideas/{discussion.idea.id}")
    assert tops_of(page) == discussion.newest_first[:20]
    long_one = discussion.tops[LONG_THREADS[2]]
    # The long thread shows its first three replies and links to the rest.
    assert [int(i) for i in REPLY.findall(page)] == discussion.replies[long_one][:3]
    assert ALL_REPLIES.findall(page) == [
        (f"/comments/{long_one}/replies", str(long_one), str(REPLIES),
         people[LONG_THREADS[2] % len(people)].display_name)]
    total = THREADS + len(LONG_THREADS) * REPLIES
    assert f'Comments <span class="muted">({total})</span>' in page
    # The first page: only the way on, said in words.
    assert {rel: text for rel, (_, text) in pager(page).items()} == {"next": "Older comments"}


def test_the_pager_walks_every_thread_once_in_order_both_ways(app, discussion, reader):
    client = signed_in(app, reader)
    forward = walk(client, f"/ideas/{discussion.idea.id}", "next")
    assert [len(tops_of(page)) for _, page in forward] == [20, 20, 20, 15]
    assert [i for _, page in forward for i in tops_of(page)] == discussion.newest_first
    assert "next" not in pager(forward[-1][1]) and "prev" in pager(forward[-1][1])
    backward = walk(client, forward[-1][0], "prev")
    assert [i for _, page in reversed(backward) for i in tops_of(page)] == \
        discussion.newest_first
    assert pager(backward[1][1])["prev"][1] == "Newer comments"
    # Going back from the last page finds the pages going forward found.
    assert [tops_of(page) for _, page in reversed(backward)] == \
        [tops_of(page) for _, page in forward]
    assert pager(backward[-1][1]) == {"next": pager(forward[0][1])["next"]}


def test_show_all_replies_reads_the_whole_thread_a_page_at_a_time(app, discussion, reader):
    client = signed_in(app, reader)
    thread = discussion.tops[LONG_THREADS[1]]
    page = get(client, f"/comments/{thread}/replies")
    assert tops_of(page) == [thread]
    assert [int(i) for i in REPLY.findall(page)] == discussion.replies[thread]
    assert "Show all" not in page and f'action="/comments/{thread}/replies"' in page
    app.config["COMMENT_REPLIES_PER_PAGE"] = 4
    pages = walk(client, f"/comments/{thread}/replies", "next", "Reply pages")
    assert [[int(i) for i in REPLY.findall(page)] for _, page in pages] == [
        discussion.replies[thread][:4], discussion.replies[thread][4:8],
        discussion.replies[thread][8:]]
    assert pager(pages[1][1], "Reply pages")["prev"][1] == "Earlier replies"
    # A reply's own address leads to its thread.
    response = client.get(f"/comments/{discussion.replies[thread][5]}/replies")
    assert response.status_code == 302
    assert urlsplit(response.location).path == f"/comments/{thread}/replies"


def landing(client, url: str) -> tuple[str, str]:
    """Follow ``url``'s redirect: (where it led with its anchor, the page there)."""
    response = client.get(url)
    assert response.status_code == 302, (url, response.status_code)
    target = urlsplit(response.location)
    address = target.path + (f"?{target.query}" if target.query else "")
    return f"{address}#{target.fragment}", get(client, address)


def test_a_notifications_link_lands_on_the_page_holding_the_comment(app, discussion, people,
                                                                    reader):
    idea = discussion.idea
    page_3 = walk(signed_in(app, reader), f"/ideas/{idea.id}", "next")[2]
    target = discussion.tops[30]
    assert target in tops_of(page_3[1])
    # Bob is mentioned in a reply to the thread on page 3 (its first reply, so shown
    # with it), Cy in the eleventh reply to another (only on that thread's own page).
    shown = services.add_comment(people[0], idea, "@bob see this", parent=db.session.get(
        Comment, target))
    long_one = discussion.tops[LONG_THREADS[1]]
    deep = services.add_comment(people[0], idea, "@cy and this", parent=db.session.get(
        Comment, long_one))
    db.session.commit()
    landed = {}
    for person, comment in ((people[1], shown), (people[2], deep)):
        client = signed_in(app, person)
        # Opening the notification (from the list) leads to the comment's own address.
        notification = db.session.scalar(sa.select(Notification.id).where(
            Notification.user_id == person.id, Notification.comment_id == comment.id))
        opened = client.post(f"/notifications/{notification}/open",
                             data={"csrf_token": csrf_token(client, "/notifications")})
        assert opened.location == f"/comments/{comment.id}"
        landed[comment.id] = client
    where, page = landing(landed[shown.id], f"/comments/{shown.id}")
    assert where == f"{page_3[0]}#comment-{shown.id}"
    assert f'id="comment-{shown.id}"' in page and target in tops_of(page)
    cy = landed[deep.id]
    where, page = landing(cy, f"/comments/{deep.id}")
    assert where == f"/comments/{long_one}/replies#comment-{deep.id}"
    assert f'id="comment-{deep.id}"' in page
    # On a later page of the thread when the thread's pages are short.
    app.config["COMMENT_REPLIES_PER_PAGE"] = 4
    where, page = landing(cy, f"/comments/{deep.id}")
    assert where == f"/comments/{long_one}/replies?after={discussion.replies[long_one][7]}" \
        f"#comment-{deep.id}"
    assert f'id="comment-{deep.id}"' in page


def test_posting_and_replying_return_to_the_new_comment(app, discussion, reader):
    client = signed_in(app, reader)
    idea = discussion.idea
    token = csrf_token(client, f"/ideas/{idea.id}")
    response = client.post(f"/ideas/{idea.id}/comments",
                           data={"body": "The newest thread", "csrf_token": token})
    new = db.session.scalar(sa.select(Comment).order_by(Comment.id.desc()))
    assert response.location == f"/ideas/{idea.id}#comment-{new.id}"
    assert tops_of(get(client, f"/ideas/{idea.id}"))[0] == new.id
    # A reply on page 2 of the walk returns there, through the page's own reply box.
    page_2 = walk(client, f"/ideas/{idea.id}", "next")[1]
    thread = tops_of(page_2[1])[3]
    response = client.post(f"/comments/{thread}/replies",
                           data={f"reply-{thread}-body": "Answered", "csrf_token": token})
    reply = db.session.scalar(sa.select(Comment).order_by(Comment.id.desc()))
    assert reply.parent_id == thread
    assert response.location == f"{page_2[0]}#comment-{reply.id}"
    assert f'id="comment-{reply.id}"' in get(client, page_2[0])


def test_a_refused_comment_keeps_what_was_typed(app, discussion, reader):
    client = signed_in(app, reader)
    token = csrf_token(client, f"/ideas/{discussion.idea.id}")
    typed = "x" * (services.MAX_BODY_LENGTH + 1)
    response = client.post(f"/ideas/{discussion.idea.id}/comments",
                           data={"body": typed, "csrf_token": token})
    assert response.status_code == 422
    assert typed in response.get_data(as_text=True)


def test_hidden_comments_behave_as_before_on_any_page(app, discussion, reader, admin):
    hidden = db.session.get_one(Comment, discussion.tops[10])
    services.set_hidden(hidden, True)
    db.session.commit()
    client = signed_in(app, reader)
    where, page = landing(client, f"/comments/{hidden.id}")
    assert where.endswith(f"#comment-{hidden.id}") and "?before=" in where
    article = page[page.index(f'id="comment-{hidden.id}"'):]
    article = article[:article.index("</article>")]
    assert "[hidden by a moderator]" in article and "Thread 10<" not in article
    _, page = landing(signed_in(app, admin), f"/comments/{hidden.id}")
    assert "Thread 10<" in page and "only admins see this text" in page
    total = THREADS + len(LONG_THREADS) * REPLIES - 1
    assert f'Comments <span class="muted">({total})</span>' in page
    # A comment on an idea the reader may not see is not found.
    discussion.idea.hidden = True
    db.session.commit()
    assert client.get(f"/comments/{hidden.id}").status_code == 404
    assert client.get(f"/comments/{discussion.tops[0]}/replies").status_code == 404


def test_a_stale_page_link_offers_the_first_page(app, discussion, reader):
    client = signed_in(app, reader)
    page = get(client, f"/ideas/{discussion.idea.id}?after=987654321")
    assert tops_of(page) == []
    assert "These comments are no longer here." in page
    assert f'<a href="/ideas/{discussion.idea.id}#comments">Latest comments</a>' in page
    # Not an id at all: the first page, not an error.
    for junk in ("?before=99999999999999999999999", "?after=-3", "?before=abc"):
        assert tops_of(get(client, f"/ideas/{discussion.idea.id}{junk}")) == \
            discussion.newest_first[:20], junk


def test_statements_are_as_many_for_5_threads_as_for_75(app, discussion, people, reader,
                                                       it_department):
    small = IdeaFactory(author=people[0], department=it_department, title="Short talk")
    make_discussion(small, people, 5, (1,), 2)
    client = signed_in(app, reader)
    few = count_queries(client, f"/ideas/{small.id}")
    many = count_queries(client, f"/ideas/{discussion.idea.id}")
    later = walk(client, f"/ideas/{discussion.idea.id}", "next")[2][0]
    assert few == many == count_queries(client, later), (few, many)
    thread = discussion.tops[LONG_THREADS[0]]
    assert count_queries(client, f"/comments/{thread}/replies") == \
        count_queries(client, f"/comments/{discussion.tops[0]}/replies")

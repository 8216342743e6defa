"""Idea cards: read as plain rows, their HTML kept per application by the whole card.

The kept HTML must never show anyone a stale or someone else's card: every change to
what a card shows makes a different card, and the CSRF token is put in per request.
"""

from __future__ import annotations

import re

from ideaboard.extensions import db
from ideaboard.ideas import display
from ideaboard.ideas.display import CARD, card_list_items, cards
from ideaboard.ideas.queries import card_select
from tests.helpers.csrf import CSRF_PATTERN, csrf_token
from tests.helpers.factories import IdeaFactory, TagFactory, UserFactory
from tests.helpers.login import signed_in


def _card(page: str, idea_id: int) -> str:
    match = re.search(rf'<article class="idea-card card" id="idea-{idea_id}".*?</article>',
                      page, re.S)
    assert match, f"no card for idea {idea_id}"
    return match.group(0)


def _page(client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_vote_shows_on_the_card_at_once(employee_client, peer, it_department):
    idea = IdeaFactory(author=peer, department=it_department, title="Recycle printer paper")
    before = _card(_page(employee_client), idea.id)
    assert "You voted" not in before and 'aria-label="Net score 0"' in before
    token = csrf_token(employee_client, "/")
    response = employee_client.post(f"/ideas/{idea.id}/vote",
                                    data={"value": "1", "csrf_token": token})
    assert response.status_code == 302
    after = _card(_page(employee_client), idea.id)
    assert "You support this" in after and 'aria-label="Net score 1"' in after
    assert 'aria-pressed="true"' in after


def test_an_edit_and_a_comment_count_show_on_the_card(employee_client, peer, it_department):
    idea = IdeaFactory(author=peer, department=it_department, title="Recycle printer paper")
    assert "0 comments" in _card(_page(employee_client), idea.id)
    idea.title, idea.comment_count = "Recycle all the paper", 1
    db.session.commit()
    card = _card(_page(employee_client), idea.id)
    assert "Recycle all the paper" in card and "1 comment<" in card
    assert "Recycle printer paper" not in card


def test_each_session_gets_its_own_csrf_token_in_kept_cards(app, employee_client, peer,
                                                           it_department):
    idea = IdeaFactory(author=UserFactory(), department=it_department)
    other = signed_in(app, peer)
    pages = [_page(employee_client), _page(other)]
    tokens = []
    for page in pages:
        vote_tokens = set(CSRF_PATTERN.findall(_card(page, idea.id)))
        # The card's forms carry the token of the page's own session (the log-out form).
        assert vote_tokens == {CSRF_PATTERN.findall(page)[0]}
        tokens.append(vote_tokens)
    assert tokens[0] != tokens[1]
    assert "___csrf_token___" not in pages[0] + pages[1]


def test_the_author_and_a_peer_see_different_cards(app, employee, employee_client, peer,
                                                   it_department):
    idea = IdeaFactory(author=employee, department=it_department, is_anonymous=True)
    own = _card(_page(employee_client), idea.id)
    assert "You (posted anonymously)" in own and "vote-form" not in own  # no vote on own idea
    other = signed_in(app, peer)
    theirs = _card(_page(other), idea.id)
    assert ">Anonymous<" in theirs and employee.display_name not in theirs
    assert "vote-form" in theirs


def card_html(key, token):
    return str(card_list_items([key], token))


def test_card_html_is_kept_by_the_whole_card(app, employee, peer, it_department):
    idea = IdeaFactory(author=peer, department=it_department)
    idea.tags = [TagFactory(name="paper")]
    db.session.commit()
    with app.test_request_context("/"):
        [key] = cards(employee, db.session.execute(card_select(), {"viewer_id": employee.id}).all())
        assert key.tags == ("paper",) and key.votable and key.author_visible
        assert display.card(key).tags == (("paper", "/?tag=paper"),)
        renderer = CARD.cache(app)
        renderer.cache_clear()
        first = card_html(key, "token-one")
        second = card_html(key, "token-two")
        assert renderer.cache_info().hits == 1 and renderer.cache_info().misses == 1
        assert first.replace("token-one", "token-two") == second
        voted = card_html(key._replace(my_vote=1), "token-one")
        assert renderer.cache_info().misses == 2
        assert "You support this" in voted and "You support this" not in first
        older = card_html(key._replace(age="2 days ago"), "token-one")
        assert renderer.cache_info().misses == 3 and "2 days ago" in older


def test_the_token_is_escaped_into_the_kept_html(app, employee, peer, it_department):
    IdeaFactory(author=peer, department=it_department)
    with app.test_request_context("/"):
        [key] = cards(employee, db.session.execute(card_select(), {"viewer_id": employee.id}).all())
        assert '"><script>' not in card_html(key, '"><script>')


def test_templates_that_reload_are_rendered_every_time(app):
    app.jinja_env.auto_reload = True
    with app.test_request_context("/"):
        assert not hasattr(CARD.cache(app), "cache_info")


def test_with_fragments_not_kept_every_card_is_rendered_and_the_page_is_the_same(
        app, employee_client, peer, it_department):
    IdeaFactory(author=peer, department=it_department, title="Kept or not")
    db.session.commit()
    kept = employee_client.get("/").get_data(as_text=True)
    app.config["KEEP_FRAGMENTS"] = False
    app.extensions.pop("ideaboard.kept", None)  # as at start-up with the setting off
    with app.test_request_context("/"):
        assert not hasattr(CARD.cache(app), "cache_info")
    rendered = employee_client.get("/").get_data(as_text=True)
    token = re.compile(r'name="csrf_token" value="[^"]+"')
    assert "Kept or not" in rendered and token.sub("", rendered) == token.sub("", kept)

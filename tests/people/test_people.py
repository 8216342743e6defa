"""People's pages (issue 13, item 14): an author's name leads to their page, which lists
what every colleague may see of them and never an anonymous idea; initials avatars."""

from __future__ import annotations

import re

import pytest

from ideaboard.comments import services as comments
from ideaboard.core.avatars import AVATAR_COLOURS, avatar, avatar_colour, initials
from ideaboard.database import utcnow
from ideaboard.extensions import db
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.paging import (
    assert_deep_page_seeks,
    assert_forged_cursors_refused,
    assert_walks_in_order,
)
from tests.helpers.queries import count_queries


@pytest.fixture
def writer(it_department):
    return UserFactory(display_name="Wren Writer", email="wren@example.com",
                       department=it_department)


@pytest.fixture
def make(writer, it_department):
    def make_idea(title, **kwargs):
        kwargs.setdefault("author", writer)
        kwargs.setdefault("department", it_department)
        return IdeaFactory(title=title, **kwargs)

    return make_idea


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _card_titles(page: str) -> list[str]:
    return re.findall(r'class="idea-card-title" id="idea-\d+-title">\s*<a href="[^"]+">([^<]+)</a>',
                      page)


# --- what the page lists ------------------------------------------------------------------

@pytest.mark.parametrize("viewer", ["employee_client", "admin_client"])
def test_a_person_s_ideas_leave_out_anonymous_and_hidden_ones(request, make, writer, viewer):
    client = request.getfixturevalue(viewer)
    make("Bike racks by the door")
    make("A secret salary survey", is_anonymous=True)
    make("Spam the moderators hid", hidden=True)
    make("Standing desks for all")
    page = _page(client, f"/people/{writer.id}")
    assert "<h1>Wren Writer</h1>" in page
    assert _card_titles(page) == ["Standing desks for all", "Bike racks by the door"]
    assert "secret salary" not in page and "Spam the moderators" not in page


@pytest.mark.parametrize("viewer", ["employee_client", "admin_client"])
def test_a_person_s_comments_leave_out_hidden_removed_and_unmasking_ones(
        request, make, writer, employee, viewer):
    client = request.getfixturevalue(viewer)
    open_idea = make("Coffee machine repair", author=employee)
    hidden_idea = make("An idea the moderators hid", author=employee, hidden=True)
    own_anonymous = make("My anonymous idea", is_anonymous=True)
    others_anonymous = make("Someone else's anonymous idea", author=employee, is_anonymous=True)
    shown = comments.add_comment(writer, open_idea, "Shown: descale it monthly.")
    hidden = comments.add_comment(writer, open_idea, "Hidden: rude words.")
    comments.set_hidden(hidden, True)
    removed = comments.add_comment(writer, open_idea, "Removed: changed my mind.")
    comments.delete_comment(removed)
    comments.add_comment(writer, hidden_idea, "On a hidden idea.")
    # On their own anonymous idea the page would tell who wrote it.
    comments.add_comment(writer, own_anonymous, "Unmasking: as the author, I add this.")
    comments.add_comment(writer, others_anonymous, "Shown too: on a colleague's idea.")
    db.session.commit()
    page = _page(client, f"/people/{writer.id}?show=comments")
    assert "Shown: descale it monthly." in page
    assert "Shown too: on a colleague&#39;s idea." in page
    # The comment's own address, which finds the page of the idea's comments holding it.
    assert f'href="/comments/{shown.id}"' in page
    for absent in ("Hidden:", "Removed:", "On a hidden idea", "Unmasking", "My anonymous idea"):
        assert absent not in page, absent


def test_an_unknown_person_is_404_and_the_page_needs_signing_in(client, employee_client, writer):
    assert employee_client.get("/people/987654").status_code == 404
    response = client.get(f"/people/{writer.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("show", ["ideas", "comments"])
def test_the_page_costs_the_same_statements_however_much_they_wrote(
        app, employee_client, make, writer, employee, show):
    target = make("Target idea", author=employee)
    make("Only idea")
    comments.add_comment(writer, target, "Only comment.")
    db.session.commit()
    url = f"/people/{writer.id}?show={show}"
    count_queries(employee_client, url)  # warm the kept statements and fragments
    few = count_queries(employee_client, url)
    for n in range(30):
        make(f"Idea number {n}")
        comments.add_comment(writer, target, f"Comment number {n}.")
    db.session.commit()
    count_queries(employee_client, url)
    assert count_queries(employee_client, url) == few
    app.config["PAGE_SIZE"] = 8
    assert_deep_page_seeks(employee_client, url, _listed_ids, pages=3)


def _listed_ids(page: str) -> list[int]:
    """The ids of the ideas or the comments the page lists, in order."""
    return [int(idea or comment) for idea, comment in re.findall(
        r'<article class="idea-card card" id="idea-(\d+)"|href="/comments/(\d+)"', page)]


def test_the_lists_are_paged(app, employee_client, make, writer, employee):
    """Walked forward and back, each idea and comment shows once, in order, even when
    they were all posted at the same moment."""
    app.config["PAGE_SIZE"] = 4
    moment = utcnow()
    ideas = [make(f"Numbered idea {n:02d}", created_at=moment) for n in range(11)]
    target = make("Target idea", author=employee)
    said = [comments.add_comment(writer, target, f"Comment number {n}.") for n in range(9)]
    db.session.commit()
    assert_walks_in_order(employee_client, f"/people/{writer.id}", _listed_ids,
                          sorted((i.id for i in ideas), reverse=True), per_page=4)
    assert_walks_in_order(employee_client, f"/people/{writer.id}?show=comments", _listed_ids,
                          sorted((c.id for c in said), reverse=True), per_page=4)


@pytest.mark.parametrize("show", ["ideas", "comments"])
def test_forged_page_links_are_refused(employee_client, writer, show):
    assert_forged_cursors_refused(employee_client, f"/people/{writer.id}?show={show}")


# --- links to people's pages ----------------------------------------------------------------

@pytest.mark.parametrize("viewer", ["employee_client", "admin_client"])
def test_names_link_to_their_page_but_anonymous_ideas_never_do(request, make, writer,
                                                                 employee, viewer):
    client = request.getfixturevalue(viewer)
    named = make("Bike racks by the door")
    anonymous = make("A secret salary survey", is_anonymous=True)
    comments.add_comment(writer, anonymous, "The author adds a detail.")
    comments.add_comment(employee, anonymous, "A colleague answers.")
    db.session.commit()
    link = f'href="/people/{writer.id}"'
    listing = _page(client, "/")
    card = listing[listing.index(f'id="idea-{named.id}"'):]
    assert f'<a {link}>Wren Writer</a>' in card[:card.index("</article>")]
    hidden_card = listing[listing.index(f'id="idea-{anonymous.id}"'):]
    assert link not in hidden_card[:hidden_card.index("</article>")]
    assert f'<a {link}>Wren Writer</a>' in _page(client, f"/ideas/{named.id}")
    detail = _page(client, f"/ideas/{anonymous.id}")
    assert link not in detail  # neither its byline nor the author's comment
    assert f'href="/people/{employee.id}"' in detail  # a colleague's comment links


def test_similar_ideas_under_the_new_idea_form_do_not_lead_away(employee_client, make, writer):
    make("Bike racks by the door")
    fragment = _page(employee_client, "/ideas/similar?title=bike+racks")
    assert "Wren Writer" in fragment and "/people/" not in fragment


# --- avatars ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("Ada King Lovelace", "AL"), ("ada", "A"), ("  grace   hopper ", "GH"),
    ("Élodie Ñúñez", "ÉÑ"), ("(Sam) O'Neil", "SO"), ("", "?"), ("-- --", "?"),
    ("李 小龙", "李小"),
])
def test_initials(name, expected):
    assert initials(name) == expected


def test_a_colour_is_stable_and_in_the_palette():
    assert avatar_colour("Wren Writer") == avatar_colour("wren writer")
    colours = {avatar_colour(f"Person {n}") for n in range(200)}
    assert colours == set(range(AVATAR_COLOURS))


def test_an_avatar_is_hidden_from_screen_readers_and_escaped():
    html = str(avatar("<b>Bo</b> Ray", "large"))
    assert 'aria-hidden="true"' in html and "avatar-large" in html
    assert "<b>" not in html and ">BR<" in html


def test_a_person_s_page_shows_the_avatar_beside_the_written_name(employee_client, writer):
    page = _page(employee_client, f"/people/{writer.id}")
    assert (f'<span class="avatar avatar-{avatar_colour("Wren Writer")} avatar-large" '
            'aria-hidden="true">WW</span>') in page
    assert "<h1>Wren Writer</h1>" in page


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_every_avatar_colour_has_aa_contrast_with_its_white_initials():
    from tests.helpers.paths import ROOT

    css = (ROOT / "static" / "css" / "app.css").read_text()
    colours = dict(re.findall(r"\.avatar-(\d) \{ background: (#[0-9a-f]{6}); \}", css))
    assert sorted(colours) == [str(n) for n in range(AVATAR_COLOURS)]
    for n, colour in colours.items():
        assert 1.05 / (_luminance(colour) + 0.05) >= 4.5, (n, colour)

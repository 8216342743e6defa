"""The idea list at /, a department's list, and the idea cards they show."""

from __future__ import annotations

import re
from datetime import timedelta

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.following.services import follow
from ideaboard.voting.models import Vote
from tests.helpers.factories import DepartmentFactory, IdeaFactory, TagFactory
from tests.helpers.paging import assert_walks_in_order, pager_link


def _ids(page: str) -> list[int]:
    """Idea ids in the order their cards appear."""
    return [int(n) for n in re.findall(r'<article class="idea-card card" id="idea-(\d+)"', page)]


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_list_needs_login(client, app):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_empty_list(employee_client):
    page = _get(employee_client, "/")
    assert "No ideas yet" in page


def test_sorts(employee_client, peer, it_department):
    now = utcnow()
    old_popular = IdeaFactory(author=peer, department=it_department, upvotes=30, downvotes=1,
                              created_at=now - timedelta(days=30))
    new_quiet = IdeaFactory(author=peer, department=it_department, created_at=now)
    discussed = IdeaFactory(author=peer, department=it_department, upvotes=2, comment_count=40,
                            created_at=now - timedelta(days=2))
    assert _ids(_get(employee_client, "/?sort=top")) == [old_popular.id, discussed.id,
                                                          new_quiet.id]
    assert _ids(_get(employee_client, "/?sort=new")) == [new_quiet.id, discussed.id,
                                                          old_popular.id]
    assert _ids(_get(employee_client, "/?sort=discussed"))[0] == discussed.id
    trending = _ids(_get(employee_client, "/?sort=trending"))
    assert trending == _ids(_get(employee_client, "/"))  # the default
    assert trending.index(old_popular.id) > trending.index(new_quiet.id)  # age counts
    assert _ids(_get(employee_client, "/?sort=bogus")) == trending


def test_sort_tabs_mark_the_current_sort_and_keep_filters(employee_client):
    page = _get(employee_client, "/?sort=top&status=open")
    assert re.search(r'<a href="/\?[^"]*sort=top[^"]*" aria-current="page" title="[^"]+">Top</a>',
                     page)
    new_tab = re.search(r'<a href="([^"]*)"  title="[^"]+">New</a>', page).group(1)
    assert "status=open" in new_tab and "sort=new" in new_tab


def test_status_filter(employee_client, peer, it_department):
    open_idea = IdeaFactory(author=peer, department=it_department)
    accepted = IdeaFactory(author=peer, department=it_department, status="accepted")
    assert _ids(_get(employee_client, "/?status=accepted")) == [accepted.id]
    assert _ids(_get(employee_client, "/?status=open")) == [open_idea.id]
    assert len(_ids(_get(employee_client, "/?status=nonsense"))) == 2


def test_department_filter(employee_client, peer, it_department, hr_department):
    it_idea = IdeaFactory(author=peer, department=it_department)
    IdeaFactory(author=peer, department=hr_department)
    assert _ids(_get(employee_client, f"/?department={it_department.id}")) == [it_idea.id]


def test_tag_filter_and_tag_links(employee_client, peer, it_department):
    printing = TagFactory(name="printing")
    tagged = IdeaFactory(author=peer, department=it_department, tags=[printing])
    IdeaFactory(author=peer, department=it_department)
    page = _get(employee_client, "/")
    assert '<a class="tag" href="/?tag=printing">#printing</a>' in page
    assert _ids(_get(employee_client, "/?tag=printing")) == [tagged.id]
    assert _ids(_get(employee_client, "/?tag=Printing")) == [tagged.id]
    assert _ids(_get(employee_client, "/?tag=unknown")) == []


def test_my_ideas_and_following(employee_client, employee, peer, it_department):
    mine = IdeaFactory(author=employee, department=it_department)
    followed = IdeaFactory(author=peer, department=it_department)
    IdeaFactory(author=peer, department=it_department)
    follow(employee.id, followed.id)
    db.session.commit()
    assert _ids(_get(employee_client, "/?show=mine")) == [mine.id]
    assert _ids(_get(employee_client, "/?show=following")) == [followed.id]


def test_search_in_the_list(employee_client, peer, it_department):
    hit = IdeaFactory(author=peer, department=it_department, title="Recycle printer paper")
    IdeaFactory(author=peer, department=it_department, title="Standing desks")
    page = _get(employee_client, "/?q=printer+paper")
    assert _ids(page) == [hit.id]
    assert 'value="printer paper"' in page
    assert ">Best match</a>" in page
    assert "No ideas match" in _get(employee_client, "/?q=zebra")


def test_filters_combine(employee_client, peer, it_department, hr_department):
    tag = TagFactory(name="paper")
    target = IdeaFactory(author=peer, department=it_department, title="Printer paper saving",
                         tags=[tag])
    IdeaFactory(author=peer, department=hr_department, title="Printer paper HR", tags=[tag])
    IdeaFactory(author=peer, department=it_department, title="Printer paper closed",
                tags=[tag], status="declined")
    url = f"/?q=printer&tag=paper&status=open&department={it_department.id}"
    assert _ids(_get(employee_client, url)) == [target.id]


def test_hidden_ideas_are_never_listed(admin_client, employee_client, peer, it_department):
    visible = IdeaFactory(author=peer, department=it_department, title="Visible idea here")
    IdeaFactory(author=peer, department=it_department, title="Hidden idea here", hidden=True)
    for client in (employee_client, admin_client):
        assert _ids(_get(client, "/")) == [visible.id]
        assert _ids(_get(client, "/?q=idea")) == [visible.id]
        assert _ids(_get(client, f"/departments/{it_department.slug}")) == [visible.id]


def test_pagination_is_stable_and_complete(app, employee_client, peer, it_department):
    app.config["PAGE_SIZE"] = 3
    now = utcnow()
    # Equal sort keys: the id decides, so no idea is shown twice or skipped.
    ideas = [IdeaFactory(author=peer, department=it_department, created_at=now)
             for _ in range(7)]
    expected = sorted((i.id for i in ideas), reverse=True)
    assert_walks_in_order(employee_client, "/?sort=new", _ids, expected, per_page=3)
    first = _get(employee_client, "/?sort=new")
    assert 'href="/?sort=new&amp;cursor=' in first and "page=" not in first


def test_old_page_numbers_lead_to_the_first_page(employee_client, peer, it_department):
    """Links from before keyset paging (?page=N) redirect to the first page, the other
    arguments kept."""
    IdeaFactory(author=peer, department=it_department)
    for number in ("2", "99", "abc", "-1", "1"):
        response = employee_client.get(f"/?sort=new&page={number}&status=open")
        assert response.status_code == 302
        assert response.headers["Location"] == "/?sort=new&status=open"


def test_pager_without_a_count(app, employee_client, peer, it_department):
    """Pages are linked by previous/next only: no page asks for the number of matches."""
    app.config["PAGE_SIZE"] = 2
    for _ in range(5):
        IdeaFactory(author=peer, department=it_department)
    first = _get(employee_client, "/?sort=new")
    middle = _get(employee_client, pager_link(first, "next"))
    last = _get(employee_client, pager_link(middle, "next"))
    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert "Ideas 1 to 2 found, more on the next page" in first
    assert pager_link(middle, "prev").startswith("/?sort=new&cursor=")
    assert pager_link(middle, "next").startswith("/?sort=new&cursor=")
    assert '<nav class="pagination" aria-label="Pages">' in middle and "Page 2</span>" in middle
    assert 'rel="next"' not in last and "Ideas 5 to 5 found" in last
    assert "Page 3</span>" in last
    assert _ids(_get(employee_client, pager_link(middle, "prev"))) == _ids(first)
    single = _get(employee_client, "/?q=nomatchatall")
    assert 'class="pagination"' not in single
    app.config["PAGE_SIZE"] = 20
    everything = _get(employee_client, "/")
    assert "5 ideas found" in everything and 'class="pagination"' not in everything


def test_card_shows_everything(employee_client, employee, peer, it_department):
    tag = TagFactory(name="green")
    idea = IdeaFactory(author=peer, department=it_department, title="Card title idea",
                       body_md="First line of the **body**.", upvotes=5, downvotes=2,
                       comment_count=3, tags=[tag], created_at=utcnow() - timedelta(days=3))
    db.session.add(Vote(idea_id=idea.id, user_id=employee.id, value=1))
    db.session.commit()
    page = _get(employee_client, "/")
    card = page[page.index(f'id="idea-{idea.id}"'):]
    card = card[:card.index("</article>")]
    assert f'<a href="/ideas/{idea.id}">Card title idea</a>' in card
    assert '<p class="idea-excerpt">First line of the body.</p>' in card
    assert "Pat Peer" in card
    assert f'href="/departments/{it_department.slug}">IT</a>' in card
    assert "3 days ago" in card
    assert "3 comments" in card
    assert '<span class="status status-open">Open</span>' in card
    assert "<span data-vote-net>3</span>" in card
    assert 'aria-pressed="true"' in card and "You support this" in card
    assert 'href="/?tag=green"' in card


def test_status_labels_on_cards(employee_client, peer, it_department):
    IdeaFactory(author=peer, department=it_department, status="in_review")
    IdeaFactory(author=peer, department=it_department, status="needs_info")
    page = _get(employee_client, "/")
    assert '<span class="status status-in_review">In review</span>' in page
    assert '<span class="status status-needs_info">Needs info</span>' in page


def test_filter_form_is_a_plain_get_form(employee_client):
    page = _get(employee_client, "/")
    form = re.search(r'<form method="get" action="/"[^>]*>(.*?)</form>', page, re.S).group(1)
    for name in ("q", "status", "department", "tag", "show", "sort"):
        assert f'name="{name}"' in form
    assert "csrf_token" not in form


def test_department_page(employee_client, peer, it_department, hr_department):
    it_department.review_threshold = 7
    it_department.review_sla_days = 10
    db.session.commit()
    mine = IdeaFactory(author=peer, department=it_department, upvotes=4)
    newer = IdeaFactory(author=peer, department=it_department)
    IdeaFactory(author=peer, department=hr_department)
    page = _get(employee_client, f"/departments/{it_department.slug}")
    assert "<h1>IT</h1>" in page
    assert "7 more votes for than against" in page and "10 days" in page
    assert sorted(_ids(page)) == sorted([mine.id, newer.id])
    assert _ids(_get(employee_client, f"/departments/{it_department.slug}?sort=top"))[0] == mine.id
    assert "?sort=top" in page


def test_unknown_department_is_404(employee_client):
    assert employee_client.get("/departments/nowhere").status_code == 404


def test_empty_department(employee_client):
    DepartmentFactory(name="Legal", slug="legal")
    assert "No ideas for Legal yet" in _get(employee_client, "/departments/legal")


def test_the_filter_bar_is_kept_per_query_string_and_never_stale(app, employee_client,
                                                                  it_department):
    from ideaboard.ideas.display import FILTER_BAR
    from ideaboard.ideas.forms import _kept_filters

    bar, filters = FILTER_BAR.cache(app), _kept_filters.cache(app)
    url = f"/?status=open&department={it_department.id}&sort=new"
    first = _get(employee_client, url)
    _get(employee_client, url)
    assert bar.cache_info().hits == 1 and filters.cache_info().hits == 1
    assert f'<option selected value="{it_department.id}">' in first
    # A department added (or renamed) is another key: the bar shows it at once.
    DepartmentFactory(name="Facilities")
    db.session.commit()
    after = _get(employee_client, url)
    assert "Facilities" in after and bar.cache_info().misses == 2
    # A long query string is not kept.
    size = bar.cache_info().currsize
    _get(employee_client, "/?q=" + "x" * 190 + "&tag=" + "y" * 60 + "&show=mine" * 40)
    assert bar.cache_info().currsize == size


def test_every_page_of_a_list_shares_its_kept_filter_bar(app, employee_client, peer,
                                                          it_department):
    from ideaboard.ideas.display import FILTER_BAR

    for number in range(app.config["PAGE_SIZE"] + 1):
        IdeaFactory(author=peer, department=it_department, title=f"Idea {number}")
    db.session.commit()
    bar = FILTER_BAR.cache(app)
    first = _get(employee_client, "/?sort=new")
    following = re.search(r'href="([^"]*cursor=[^"]*)"[^>]*>\s*Next', first)
    assert following, "no link to the next page"
    _get(employee_client, following.group(1).replace("&amp;", "&"))
    assert bar.cache_info().misses == 1 and bar.cache_info().hits == 1

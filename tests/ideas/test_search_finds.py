"""Search finds what people type (issue 13, item 13): prefixes, comments, typos where the
database can tell (PostgreSQL with pg_trgm), and an empty result offers to post the idea.

Every test runs on SQLite and, with IDEABOARD_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from ideaboard.comments import services as comments
from ideaboard.extensions import db
from ideaboard.ideas import search
from ideaboard.ideas import services as ideas
from ideaboard.ideas.models import Idea
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.queries import count_queries


@pytest.fixture
def make(peer, it_department):
    def make_idea(title, body="Some words about it.", **kwargs):
        kwargs.setdefault("author", peer)
        kwargs.setdefault("department", it_department)
        return IdeaFactory(title=title, body_md=body, **kwargs)

    return make_idea


def _titles(client, query: str) -> list[str]:
    """The titles of the idea list's cards for ``query`` (the search URL's rest)."""
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    return re.findall(r'class="idea-card-title" id="idea-\d+-title">\s*<a href="[^"]+">([^<]+)</a>',
                      response.get_data(as_text=True))


def _search(client, q: str, sort: str = "relevance") -> list[str]:
    return _titles(client, f"q={quote(q)}&sort={sort}")


# --- prefixes ------------------------------------------------------------------------

@pytest.mark.parametrize("sort", ["relevance", "new", "top"])
def test_a_word_begun_finds_the_whole_word(employee_client, make, sort):
    make("Reset your password yourself", body="A self-service page.")
    make("Printer paper recycling")
    assert _search(employee_client, "pass", sort) == ["Reset your password yourself"]
    assert _search(employee_client, "self-serv", sort) == ["Reset your password yourself"]
    assert _search(employee_client, "reset pass", sort) == ["Reset your password yourself"]
    assert _search(employee_client, "pass printer", sort) == []


def test_duplicate_suggestions_read_prefixes_too(make):
    make("Reset your password yourself")
    assert [i.title for i in ideas.similar_ideas("Passwo")] == ["Reset your password yourself"]


# PostgreSQL's tsquery operators and SQLite's FTS5 syntax, as people might type them.
@pytest.mark.parametrize("q", [
    "pass:*", "pass & !printer", "pass | printer", "pass <-> word", "pass <2> word",
    "!", "&", "|", ":*", "'pass'", "pass'", "(pass", "pass)", "\\pass", "pass\\", "p*ss",
    "^pass", "pass NEAR/2 word", "pass -printer", "\u00fcber pass",
    "\u0645\u0631\u062d\u0628\u0627", "\u2603", "pass\u0301", "\U0001f600 pass", "x" * 200,
])
def test_query_syntax_typed_by_people_is_only_words(employee_client, make, q):
    make("Reset your password yourself")
    found = _search(employee_client, q)  # never a syntax error (a 500)
    assert set(found) <= {"Reset your password yourself"}
    assert set(_search(employee_client, q, "new")) == set(found)
    ideas.similar_ideas(q)


def test_tsquery_text_is_made_of_prefixes_of_words_only():
    assert search.tsquery_text(["pass", "word"], any_word=False) == "pass:* & word:*"
    assert search.tsquery_text(["pass", "word"], any_word=True) == "pass:* | word:*"
    assert search.search_words("pass:* & !word | (x) <-> 'y'") == ["pass", "word"]


# --- comments ------------------------------------------------------------------------

@pytest.mark.parametrize("sort", ["relevance", "new"])
def test_an_idea_is_found_through_its_visible_comments(employee_client, make, employee, sort):
    idea = make("Better coffee beans")
    comments.add_comment(employee, idea, "The espresso machine needs descaling too.")
    make("Descaling schedule for the kettles")
    db.session.commit()
    # The idea whose own text matches ranks above the one found through a comment.
    found = _search(employee_client, "descaling", sort)
    assert set(found) == {"Better coffee beans", "Descaling schedule for the kettles"}
    if sort == "relevance":
        assert found == ["Descaling schedule for the kettles", "Better coffee beans"]
    assert _search(employee_client, "espresso", sort) == ["Better coffee beans"]
    # Every word in one place: an idea's text or one of its comments.
    assert _search(employee_client, "espresso coffee", sort) == []


@pytest.mark.parametrize("sort", ["relevance", "new"])
def test_hidden_and_deleted_comments_find_nothing(employee_client, make, employee, sort):
    hidden = make("Better coffee beans")
    removed = make("Quieter meeting rooms")
    hidden_comment = comments.add_comment(employee, hidden, "Secret espresso talk.")
    removed_comment = comments.add_comment(employee, removed, "Acoustic panels please.")
    db.session.commit()
    assert _search(employee_client, "espresso", sort) == ["Better coffee beans"]
    assert _search(employee_client, "acoustic", sort) == ["Quieter meeting rooms"]
    # Hidden and deleted after those searches were kept: seen at once all the same.
    comments.set_hidden(hidden_comment, True)
    comments.delete_comment(removed_comment)
    db.session.commit()
    assert _search(employee_client, "espresso", sort) == []
    assert _search(employee_client, "acoustic", sort) == []
    comments.set_hidden(hidden_comment, False)
    db.session.commit()
    assert _search(employee_client, "espresso", sort) == ["Better coffee beans"]


def test_a_comment_on_a_hidden_idea_does_not_bring_it_back(employee_client, make, employee):
    idea = make("Better coffee beans")
    comments.add_comment(employee, idea, "Espresso, please.")
    idea.hidden = True
    db.session.commit()
    assert _search(employee_client, "espresso") == []
    assert _search(employee_client, "espresso", "new") == []


def test_a_comment_found_shows_the_idea_not_the_commenter(employee_client, make):
    """Search shows ideas: an anonymous idea found through its author's own comment
    says "Anonymous", and no commenter is named on the page."""
    writer = UserFactory(display_name="Quinn Quietly")
    idea = make("Better coffee beans", author=writer, is_anonymous=True)
    comments.add_comment(writer, idea, "I would pay for espresso myself.")
    db.session.commit()
    response = employee_client.get("/?q=espresso")
    page = response.get_data(as_text=True)
    assert "Better coffee beans" in page and "Anonymous" in page
    assert "Quinn" not in page


def test_a_search_through_comments_costs_the_same_whatever_the_matches(
        app, employee_client, make, employee):
    def cost(word: str) -> tuple[int, int]:
        # The kept ranking (a GET) is read on the second view: count both.
        return (count_queries(employee_client, f"/?q={word}"),
                count_queries(employee_client, f"/?q={word}&sort=new"))

    few = make("Coffee one")
    comments.add_comment(employee, few, "Oatmilk please.")
    db.session.commit()
    cost("oatmilk")
    small = cost("oatmilk")
    for n in range(25):
        idea = make(f"Tea idea number {n}")
        comments.add_comment(employee, idea, f"Chamomile {n}.")
    db.session.commit()
    cost("chamomile")
    assert cost("chamomile") == small


def test_sqlite_searches_comments_with_the_fts5_index(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    select = search._sqlite_comment_ideas("'\"word\"*'")
    sql = select.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = " ".join(str(row) for row in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "comments_fts VIRTUAL TABLE INDEX" in plan


def test_postgresql_searches_comments_with_the_partial_index(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    select = search._pg_comment_ideas(search._tsquery(sa.literal("word:*")))
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    db.session.execute(sa.text("SET LOCAL enable_indexscan = off"))
    sql = select.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.execute(sa.text(f"EXPLAIN {sql}")).scalars())
    assert "ix_comments_search_fts" in plan


# --- typos -----------------------------------------------------------------------------

def _has_trigrams() -> bool:
    return db.engine.dialect.name == "postgresql" and bool(db.session.scalar(sa.text(
        "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")))


def test_a_typo_is_answered_with_close_titles_on_postgresql(employee_client, make):
    if not _has_trigrams():
        pytest.skip("PostgreSQL with pg_trgm only; SQLite searches prefixes only")
    idea = make("Reset your password yourself")
    make("Secret password for the wifi", hidden=True)
    make("Printer paper recycling")
    page = employee_client.get("/?q=pasword").get_data(as_text=True)
    assert "No ideas match \u201cpasword\u201d" in page
    assert "Did you mean one of these?" in page
    assert f'href="/ideas/{idea.id}">Reset your password yourself</a>' in page
    assert "wifi" not in page and "Printer" not in page


def test_postgresql_finds_close_titles_with_the_trigram_index(app):
    if not _has_trigrams():
        pytest.skip("PostgreSQL with pg_trgm only")
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    db.session.execute(sa.text("SET LOCAL enable_indexscan = off"))
    connection = db.session.connection()
    # Without statistics the planner may read "hidden = false" from any index that
    # holds the column (the worklists', a campaign's) instead; every one of them is set
    # aside for this plan only (rolled back).
    covering = sorted(index.name for index in Idea.__table__.indexes
                      if "hidden" in index.columns and index.name)
    assert {"ix_ideas_queue", "ix_ideas_department_status"} <= set(covering)
    aside = connection.begin_nested()
    try:
        for index in covering:
            connection.exec_driver_sql(f"DROP INDEX {index}")
        sql = str(search._CLOSE_TITLES.compile(db.engine))  # the driver's own placeholders
        plan = "\n".join(connection.exec_driver_sql(
            f"EXPLAIN {sql}", {"text": "pasword", "limit": 5}).scalars())
    finally:
        aside.rollback()
    assert "ix_ideas_title_trigram_fts" in plan


def test_sqlite_offers_no_close_titles(employee_client, make):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    make("Reset your password yourself")
    page = employee_client.get("/?q=pasword").get_data(as_text=True)
    assert "No ideas match" in page
    assert "Did you mean" not in page


# --- an empty result -------------------------------------------------------------------

def test_an_empty_search_offers_to_post_it_as_an_idea(employee_client, make):
    make("Printer paper recycling")
    page = employee_client.get("/?q=Standing+desks+%26+chairs").get_data(as_text=True)
    assert "No ideas match \u201cStanding desks &amp; chairs\u201d." in page
    link = re.search(r'<a class="button" href="([^"]+)">Post this as an idea</a>', page)
    assert link is not None
    assert link.group(1) == "/ideas/new?title=Standing+desks+%26+chairs"
    form = employee_client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="Standing desks &amp; chairs"' in form
    # A list with results offers nothing of the kind.
    assert "Post this as an idea" not in employee_client.get("/?q=printer").get_data(
        as_text=True)


def test_the_title_brought_from_a_search_is_bounded(employee_client):
    long = " ".join(["word"] * 60)  # 299 characters
    page = employee_client.get(f"/?q={quote(long[:200])}").get_data(as_text=True)
    assert "Post this as an idea" in page
    title = ideas.title_from_search(long)
    assert len(title) <= ideas.TITLE_MAX and title.endswith("word")
    assert ideas.title_from_search("x" * 500) == "x" * ideas.TITLE_MAX
    assert ideas.title_from_search("  two \t\n words\x00 ") == "two words"
    form = employee_client.get(f"/ideas/new?title={'y' * 400}").get_data(as_text=True)
    assert f'value="{"y" * ideas.TITLE_MAX}"' in form
    assert "y" * (ideas.TITLE_MAX + 1) not in form


def test_filters_without_a_search_offer_no_new_idea(employee_client, make):
    make("Printer paper recycling")
    page = employee_client.get("/?status=declined").get_data(as_text=True)
    assert "No ideas match these filters." in page
    assert "Post this as an idea" not in page

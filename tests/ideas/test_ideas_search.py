"""Full-text search: one function for suggestions (any word) and the list (all words)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas import search, services
from ideaboard.ideas.models import Idea
from tests.helpers.factories import IdeaFactory, UserFactory


@pytest.fixture
def author(it_department):
    return UserFactory(display_name="Sam Searcher", email="sam@example.com")


@pytest.fixture
def make(author, it_department):
    def make_idea(title, body="Some words about it.", **kwargs):
        kwargs.setdefault("author", author)
        kwargs.setdefault("department", it_department)
        return IdeaFactory(title=title, body_md=body, **kwargs)

    return make_idea


def _titles(ideas):
    return [idea.title for idea in ideas]


def _everything(query):
    """The rows of the list's first page, the page as long as any test's list."""
    return db.session.execute(query.statements(None), {**query.params, "page_limit": 1000})


def _search(q):
    query = services.list_query(None, services.IdeaFilters(q=q, sort=services.RELEVANCE_SORT))
    return _titles(_everything(query))


def test_search_words_drop_stop_words_punctuation_and_repeats():
    assert search.search_words("Make the Printer-paper: recycling, the PRINTER!") == [
        "printer", "paper", "recycling"
    ]
    assert search.search_words("a the of") == []
    assert search.search_words("") == []
    assert search.search_words("5 ideas") == ["5", "ideas"]


def test_fts5_query_quotes_every_word_as_a_prefix():
    assert search.fts5_query(["printer", 'pa"per'], any_word=True) == '"printer"* OR "pa""per"*'
    assert search.fts5_query(["a", "b"], any_word=False) == '"a"* AND "b"*'


def test_suggestions_use_any_word_with_stemming(make):
    make("Printer paper recycling")
    make("Standing desks for the office")
    make("Paper cups in the kitchen")
    found = _titles(services.similar_ideas("Recycle printer paper"))
    # The idea sharing all three words (recycle/recycling stem alike) ranks first.
    assert found[0] == "Printer paper recycling"
    assert set(found) == {"Printer paper recycling", "Paper cups in the kitchen"}


def test_suggestions_rank_more_shared_words_higher(make):
    make("Paper notebooks")
    make("Printer paper recycling")
    make("Printer toner")
    found = _titles(services.similar_ideas("recycling printer paper"))
    assert found[0] == "Printer paper recycling"
    assert set(found[1:]) == {"Paper notebooks", "Printer toner"}


def test_suggestions_are_at_most_five_and_never_hidden(make):
    for n in range(7):
        make(f"Coffee machine number {n}")
    make("Coffee machine, secretly hidden", hidden=True)
    found = services.similar_ideas("coffee machine")
    assert len(found) == 5
    assert "Coffee machine, secretly hidden" not in _titles(found)


def test_suggestions_match_the_body_too(make):
    make("Lunch options", body="The canteen could offer vegetarian lasagne.")
    assert _titles(services.similar_ideas("Vegetarian food please")) == ["Lunch options"]


def test_list_search_wants_every_word(make):
    make("Printer paper recycling")
    make("Paper cups in the kitchen")
    make("Toner for the printer", body="Buy recycled paper toner.")
    assert set(_search("printer paper")) == {"Printer paper recycling", "Toner for the printer"}
    assert _search("kitchen cups") == ["Paper cups in the kitchen"]
    assert _search("printer kitchen") == []


def test_list_search_ignores_case(make):
    make("Café opening hours")
    assert _search("CAFÉ HOURS") == ["Café opening hours"]


def test_sqlite_search_folds_diacritics(make):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's english configuration keeps accents (no unaccent extension)")
    make("Café opening hours")
    assert _search("cafe") == ["Café opening hours"]


@pytest.mark.parametrize("query", [
    '"', '""', "'", "*", "printer*", "NEAR(printer paper)", "printer OR", "OR AND NOT",
    "title:printer", "-printer", "^printer", "printer)", "(", "{printer}", "printer + paper",
    "'; DROP TABLE ideas; --", "\\", "%", "_", "printer\x00paper", "ü" * 300,
])
def test_search_syntax_in_user_input_is_harmless(make, query):
    make("Printer paper recycling")
    found = _search(query)  # must not raise a syntax error
    assert set(found) <= {"Printer paper recycling"}
    services.similar_ideas(query)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 1


def test_operators_typed_by_users_are_words(make):
    make("Printer paper recycling")
    make("Printer or copier")
    # "OR" is a stop word here, not an operator: both words are required.
    assert _search("printer OR copier") == ["Printer or copier"]


def test_stop_words_only_matches_nothing(make):
    make("The and of")
    assert _search("the and of") == []
    assert services.similar_ideas("the and of") == []


def test_index_follows_edits_and_deletes(make, author):
    idea = make("Printer paper recycling")
    assert _search("recycling") == ["Printer paper recycling"]
    services.edit_idea(idea, author, "Standing desks everywhere", "Desks that go up.", [])
    db.session.commit()
    assert _search("recycling") == []
    assert _search("standing desks") == ["Standing desks everywhere"]
    db.session.delete(idea)
    db.session.commit()
    assert _search("standing desks") == []


def test_search_results_exclude_hidden_ideas(make):
    make("Printer paper recycling", hidden=True)
    assert _search("printer") == []


def test_list_search_keeps_the_chosen_sort(make):
    low = make("Printer paper one")
    high = make("Printer paper two", upvotes=9)
    query = services.list_query(None, services.IdeaFilters(q="printer", sort="top"))
    ids = [i.id for i in _everything(query)]
    assert ids == [high.id, low.id]


def test_relevance_ranks_the_newest_candidates_and_other_sorts_see_every_match(
        make, monkeypatch):
    monkeypatch.setattr(search, "RANKED_CANDIDATES", 2)
    oldest = make("Printer paper printer paper printer", upvotes=9)
    middle = make("A printer somewhere")
    newest = make("Printer again", body="The printer once more.")
    # Only the two newest matches are ranked, so a search's cost stays flat.
    assert set(_search("printer")) == {newest.title, middle.title}
    by_top = services.list_query(None, services.IdeaFilters(q="printer", sort="top"))
    ids = [i.id for i in _everything(by_top)]
    assert ids[0] == oldest.id
    assert len(ids) == 3


def test_postgresql_uses_the_gin_index(make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    make("Printer paper recycling")
    matches = search.matches("printer paper", any_word=False)
    query = sa.select(Idea.id).join(matches, matches.c.idea_id == Idea.id)
    # On a tiny table the planner may prefer walking the primary key (more so after
    # earlier tests left dead rows); forbid both plain scans so the question is only
    # whether the search can use the full-text index at all.
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    db.session.execute(sa.text("SET LOCAL enable_indexscan = off"))
    sql = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.execute(sa.text(f"EXPLAIN {sql}")).scalars())
    assert "ix_ideas_search_fts" in plan



# --- GET /ideas/similar (used by static/js/suggest.js) ---------------------------

def test_similar_fragment_lists_up_to_five_with_status(employee_client, make):
    for n in range(6):
        make(f"Printer paper idea {n}")
    make("Printer paper in review", status="in_review")
    make("Printer paper hidden", hidden=True)
    response = employee_client.get("/ideas/similar?title=Recycle+printer+paper")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert page.count('class="similar-item"') == 5
    assert 'data-similar-count="5"' in page
    assert "Printer paper hidden" not in page
    assert "<!doctype" not in page.lower()  # a fragment, not a page


def test_similar_fragment_shows_the_status_pill(employee_client, make):
    make("Printer paper in review", status="in_review")
    page = employee_client.get("/ideas/similar?title=printer").get_data(as_text=True)
    assert '<span class="status status-in_review">In review</span>' in page


def test_similar_with_nothing_to_match_is_empty(employee_client, make):
    make("Printer paper recycling")
    for title in ("", "the", "zebra", "a%20b"):
        response = employee_client.get(f"/ideas/similar?title={title}")
        assert response.status_code == 200
        assert response.get_data(as_text=True).strip() == ""


def test_similar_as_json(employee_client, make, author):
    idea = make("Printer paper recycling", upvotes=3)
    response = employee_client.get("/ideas/similar?title=printer",
                                   headers={"Accept": "application/json"})
    assert response.get_json() == {"ideas": [{
        "id": idea.id, "title": "Printer paper recycling", "url": f"/ideas/{idea.id}",
        "status": "open", "status_label": "Open", "department": "IT",
        "author": "Sam Searcher", "net_votes": 3,
    }]}


def test_similar_needs_login(client, app):
    response = client.get("/ideas/similar?title=printer")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

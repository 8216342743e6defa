"""Each search's ranking is kept per application, under the search index's version.

A search repeated while nothing searchable changed must answer exactly as the database's
ranking does (bm25 on SQLite, ts_rank on PostgreSQL), and any change (an idea added,
edited, deleted) must be seen at once; votes and moderation change nothing searchable,
and hidden ideas stay out anyway.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas import search
from ideaboard.ideas.models import Idea
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import IdeaFactory


def _kept(app):
    """The application's kept rankings (each test's application starts without any)."""
    return search._kept_ranking.cache(app).cache_info()


def _titles(client, q: str) -> list[str]:
    response = client.get(f"/?q={q}")
    assert response.status_code == 200
    return re.findall(r'class="idea-card-title" id="idea-\d+-title">\s*<a href="[^"]+">([^<]+)</a>',
                      response.get_data(as_text=True))


def _version() -> int:
    return db.session.scalar(sa.text("SELECT version FROM ideas_fts_version"))


def test_a_repeated_search_is_answered_from_the_kept_ranking_in_bm25_order(
        app, employee_client, peer, it_department):
    for title, body in [("Printer paper recycling", "Printer printer paper."),
                        ("Recycle the printer toner", "Toner."),
                        ("A printer on every floor", "More printers, printer paper too.")]:
        IdeaFactory(author=peer, department=it_department, title=title, body_md=body)
    first = _titles(employee_client, "printer")
    assert _kept(app).misses == 1
    assert _titles(employee_client, "printer") == first
    assert _kept(app).hits == 1
    # The order is the database's ranking, as a query of its own gives it.
    if db.engine.dialect.name == "sqlite":
        ranking = ("SELECT ideas.title FROM ideas_fts JOIN ideas ON ideas.id = ideas_fts.rowid "
                   "WHERE ideas_fts MATCH '\"printer\"*' "
                   "ORDER BY -bm25(ideas_fts, 10.0, 1.0) DESC, ideas.id DESC")
    else:
        ranking = ("SELECT title FROM ideas "
                   "WHERE search_vector @@ to_tsquery('english', 'printer:*') "
                   "ORDER BY ts_rank(search_vector, to_tsquery('english', 'printer:*')) "
                   "DESC, id DESC")
    assert first == db.session.execute(sa.text(ranking)).scalars().all()


def test_new_edited_and_deleted_ideas_are_seen_at_once(employee_client, peer, it_department):
    kept = IdeaFactory(author=peer, department=it_department, title="Coffee machine repair")
    assert _titles(employee_client, "coffee") == ["Coffee machine repair"]
    version = _version()
    added = IdeaFactory(author=peer, department=it_department, title="Better coffee beans")
    assert _version() > version
    assert set(_titles(employee_client, "coffee")) == {"Coffee machine repair",
                                                        "Better coffee beans"}
    added.title = "Better tea leaves"
    db.session.commit()
    assert _titles(employee_client, "coffee") == ["Coffee machine repair"]
    assert _titles(employee_client, "tea") == ["Better tea leaves"]
    db.session.delete(kept)
    db.session.commit()
    assert _titles(employee_client, "coffee") == []


def test_votes_and_moderation_leave_the_index_and_its_rankings_alone(
        app, employee_client, peer, it_department):
    idea = IdeaFactory(author=peer, department=it_department, title="Standing desks for all")
    other = IdeaFactory(author=peer, department=it_department, title="Standing meetings")
    assert len(_titles(employee_client, "standing")) == 2
    version = _version()
    token = csrf_token(employee_client, "/")
    response = employee_client.post(f"/ideas/{idea.id}/vote",
                                    data={"value": "1", "csrf_token": token})
    assert response.status_code == 302
    db.session.execute(sa.update(Idea).where(Idea.id == other.id).values(hidden=True))
    db.session.commit()
    assert _version() == version
    # The kept ranking is used, and the hidden idea is still left out of the page.
    hits = _kept(app).hits
    assert _titles(employee_client, "standing") == ["Standing desks for all"]
    assert _kept(app).hits == hits + 1


def test_requests_that_may_write_rank_without_keeping(app, peer, it_department):
    IdeaFactory(author=peer, department=it_department, title="Bike racks")
    db.session.commit()
    with app.test_request_context("/", method="POST"):
        params = search.list_search_params("bike", ranked=True)
    assert _kept(app).currsize == 0
    assert params[search.RANKED_PARAM].startswith("[") and params[search.RANKED_PARAM] != "[]"

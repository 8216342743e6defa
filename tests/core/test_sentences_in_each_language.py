"""Words put into sentences stay as each shipped language writes them: a status named
inside a sentence keeps German's capital noun ("in Prüfung", never a lowercased label),
and a quoted title wears the language's own quotation marks."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from ideaboard.core.i18n import Text, quoted
from ideaboard.extensions import db
from ideaboard.ideas.models import IdeaStatus
from ideaboard.review import workflow
from ideaboard.review.workflow import TransitionError
from tests.helpers.i18n import compile_shipped
from tests.helpers.review import make_idea


@pytest.fixture
def app_config(tmp_path_factory) -> dict:
    return {"BABEL_TRANSLATION_DIRECTORIES": str(
        compile_shipped(tmp_path_factory.mktemp("catalogues")))}


@pytest.mark.parametrize(("code", "marks"), [
    ("en", ("\u201c", "\u201d")), ("de", ("\u201e", "\u201c")),
    ("fr", ("\u00ab\u00a0", "\u00a0\u00bb")), ("es", ("\u00ab", "\u00bb")),
    ("ar", ("\u00ab", "\u00bb"))])
def test_a_quoted_title_wears_the_languages_quotation_marks(app, code, marks):
    kept = Text.from_json(Text("%(who)s commented on %(title)s.", who="Ada",
                               title=quoted("Tea")).as_json())
    with app.test_request_context("/"), force_locale(code):
        assert f"{marks[0]}Tea{marks[1]}" in str(kept)
    assert kept.english == "Ada commented on \u201cTea\u201d."


def test_a_long_title_is_cut_inside_the_quotes(app):
    with app.test_request_context("/"):
        assert str(quoted("x" * 200)) == "\u201c" + "x" * 119 + "\u2026\u201d"


def test_a_refused_change_names_the_statuses_as_german_writes_them(app, author, manager,
                                                                   it_department):
    idea = make_idea(author, it_department, status="declined")
    with app.test_request_context("/"), force_locale("de"):
        with pytest.raises(TransitionError) as refused:
            workflow.transition(idea, IdeaStatus.IN_REVIEW, manager)
        assert "in Prüfung" in str(refused.value)
        assert "abgelehnt" in str(refused.value)


@pytest.mark.parametrize("code", ["de", "fr", "es", "ar"])
def test_every_status_has_its_own_words_within_a_sentence(app, code):
    with app.test_request_context("/"):
        english = [status.in_sentence for status in IdeaStatus]
        with force_locale(code):
            translated = [status.in_sentence for status in IdeaStatus]
    assert "" not in translated and all(a != b for a, b in zip(english, translated, strict=True))


def test_figures_are_written_as_the_reader_writes_numbers(app, author, manager, manager_client,
                                                          it_department):
    """A German manager reads "0,25", not "0.25": no figure is formatted by Python's own
    float formatting on a page (the review queue's row, kept per language)."""
    idea = make_idea(author, it_department, status="in_review", title="Tea", upvotes=4,
                     downvotes=3)
    db.session.commit()
    shown = f"{idea.wilson_score:.2f}"
    assert shown not in ("0.00", "1.00")  # a decimal point to write
    english = manager_client.get("/review").get_data(as_text=True)
    german = manager_client.get("/review", headers={"Accept-Language": "de"}).get_data(
        as_text=True)
    assert f"({shown})" in english and f"({shown.replace('.', ',')})" in german

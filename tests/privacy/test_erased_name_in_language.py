"""An erased person's "Former colleague" (issue 18): stored in English, shown in each
reader's language wherever their name appears (an idea's author, a comment's, a
notification naming them), and in English through the API, whatever its caller's
Accept-Language."""

from __future__ import annotations

import pytest

from ideaboard.accounts.models import User
from ideaboard.core.transactions import unit_of_work
from ideaboard.extensions import db
from ideaboard.privacy.erasure import FORMER_COLLEAGUE, erase_person
from tests.helpers.api import ApiClient, new_token
from tests.helpers.i18n import compile_shipped
from tests.helpers.login import AuthActions
from tests.privacy.test_erasure import ANN, BOB, PASSPHRASE, two_people

GERMAN = {"Accept-Language": "de"}


@pytest.fixture
def app_config(tmp_path_factory) -> dict:
    return {"BABEL_TRANSLATION_DIRECTORIES": str(
        compile_shipped(tmp_path_factory.mktemp("catalogues")))}


def test_an_erased_name_is_shown_in_the_readers_language(app, it_department):
    ann, bob = two_people(it_department)
    with unit_of_work():
        erase_person(db.session.get(User, ann.user_id), actor=None)
    db.session.expire_all()
    reader = app.test_client()
    assert AuthActions(reader).login(BOB[1], PASSPHRASE).status_code == 302

    her_idea = reader.get(f"/ideas/{ann.public_idea_id}", headers=GERMAN).get_data(
        as_text=True)
    his_idea = reader.get(f"/ideas/{bob.public_idea_id}", headers=GERMAN).get_data(
        as_text=True)
    notifications = reader.get("/notifications", headers=GERMAN).get_data(as_text=True)
    for page in (her_idea, his_idea, notifications):
        assert "Ehemalige Person" in page and ANN[0] not in page
    # Her idea's title named her, so the erasure wrote the stored words into it: what
    # people typed stays in their words. Nothing else shows them.
    for page in (his_idea, notifications):
        assert FORMER_COLLEAGUE not in page
    # In English, the stored words.
    assert FORMER_COLLEAGUE in reader.get(f"/ideas/{ann.public_idea_id}",
                                          headers={"Accept-Language": "en"}).get_data(
                                              as_text=True)
    assert BOB[0] in his_idea  # a living name stays as it was given


def test_the_api_names_an_erased_person_in_english(app, it_department):
    ann, bob = two_people(it_department)
    with unit_of_work():
        erase_person(db.session.get(User, ann.user_id), actor=None)
    api = ApiClient(app.test_client(), new_token(db.session.get(User, bob.user_id)))
    answer = api.client.get(f"/api/v1/ideas/{ann.public_idea_id}",
                            headers=api.headers(GERMAN))
    assert answer.status_code == 200
    assert answer.json["author"] == FORMER_COLLEAGUE

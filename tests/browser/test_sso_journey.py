"""Journey: a person who never had an account signs in through the company's OpenID
provider (the real oidc-provider-mock on 127.0.0.1, its own login form), lands on the
idea list as a new person in the department the provider named, and posts an idea."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from tests.helpers.oidc import mock_provider, set_claims, use_provider


@pytest.fixture(scope="module")
def provider():
    with mock_provider() as issuer:
        yield issuer


def test_a_newcomer_signs_in_through_the_provider_and_posts_an_idea(
        app, live_server, provider, page, it_department):
    use_provider(app, provider)
    app.config["BASE_URL"] = live_server  # the provider sends the browser back here
    set_claims(provider, "nia-7", email="nia@example.com", email_verified=True,
               name="Nia Newcomer", department="IT")

    page.goto("/login")
    page.get_by_role("link", name="Sign in with Example ID").click()
    page.wait_for_url(f"{provider}/**")
    page.get_by_placeholder("sub").fill("nia-7")
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text("Welcome, Nia Newcomer.").wait_for()
    assert urlsplit(page.url).path == "/"

    page.get_by_role("link", name="New idea").click()
    page.get_by_label("Title").fill("Single sign-on for the canteen tills")
    page.get_by_label("Description").fill("Pay with the company badge.")
    page.get_by_label("Department").select_option(label="\u2003IT")
    page.get_by_role("button", name=re.compile("Post")).first.click()
    page.wait_for_url(re.compile(r"/ideas/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == \
        "Single sign-on for the canteen tills"

    db.session.commit()  # see what the server committed
    nia = db.session.scalars(sa.select(User).where(User.email == "nia@example.com")).one()
    assert (nia.source, nia.department_id) == ("oidc", it_department.id)
    idea = db.session.scalars(sa.select(Idea)).one()
    assert idea.author_id == nia.id

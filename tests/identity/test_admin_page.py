"""The admins' single sign-on page: status, people by source, what to look at."""

from __future__ import annotations

import re
from html import unescape

import pytest

from ideaboard.extensions import db
from ideaboard.identity.models import Provider
from ideaboard.identity.services import provision_from_sso
from tests.helpers.factories import UserFactory
from tests.helpers.login import signed_in
from tests.helpers.oidc import CraftedProvider, use_provider

PAGE = "/admin/single-sign-on"


def text(answer) -> str:
    return unescape(answer.get_data(as_text=True))


def test_without_single_sign_on_the_page_says_how_to_set_it_up(admin_client):
    page = text(admin_client.get(PAGE))
    assert "Not set up" in page and "IDEABOARD_OIDC_ISSUER" in page
    assert "SSO-only mode is <strong>off</strong>" in page


def test_it_shows_the_connection_people_by_source_and_unknown_departments(
        app, httpserver, admin, company, it_department):
    provider = CraftedProvider(httpserver)
    use_provider(app, provider.issuer)
    UserFactory.create_batch(2)
    UserFactory(active=False, source="scim")
    provision_from_sso(Provider.OIDC, "s-1", "zoe@example.com", True, "Zoe Z", "Skunkworks")
    provision_from_sso(Provider.OIDC, "s-2", "yan@example.com", True, "Yan Y", "IT")
    db.session.commit()
    page = text(signed_in(app, admin).get(PAGE))
    assert 'Sign in with Example ID' in page and provider.issuer in page
    # Source, people, active: the rows of the table, with the markup squeezed out.
    table = " ".join(re.sub(r"<[^>]+>", " ", page.split("People by source", 1)[1]
                            .split("</table>", 1)[0]).split())
    assert "Password 3 3 OpenID Connect 2 2 SAML 0 0 SCIM 1 0" in table
    assert "'Skunkworks'" in page and "Zoe Z" in page
    assert "Yan Y" not in page  # a known department: nothing to look at


@pytest.mark.parametrize("who", ["employee_client", "manager_client"])
def test_only_admins_see_it(request, who):
    assert request.getfixturevalue(who).get(PAGE).status_code == 403

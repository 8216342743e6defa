"""Every state-changing request needs a valid CSRF token (forms and JSON alike).

Built from the URL map, so a new POST route is covered the day it is added.
"""

import re

import pytest

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Exempt from CSRF because a cookie opens nothing there: each answers a request without
# its own bearer token 401, whoever is signed in (tested below, and in tests/identity).
BEARER_ONLY = ("scim.", "api.")
# Exempt because the identity provider's browser POST is cross-site (it carries no
# cookie to check a token against): the ACS only hands the Response back to the browser,
# whose same-site post on is proven by the provider's signed answer to an AuthnRequest
# this browser started (tests/identity/test_saml.py). Anything else is refused.
SIGNED_BY_THE_PROVIDER = {"identity.saml_acs", "identity.saml_continue"}


def unsafe_routes(app) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & UNSAFE):
            values = {arg: ("it" if conv.__class__.__name__ == "UnicodeConverter" else 1)
                      for arg, conv in rule._converters.items()}
            url = rule.build(values, append_unknown=False)[1]
            routes.append((rule.endpoint, method, url))
    return routes


def test_there_are_state_changing_routes(app):
    assert len(unsafe_routes(app)) >= 8


@pytest.mark.parametrize("who", ["anonymous", "employee", "admin"])
def test_every_unsafe_route_refuses_a_missing_or_wrong_token(app, who, request):
    client = app.test_client() if who == "anonymous" else request.getfixturevalue(f"{who}_client")
    failures = []
    for endpoint, method, url in unsafe_routes(app):
        for headers, data in [({}, {}), ({}, {"csrf_token": "forged"}),
                              ({"X-CSRFToken": "forged"}, {}),
                              ({"Content-Type": "application/json"}, None)]:
            response = client.open(url, method=method, data=data if data is not None else "{}",
                                   headers=headers)
            if endpoint in SIGNED_BY_THE_PROVIDER:
                refused = 400 <= response.status_code < 500
            else:
                refused = response.status_code == (
                    401 if endpoint.startswith(BEARER_ONLY) else 400)
            if not refused:
                failures.append((endpoint, method, headers, data, response.status_code))
    assert failures == []


def test_json_requests_send_the_token_in_a_header(employee_client):
    page = employee_client.get("/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    # The header is accepted in place of the form field.
    response = employee_client.post("/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 302

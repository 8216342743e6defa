"""The OpenAPI 3.1 document: valid (openapi-spec-validator), and true of the live
server (schemathesis against the app served on 127.0.0.1: no 5xx, every response's
status, content type, headers and body as the document says). Bounded: a few examples
per operation, well under a minute on a loaded two-core machine."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ideaboard.comments.services import add_comment
from ideaboard.extensions import db
from tests.helpers.api import new_token
from tests.helpers.review import make_idea
from tests.helpers.servers import served

MAX_EXAMPLES = 12


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = document["components"]["responses"]["DEFAULT_ERROR"]
    assert list(error["content"]) == ["application/problem+json"]
    # Every operation documents its errors as problem details.
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                assert "default" in operation["responses"], (method, path)


def test_the_docs_page_is_vendored_and_scriptless(client):
    page = client.get("/api/v1/docs")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in text
    assert 'data-openapi-url="/api/v1/openapi.json"' in text
    assert "<script>" not in text and "https://" not in text.split("<main", 1)[1]
    bundle = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    bundle.close()
    assert bundle.status_code == 200


@pytest.fixture
def live_api(app, employee, manager, author, it_department):
    """The test app over HTTP on a free port of 127.0.0.1, some ideas, comments and an
    idea under review to act on, and a manager's token with every scope they may hold."""
    idea = make_idea(author, it_department, title="An idea for the fuzzer")
    make_idea(author, it_department, title="Another idea, under review", status="in_review")
    add_comment(employee, idea, "A comment for the fuzzer")
    db.session.commit()
    secret = new_token(manager)
    with served(app) as base_url:
        yield base_url, secret


@pytest.fixture
def api_schema(live_api):
    """The document as the live server serves it, for schemathesis."""
    base_url, _secret = live_api
    return schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")


fuzzed = schemathesis.pytest.from_fixture("api_schema")


@fuzzed.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_failure_on_the_live_server(case, live_api):
    """Each operation, called with generated data (valid and not) and a manager's token
    of every scope they may hold: no 5xx, and the answer is what the document says."""
    base_url, secret = live_api
    case.call_and_validate(base_url=base_url, headers={"Authorization": f"Bearer {secret}"},
                           checks=[not_a_server_error, status_code_conformance,
                                   content_type_conformance, response_schema_conformance,
                                   response_headers_conformance])

"""A SCIM client for tests: a test client sending a connection's bearer token and JSON,
and the real payloads of Entra ID and Okta (tests/identity/scim_payloads.py)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from ideaboard.core.transactions import unit_of_work
from ideaboard.extensions import db
from ideaboard.identity.scim.tokens import create_token

SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def new_token(name: str = "Entra ID") -> str:
    """A fresh SCIM token's secret (committed, as an admin's would be)."""
    with unit_of_work():
        _token, secret = create_token(name, None)
    return secret


class ScimClient:
    """``get``/``post``/``put``/``patch``/``delete`` on /scim/v2/ with a token."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": SCIM_JSON}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def request(self, method: str, path: str, body: Any = None, *, raw: str | None = None):
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        return self.client.open(f"/scim/v2{path}", method=method, data=data,
                                headers=self._headers(), content_type=SCIM_JSON)

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, body: Any = None, **kwargs):
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs):
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs):
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str):
        return self.request("DELETE", path)


def assert_scim_error(response, status: int, scim_type: str | None = None) -> dict:
    """``response`` is a SCIM Error with ``status`` (and ``scim_type``)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == SCIM_JSON
    body = response.get_json(force=True)
    assert body["schemas"] == [ERROR_SCHEMA]
    assert body["status"] == str(status)
    assert body.get("detail")
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
    return body


def row_counts(*models) -> tuple[int, ...]:
    """How many rows each table has (to show a refusal wrote nothing)."""
    db.session.rollback()  # read what was committed, not this session's leftovers
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models)

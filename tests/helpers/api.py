"""The REST API in tests: tokens made as a person's page would make them, and a client
that sends one as a bearer token (no cookie)."""

from __future__ import annotations

import json
from typing import Any

from ideaboard.api.models import Scope, TokenKind
from ideaboard.api.services import SCOPES_BY_ROLE, create_token
from ideaboard.core.transactions import unit_of_work

PROBLEM_JSON = "application/problem+json"
ALL_SCOPES = tuple(scope.value for scope in Scope)


def new_token(user, scopes: tuple[str, ...] | None = None, *, days: int | None = 30,
              kind: TokenKind = TokenKind.PERSONAL) -> str:
    """A fresh token of ``user`` (every scope their role allows unless ``scopes``),
    committed; its secret."""
    chosen = scopes if scopes is not None else tuple(s.value for s in SCOPES_BY_ROLE[user.role])
    with unit_of_work():
        _token, secret = create_token(user, "Test script", chosen, expires_in_days=days,
                                      kind=kind)
    return secret


def new_token_id(user, kind: TokenKind = TokenKind.PERSONAL) -> int:
    """The id of a fresh read token of ``user``."""
    with unit_of_work():
        token, _secret = create_token(user, "Test script", ("read",), expires_in_days=30,
                                      kind=kind)
    return token.id


class ApiClient:
    """``get``/``post``/``put``/``delete`` on /api/v1/ with a bearer token and JSON."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        return {**headers, **(extra or {})}

    def get(self, path: str, **kwargs):
        return self.client.get(f"/api/v1{path}", headers=self.headers(), **kwargs)

    def send(self, method: str, path: str, body: Any = None, *, raw: str | bytes | None = None,
             content_type: str = "application/json", **kwargs):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return self.client.open(f"/api/v1{path}", method=method, data=data,
                                headers=self.headers({"Content-Type": content_type}
                                                     if data is not None else None), **kwargs)

    def post(self, path: str, body: Any = None, **kwargs):
        return self.send("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs):
        return self.send("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.send("DELETE", path, **kwargs)

"""The REST API v1 on flask-smorest: one blueprint (``base.blp``) whose views live in
``ideas``, ``discussion``, ``review`` and ``people``; the OpenAPI 3.1 document at
``/api/v1/openapi.json`` and the docs page at ``/api/v1/docs`` (Swagger UI, vendored
under ``static/vendor/swagger-ui``).

flask-smorest's own error handler (JSON of its own shape, for every HTTPException of
the app) is not installed: ``core.errors`` answers every error, in problem details
under ``/api/`` (``core.problems``), and the document says so.
"""

from __future__ import annotations

import http

from flask import Blueprint, Flask, render_template, url_for
from flask_smorest import Api

from ideaboard.api.v1 import discussion, ideas, people, review  # noqa: F401  (the views)
from ideaboard.api.v1.base import blp
from ideaboard.api.v1.schemas import ProblemSchema
from ideaboard.core.permissions import PUBLIC, requires
from ideaboard.core.problems import PROBLEM_JSON

docs_bp = Blueprint("api_docs", __name__)


class IdeaboardApi(Api):
    """flask-smorest's Api, with errors documented as problem details and answered by
    the app's own handlers."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """None: ``core.errors`` answers every error (problem details under /api/)."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response("DEFAULT_ERROR", {
            "description": "An error, as RFC 9457 problem details.",
            "content": {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}}, lazy=True)


@docs_bp.get("/api/v1/docs")
@requires(PUBLIC)
def docs():
    """The interactive page of the API (works without JavaScript as a link to the
    document)."""
    return render_template("api/docs.html", openapi_url=url_for("api-docs.openapi_json"))


def register(app: Flask) -> None:
    """The API and its documents on ``app``."""
    app.config.update({
        "API_TITLE": "Ideaboard", "API_VERSION": "v1", "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1", "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {"description": (
                "Ideas, votes, comments, follows, departments, notifications and reviews. "
                "Send a token as `Authorization: Bearer ib_…` (make one on your account's "
                "API tokens page); cookies are ignored. Errors are RFC 9457 problem "
                "details.")},
            "security": [{"bearerAuth": []}],
            "servers": [{"url": "/"}],
        },
    })
    api = IdeaboardApi(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(blp)
    # The document is public, like this page: it describes, it opens nothing.
    app.view_functions["api-docs.openapi_json"] = requires(PUBLIC)(
        app.view_functions["api-docs.openapi_json"])
    app.register_blueprint(docs_bp)
    app.extensions["ideaboard.api"] = api

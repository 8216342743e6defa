"""Structured logs (issue 19): one JSON object a line, carrying the request id passed in
``X-Request-ID`` (or one made up), and an access-log line per request."""

from __future__ import annotations

import json

import pytest

from ideaboard import create_app
from ideaboard.core.logs import JsonFormatter, json_handler
from ideaboard.core.observe import REQUEST_ID_HEADER
from ideaboard.extensions import db
from tests.helpers.clients import IsolatedClient
from tests.helpers.login import AuthActions


@pytest.fixture
def json_app(app, database_url, tmp_path):
    """An app logging JSON lines at INFO (as production does), on the suite's database
    (``app`` empties its tables after); the suite's autouse fixture takes the handler
    off after the test."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "ideaboard.test",
                      "LOG_FORMAT": "json", "LOG_LEVEL": "INFO",
                      "PROPAGATE_EXCEPTIONS": False}, env="testing")
    app.instance_path = str(tmp_path)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def json_lines(text: str) -> list[dict]:
    """Every line of standard error, each parsed as JSON (a line that is not fails)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "ideaboard.access"]


def test_each_request_is_one_json_line_with_the_id_passed_in(json_app, capsys):
    capsys.readouterr()
    response = json_app.test_client().get("/healthz",
                                          headers={REQUEST_ID_HEADER: "lb-7f3a.42:9"})
    assert response.headers[REQUEST_ID_HEADER] == "lb-7f3a.42:9"
    [line] = access_lines(json_lines(capsys.readouterr().err))
    assert line["request_id"] == "lb-7f3a.42:9"
    assert (line["method"], line["path"], line["status"], line["endpoint"]) == \
        ("GET", "/healthz", 200, "core.healthz")
    assert line["level"] == "INFO" and line["message"].startswith("GET /healthz 200")
    assert line["time"].endswith("Z") and 0 < line["duration_ms"] < 10_000
    assert "user_id" not in line  # nobody signed in


@pytest.mark.parametrize("sent", [None, "", "x" * 129, "<script>", "id with spaces",
                                  "a\tb", "ünïcode"])
def test_a_missing_or_malformed_id_is_replaced(json_app, capsys, sent):
    headers = {REQUEST_ID_HEADER: sent} if sent is not None else {}
    response = json_app.test_client().get("/healthz", headers=headers)
    made = response.headers[REQUEST_ID_HEADER]
    assert made != sent and len(made) == 32 and int(made, 16) >= 0
    [line] = access_lines(json_lines(capsys.readouterr().err))
    assert line["request_id"] == made


def test_ids_differ_between_requests(json_app):
    client = json_app.test_client()
    ids = {client.get("/healthz").headers[REQUEST_ID_HEADER] for _ in range(5)}
    assert len(ids) == 5


def test_the_signed_in_person_is_named(json_app, capsys):
    from tests.helpers.factories import UserFactory

    user = UserFactory(email="logged@example.com")
    db.session.commit()
    user_id = user.id
    client = json_app.test_client()
    assert AuthActions(client).login("logged@example.com").status_code == 302
    capsys.readouterr()
    assert client.get("/", headers={REQUEST_ID_HEADER: "page-1"}).status_code == 200
    [line] = access_lines(json_lines(capsys.readouterr().err))
    assert line["user_id"] == user_id and line["request_id"] == "page-1"


def test_tokens_in_paths_are_not_logged(json_app, capsys):
    secret = "reset-token-that-must-stay-out-of-logs"
    json_app.test_client().get(f"/reset-password/{secret}")
    err = capsys.readouterr().err
    assert secret not in err
    [line] = access_lines(json_lines(err))
    assert line["path"] == "/reset-password/[redacted]"


def test_an_error_is_one_line_with_its_traceback_and_the_id_on_the_page(json_app, capsys):
    @json_app.get("/boom")
    def boom():
        raise RuntimeError("the view broke")

    response = json_app.test_client().get("/boom", headers={REQUEST_ID_HEADER: "boom-1"})
    assert response.status_code == 500
    assert b"boom-1" in response.data  # the page gives the reference to quote
    lines = json_lines(capsys.readouterr().err)
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == "boom-1" and error["path"] == "/boom"
    assert "RuntimeError: the view broke" in error["exception"]
    assert access_lines(lines)[0]["status"] == 500


def test_the_handler_is_installed_once_per_process(json_app, database_url):
    again = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LOG_FORMAT": "json"},
                       env="testing")
    import logging

    ours = [h for h in logging.getLogger().handlers if h is json_handler()]
    assert len(ours) == 1
    with again.app_context():
        db.engine.dispose()


def test_text_stays_the_default_outside_production(app):
    assert app.config["LOG_FORMAT"] == "text"
    assert json_handler() is None


def test_an_unknown_format_refuses_to_start(database_url):
    with pytest.raises(RuntimeError, match="IDEABOARD_LOG_FORMAT"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LOG_FORMAT": "xml"},
                   env="testing")


def test_a_record_outside_a_request(capsys):
    import logging

    record = logging.LogRecord("ideaboard.mail", logging.WARNING, __file__, 1,
                               "SMTP down: %s", ("refused",), None)
    line = json.loads(JsonFormatter().format(record))
    assert line == {"time": line["time"], "level": "WARNING", "logger": "ideaboard.mail",
                    "message": "SMTP down: refused"}


def test_every_line_of_a_request_redacts_its_token(json_app, capsys):
    import logging

    @json_app.get("/links/<token>")
    def link(token):
        logging.getLogger("ideaboard.links").warning("link refused")
        return "no", 410

    secret = "a-signed-token-nobody-should-read"
    json_app.test_client().get(f"/links/{secret}", headers={REQUEST_ID_HEADER: "link-1"})
    err = capsys.readouterr().err
    assert secret not in err
    [warning] = [line for line in json_lines(err) if line["logger"] == "ideaboard.links"]
    assert warning["path"] == "/links/[redacted]" and warning["request_id"] == "link-1"

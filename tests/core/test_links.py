"""Links in anything sent later come from BASE_URL, never from the request's Host, and
the app answers only for the hosts it serves (issue 11, defects 1 and 12)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess  # nosec B404 - runs this interpreter on a fixed script
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ideaboard import create_app
from ideaboard.core.urls import absolute_url
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.notifications import delivery
from ideaboard.notifications.models import NotificationKind, OutboxEmail
from ideaboard.notifications.services import notify
from tests.helpers.clients import IsolatedClient
from tests.helpers.csrf import csrf_token
from tests.helpers.factories import UserFactory
from tests.helpers.login import AuthActions
from tests.helpers.paths import ROOT
from tests.helpers.review import make_idea

BASE_URL = "https://ideas.example.com/board"
FORGED = "evil.example"


def _mail_to(address: str) -> OutboxEmail:
    return db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to_address == address)
                              .order_by(OutboxEmail.id.desc())).first()


def _links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


class HostClient(IsolatedClient):
    """A test client whose every request names ``host`` in its Host header."""

    host = FORGED

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", f"http://{self.host}")
        return super().open(*args, **kwargs)


@pytest.fixture
def two_named_app(app, database_url):
    """An app whose configuration trusts a second host name beside BASE_URL's, so a
    request naming it is served: the links it e-mails must still follow BASE_URL."""
    made = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "BASE_URL": BASE_URL,
                       "TRUSTED_HOSTS": ["ideas.example.com", FORGED]}, env="testing")
    made.test_client_class = HostClient
    yield made
    with made.app_context():
        db.engine.dispose()


# --- one function builds every absolute link -----------------------------------------

@pytest.mark.parametrize("base,expected", [
    ("http://ideaboard.test", "http://ideaboard.test/ideas/7"),
    ("http://127.0.0.1:5001", "http://127.0.0.1:5001/ideas/7"),
    ("https://intranet.example/ideas", "https://intranet.example/ideas/ideas/7"),
    ("https://intranet.example/ideas/", "https://intranet.example/ideas/ideas/7"),
])
def test_absolute_url_follows_the_base_address_and_its_prefix(app, base, expected):
    app.config["BASE_URL"] = base
    assert absolute_url("ideas.detail", idea_id=7) == expected
    # The same inside a request for another host, and whatever prefix it came through.
    with app.test_request_context("/", base_url="http://ideaboard.test/elsewhere"):
        assert absolute_url("ideas.detail", idea_id=7) == expected


def test_absolute_url_puts_extra_values_in_the_query(app):
    assert absolute_url("accounts.signup", invitation="a.b") == \
        "http://ideaboard.test/signup?invitation=a.b"


def test_links_for_later_are_built_in_one_place():
    """No ``_external=True`` (its host is the request's), no link glued onto BASE_URL by
    hand: ``core/urls.absolute_url`` is the only builder."""
    package = ROOT / "ideaboard"
    patterns = [re.compile(p) for p in (
        r"_external\s*=", r"\.host_url\b", r"\.url_root\b",
        r"BASE_URL[^\n]{0,60}\}/",  # f"{...['BASE_URL']...}/ideas/..."
        r"BASE_URL[^\n]{0,60}\+\s*[\"']/",  # config["BASE_URL"] + "/ideas/..."
    )]
    offenders = [f"{path.relative_to(package)}:{number}: {line.strip()}"
                 for path in package.rglob("*.py") if path != package / "core" / "urls.py"
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if any(p.search(line) for p in patterns)]
    assert offenders == []


# --- defect 1: the password-reset e-mail --------------------------------------------

def test_reset_mail_from_a_request_naming_another_host_links_to_base_url(two_named_app, employee):
    client = two_named_app.test_client()
    response = client.post("/reset-password", data={"email": employee.email,
                                                     "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    links = _links(_mail_to(employee.email).body_text)
    assert len(links) == 1
    assert links[0].startswith(f"{BASE_URL}/reset-password/")
    assert FORGED not in _mail_to(employee.email).body_text


def test_forged_host_is_refused_with_our_400_page(client, employee):
    token = csrf_token(client, "/reset-password")
    response = client.post("/reset-password", data={"email": employee.email, "csrf_token": token},
                           headers={"Host": FORGED})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Bad request" in page and "Back to Ideaboard" in page
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/css/app.css", "/no/such/page",
                                  "/ideas/1"])
def test_forged_host_is_refused_on_every_path(client, path):
    response = client.get(path, headers={"Host": FORGED})
    response.close()  # a served static file would hold its file open
    assert response.status_code == 400
    assert b"Bad request" in response.data


def test_forged_host_gets_json_when_asking_for_it(client):
    response = client.get("/login", headers={"Host": f"{FORGED}:8080",
                                             "Accept": "application/json"})
    assert response.status_code == 400
    assert response.json == {"error": "The request could not be understood.", "status": 400}


def test_served_hosts_still_answer(client):
    # The suite's SERVER_NAME, and the loopback names tests and developers use.
    for host in ("ideaboard.test", "localhost", "127.0.0.1:5000"):
        assert client.get("/login", headers={"Host": host}).status_code == 200


def test_production_trusts_only_the_base_address_by_default(app, database_url):
    production = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "BASE_URL": BASE_URL,
                             "SECRET_KEY": secrets.token_hex(32)}, env="production")
    assert production.config["TRUSTED_HOSTS"] == ["ideas.example.com"]
    client = production.test_client()
    ours = client.get("/healthz", base_url="https://ideas.example.com")
    loopback = client.get("/healthz", base_url="https://127.0.0.1")
    with production.app_context():
        db.engine.dispose()
    assert ours.status_code == 200
    assert loopback.status_code == 400


def test_base_address_and_trusted_hosts_from_the_environment(tmp_path):
    """The variables an operator sets, read as a production server starts."""
    script = (
        "from ideaboard import create_app\n"
        "app = create_app()\n"
        "client = app.test_client()\n"
        "print(app.config['BASE_URL'], app.config['TRUSTED_HOSTS'])\n"
        "for host in ('ideas.example.com', 'board.corp.example', 'localhost'):\n"
        "    print(host, client.get('/login', base_url='https://' + host).status_code)\n"
    )
    env = {**os.environ, "IDEABOARD_ENV": "production", "IDEABOARD_BASE_URL": BASE_URL,
           "IDEABOARD_SECRET_KEY": secrets.token_hex(32),
           "IDEABOARD_TRUSTED_HOSTS": " Ideas.Example.com, .corp.example ",
           "IDEABOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'hosts.sqlite'}"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{BASE_URL} ['ideas.example.com', '.corp.example']"
    # /login reads no table, so the empty SQLite file serves; only the host decides.
    assert lines[1:] == ["ideas.example.com 200", "board.corp.example 200", "localhost 400"]


def test_trusted_hosts_must_include_the_base_address(database_url):
    with pytest.raises(RuntimeError, match="IDEABOARD_TRUSTED_HOSTS"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "BASE_URL": BASE_URL,
                    "TRUSTED_HOSTS": ["other.example.com"]}, env="testing")


# --- defect 12: the invitation e-mail -------------------------------------------------

def test_invitation_from_a_request_naming_another_host_links_to_base_url(two_named_app, admin,
                                                                         it_department):
    client = two_named_app.test_client()
    assert AuthActions(client).login(admin.email).status_code == 302
    response = client.post("/admin/invitations", data={
        "email": "contractor@partner.org", "role": "employee",
        "department": str(it_department.id),
        "csrf_token": csrf_token(client, "/admin/invitations")})
    assert response.status_code == 302
    links = _links(_mail_to("contractor@partner.org").body_text)
    assert len(links) == 1 and links[0].startswith(f"{BASE_URL}/signup?invitation=")


# --- notifications and digests ------------------------------------------------------

@pytest.fixture
def readers(it_department):
    return {"now": UserFactory(email="now@example.com", email_frequency="immediate"),
            "daily": UserFactory(email="daily@example.com", email_frequency="daily")}


def test_notification_mail_links_follow_base_url(app, readers, employee, it_department):
    app.config["BASE_URL"] = BASE_URL
    idea = make_idea(employee, it_department)
    # A request for a served host other than BASE_URL's (the loopback name).
    with app.test_request_context("/", base_url="http://localhost"):
        created = notify([readers["now"].id], NotificationKind.STATUS_CHANGE, "News.",
                         idea_id=idea.id)
        assert delivery.deliver(created, subject="[Ideaboard] News") == 1
    body = _mail_to("now@example.com").body_text
    assert _links(body) == [f"{BASE_URL}/ideas/{idea.id}", f"{BASE_URL}/account/email"]


def test_digest_links_follow_base_url(app, readers, employee, it_department):
    app.config["BASE_URL"] = BASE_URL
    idea = make_idea(employee, it_department)
    notify([readers["daily"].id], NotificationKind.STATUS_CHANGE, "News.", idea_id=idea.id)
    assert delivery.send_digests(now=utcnow() + timedelta(seconds=1)) == 1
    body = _mail_to("daily@example.com").body_text
    assert _links(body) == [f"{BASE_URL}/ideas/{idea.id}", f"{BASE_URL}/account/email"]

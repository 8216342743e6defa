"""Data export (issue 18, item 5): asked on the account page, built by the worker's
job, e-mailed as a link that works once, for that signed-in person, for 24 hours; the
archive holds exactly the person's rows and nothing of anyone else."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import sqlalchemy as sa

from ideaboard.comments.models import Comment
from ideaboard.core.transactions import unit_of_work
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Follow, Idea, IdeaVersion
from ideaboard.notifications.models import Notification, OutboxEmail
from ideaboard.privacy.models import DataExport
from ideaboard.voting.models import Vote
from ideaboard.worker.jobs import JOBS, JobContext
from tests.helpers.csrf import csrf_token
from tests.helpers.login import AuthActions
from tests.helpers.privacy import live

PASSPHRASE = "A long enough passphrase 42"
FILES = {"README.txt", "profile.json", "ideas.json", "versions.json", "comments.json",
         "votes.json", "follows.json", "notifications.json", "reviews.json", "flags.json",
         "email_preferences.json"}


def sign_in(app, email):
    client = app.test_client()
    assert AuthActions(client).login(email, PASSPHRASE).status_code == 302
    return client


def run_job(now=None):
    now = now or utcnow()
    return JOBS["build-exports"].run(JobContext(now, lambda: now, lambda: False))


def link_in_mail(address: str) -> str:
    db.session.expire_all()
    mail = db.session.scalar(sa.select(OutboxEmail).where(
        OutboxEmail.to_address == address, OutboxEmail.subject.contains("data is ready")))
    assert mail is not None, "no e-mail with the link"
    [path] = re.findall(r"https?://[^/\s]+(/account/data/export/\S+)", mail.body_text)
    return path


def ids(model, column, user_id, key=lambda row: row.id):
    return sorted(key(row) for row in db.session.scalars(sa.select(model).where(
        column == user_id)))


def test_the_archive_holds_exactly_the_first_persons_rows(app, it_department):
    bob = live("Bob Okafor", "bob.okafor@example.com", it_department)
    ann = live("Ann Leeming", "ann.leeming@example.com", it_department, other=bob)
    # Bob answers Ann's idea, so each has notifications of the other's doing.
    live_back = sign_in(app, "bob.okafor@example.com")
    assert live_back.post(f"/ideas/{ann.public_idea_id}/comments", data={
        "body": "Bob's private thoughts on it", "csrf_token": csrf_token(live_back)},
    ).status_code in (302, 303)

    client = sign_in(app, ann.email)
    assert "your data" in client.get("/account").get_data(as_text=True).lower()
    assert client.post("/account/data/export",
                       data={"csrf_token": csrf_token(client)}).status_code == 302
    # Asking twice builds one archive.
    client.post("/account/data/export", data={"csrf_token": csrf_token(client)})
    assert db.session.scalar(sa.select(sa.func.count(DataExport.id))) == 1
    assert "being gathered" in client.get("/account/data").get_data(as_text=True)

    assert run_job().done == 1
    assert run_job().done == 0  # nothing left
    link = link_in_mail(ann.email)
    page = client.get(link)
    assert page.status_code == 200 and "Download my data" in page.get_data(as_text=True)
    response = client.post(link, data={"csrf_token": csrf_token(client)})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert set(archive.namelist()) == FILES
    files = {name: json.loads(archive.read(name)) for name in FILES - {"README.txt"}}

    assert files["profile.json"]["email"] == ann.email
    assert sorted(i["id"] for i in files["ideas.json"]) == ids(Idea, Idea.author_id, ann.user_id)
    assert {i["id"]: i["anonymous"] for i in files["ideas.json"]}[ann.anonymous_idea_id]
    assert sorted((v["idea_id"], v["version"]) for v in files["versions.json"]) == ids(
        IdeaVersion, IdeaVersion.editor_id, ann.user_id, key=lambda v: (v.idea_id, v.version))
    assert sorted(c["id"] for c in files["comments.json"]) == ids(
        Comment, Comment.author_id, ann.user_id)
    assert sorted(v["idea_id"] for v in files["votes.json"]) == ids(
        Vote, Vote.user_id, ann.user_id, key=lambda v: v.idea_id) == [bob.public_idea_id]
    assert sorted(f["idea_id"] for f in files["follows.json"]) == ids(
        Follow, Follow.user_id, ann.user_id, key=lambda f: f.idea_id)
    assert sorted(n["id"] for n in files["notifications.json"]) == ids(
        Notification, Notification.user_id, ann.user_id)
    assert files["notifications.json"], "Ann was notified of Bob's comment"
    assert set(files["email_preferences.json"]["topics"]) >= {"decisions", "replies"}
    # Nothing of Bob: not his address, nor his idea's title, nor his words (his
    # notification about Ann's idea names him by display name only: that is Ann's).
    everything = "\n".join(archive.read(name).decode() for name in FILES)
    for bobs in ("bob.okafor@example.com", "Bob Okafor's idea", "Bob's private thoughts"):
        assert bobs not in everything
    assert "Ann Leeming's idea" in everything and "I like this a lot." in everything

    # The link worked once.
    assert client.post(link, data={"csrf_token": csrf_token(client)}).status_code == 404
    assert client.get(link).status_code == 404
    assert db.session.scalar(sa.select(DataExport.archive)) is None


def test_the_link_is_only_for_its_person_and_for_a_day(app, it_department):
    bob = live("Bob Okafor", "bob.okafor@example.com", it_department)
    ann = live("Ann Leeming", "ann.leeming@example.com", it_department)
    client = sign_in(app, ann.email)
    client.post("/account/data/export", data={"csrf_token": csrf_token(client)})
    run_job()
    link = link_in_mail(ann.email)
    other = sign_in(app, bob.email)
    assert other.get(link).status_code == 404
    assert other.post(link, data={"csrf_token": csrf_token(other)}).status_code == 404
    assert app.test_client().get(link).status_code == 302  # to the log-in page
    with unit_of_work():
        export = db.session.scalar(sa.select(DataExport))
        export.expires_at = utcnow() - timedelta(seconds=1)
    assert client.get(link).status_code == 404
    assert client.post(link, data={"csrf_token": csrf_token(client)}).status_code == 404
    assert client.get(link.rsplit("/", 1)[0] + "/not-a-token").status_code == 404


def test_the_link_expires_twenty_four_hours_after_it_is_built(app, it_department):
    ann = live("Ann Leeming", "ann.leeming@example.com", it_department)
    client = sign_in(app, ann.email)
    client.post("/account/data/export", data={"csrf_token": csrf_token(client)})
    built_at = utcnow()
    run_job(built_at)
    export = db.session.scalar(sa.select(DataExport))
    assert export.expires_at - export.ready_at == timedelta(hours=24)
    assert export.token_hash and len(export.token_hash) == 64  # only its digest is kept
    assert export.token_hash not in link_in_mail(ann.email)


def test_of_two_downloads_at_once_only_one_gets_the_archive(app, it_department):
    """Two requests that both found the link good (each holding the export as it read
    it) race to take it: the conditional UPDATE hands the archive to one."""
    from ideaboard.privacy.services import take_archive

    ann = live("Ann Leeming", "ann.leeming@example.com", it_department)
    client = sign_in(app, ann.email)
    client.post("/account/data/export", data={"csrf_token": csrf_token(client)})
    run_job()
    db.session.expire_all()
    export = db.session.scalar(sa.select(DataExport))
    as_the_other_read_it = DataExport(id=export.id, archive=export.archive)
    assert take_archive(export, utcnow()).startswith(b"PK")  # a ZIP
    assert take_archive(as_the_other_read_it, utcnow()) is None
    db.session.commit()
    assert db.session.get(DataExport, export.id).archive is None

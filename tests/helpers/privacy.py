"""Privacy tests' helpers: a person with a life on the board, and a scan of every text
column of every table for what names them."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from ideaboard.accounts.services import create_user
from ideaboard.api.services import create_token
from ideaboard.audit.services import record
from ideaboard.comments.services import add_comment
from ideaboard.core.transactions import unit_of_work
from ideaboard.extensions import db
from ideaboard.following.services import follow
from ideaboard.ideas.models import Idea
from ideaboard.ideas.services import edit_idea, submit_idea
from ideaboard.identity.models import ExternalIdentity
from ideaboard.notifications.services import mark_all_read
from ideaboard.privacy.erasure import text_columns
from ideaboard.voting.services import cast_vote, vote_target


@dataclass
class Life:
    """What one person did: their account and the ids of what they wrote."""

    user_id: int
    name: str
    email: str
    public_idea_id: int
    anonymous_idea_id: int
    comment_id: int


def live(name: str, email: str, department, *, earlier_name: str | None = None,
         other: Life | None = None) -> Life:
    """A person made through the real services: an open idea, an anonymous one they
    edited (a version), a comment, on ``other``'s idea a vote, a comment and a follow
    (so ``other`` is notified and e-mailed, naming them), an API token, an identity
    provider link, and an audited earlier name. Committed."""
    with unit_of_work():
        user = create_user(email, name, "A long enough passphrase 42", department=department)
        if earlier_name:
            record(None, "user.update", user, before={"display_name": earlier_name},
                   after={"display_name": name})
        public = submit_idea(user, f"{name}'s idea: standing desks for every team",
                             "Standing desks help backs.", department, [], anonymous=False)
        anonymous = submit_idea(user, f"Quiet hours after lunch ({department.name})",
                                "Quiet hours after lunch.", department, [], anonymous=True)
        edit_idea(anonymous, user, f"Quiet hours after lunch, twice a week ({user.id})",
                  "Quiet hours after lunch, twice a week.", [])
        comment = add_comment(user, public, "A first comment on my own idea.")
        if other is not None:
            target = db.session.get(Idea, other.public_idea_id)
            cast_vote(user, vote_target(target.id), 1)
            add_comment(user, target, "I like this a lot.")
            follow(user.id, target.id)
        create_token(user, "My laptop script", ("read",), expires_in_days=30)
        db.session.add(ExternalIdentity(user_id=user.id, provider="oidc",
                                        subject=f"sub-{email}"))
        mark_all_read(user)
        life = Life(user.id, name, email, public.id, anonymous.id, comment.id)
    return life


def where_named(*terms: str) -> list[str]:
    """Every (table, column, row) of every table the metadata knows whose text holds one
    of ``terms`` (case aside; JSON as stored and as decoded), as readable lines."""
    db.session.expire_all()
    found = []
    wanted = [t.lower() for t in terms]
    for table in db.metadata.sorted_tables:
        columns = text_columns(table)
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                texts = [value] if isinstance(value, str) else [
                    json.dumps(value), json.dumps(value, ensure_ascii=False)]
                for text in texts:
                    for term in wanted:
                        if term in text.lower():
                            found.append(f"{table.name}.{column.name}: {text[:120]!r}")
    return found


def ready_export_link(user) -> str:
    """The path of a built export's one-time download link for ``user``, as the worker
    e-mails it (through the real services). Committed."""
    import re

    from ideaboard.database import utcnow
    from ideaboard.notifications.models import OutboxEmail
    from ideaboard.privacy.services import build_next_export, request_export

    with unit_of_work():
        request_export(user)
    with unit_of_work():
        build_next_export(utcnow())
    body = db.session.scalars(sa.select(OutboxEmail.body_text).where(
        OutboxEmail.to_address == user.email).order_by(OutboxEmail.id.desc())).first()
    [path] = re.findall(r"https?://[^/\s]+(/account/data/export/\S+)", body or "")
    return path

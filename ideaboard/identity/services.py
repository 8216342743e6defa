"""Just-in-time accounts: the person a single sign-on names, made or brought up to date.

Independent of the protocol: the OIDC callback and the SAML assertion consumer
turns what the identity provider says into plain values and calls ``provision_from_sso``.

Rules (issue 14):

- Only a verified e-mail address in the allowed domains (``IDEABOARD_ALLOWED_EMAIL_DOMAINS``)
  is accepted.
- The person is found by the provider's stable subject first; failing that, an existing
  account with the same (verified) e-mail address is **linked**, not duplicated: it keeps
  its source and its password (which works again should single sign-on be turned off),
  and from then on the subject finds it even after the address changes. An account
  linked to another subject of the same provider is refused: two identities claiming
  one person is for an administrator to sort out.
- A deactivated person is refused, never silently re-activated.
- A new person is confirmed at once (the provider proved the address) and has no usable
  password.
- The department claim is matched to the org tree by name or slug (case-insensitive);
  an unknown one places the person in the company root and writes an audit entry
  (``identity.unknown_department``) the admin sees in the audit trail.
- Later sign-ins update the name and department (an unknown department moves nobody);
  each change is audited.

Services flush; the request commits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app

from ideaboard.accounts.models import (
    NO_PASSWORD,
    AccountSource,
    User,
    find_by_email,
    normalise_email,
)
from ideaboard.accounts.services import email_domain_allowed, user_snapshot
from ideaboard.audit.services import changes, record
from ideaboard.core.i18n import gettext as _
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.identity.models import ExternalIdentity, Provider, SamlRequest
from ideaboard.org.models import Department

# The longest display name the accounts table holds.
DISPLAY_NAME_MAX = 80


class SSORefused(Exception):
    """A sign-in the identity provider vouched for, refused by Ideaboard's rules; the
    message is safe to show. ``status`` is the HTTP status of the page."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.message = message
        self.status = status


def department_for_claim(claim: str | None) -> tuple[Department | None, bool]:
    """The department a claim names (by name or slug, ignoring case) and whether it was
    found; unknown or empty: the company root (the first top-level department)."""
    wanted = (claim or "").strip().lower()
    if wanted:
        found = db.session.scalars(
            sa.select(Department).where(sa.or_(sa.func.lower(Department.name) == wanted,
                                               sa.func.lower(Department.slug) == wanted))
            .order_by(Department.id).limit(1)).first()
        if found is not None:
            return found, True
    return company_root(), False


def company_root() -> Department | None:
    """Where a person whose department is unknown starts: the first top-level department."""
    return db.session.scalars(sa.select(Department).where(Department.parent_id.is_(None))
                              .order_by(Department.id).limit(1)).first()


def _display_name(display_name: str | None, email: str) -> str:
    name = " ".join((display_name or "").split())
    return (name or email.partition("@")[0])[:DISPLAY_NAME_MAX]


def _identity(provider: Provider, subject: str) -> ExternalIdentity | None:
    return db.session.scalars(sa.select(ExternalIdentity).where(
        ExternalIdentity.provider == provider.value,
        ExternalIdentity.subject == subject)).first()


def provision_from_sso(provider: Provider, subject: str, email: str | None,
                       email_verified: bool, display_name: str | None,
                       department_claim: str | None) -> User:
    """The person this single sign-on names: found by ``subject`` or linked by e-mail,
    or created; name and department brought up to date from the claims. Raises
    ``SSORefused`` (nothing written) for an unverified or disallowed address, a
    deactivated person or a conflicting link. Flushes; audited."""
    claims = (provider, subject, email, email_verified, display_name, department_claim)
    try:
        with db.session.begin_nested():
            return _provision(*claims)
    except sa.exc.IntegrityError:
        # The same person's first sign-in in another tab or request made the account or
        # the link a moment ago (the unique e-mail, or provider and subject): this one
        # finds it now.
        return _provision(*claims)


def _provision(provider: Provider, subject: str, email: str | None, email_verified: bool,
               display_name: str | None, department_claim: str | None) -> User:
    if not subject:
        raise SSORefused(_("The identity provider did not say who you are (no subject)."), 400)
    if not email:
        raise SSORefused(_("The identity provider sent no e-mail address for you."), 400)
    email = normalise_email(email)
    if email_verified is not True:
        raise SSORefused(_("Your identity provider has not verified your e-mail address "
                           "(%(email)s), so Ideaboard cannot accept it. Ask your IT "
                           "department to verify it, then sign in again.", email=email))
    if not email_domain_allowed(email):
        raise SSORefused(_("The address %(email)s is not in a domain this Ideaboard accepts. "
                           "Sign in with your company account.", email=email))
    identity = _identity(provider, subject)
    user = identity.user if identity is not None else find_by_email(email)
    if user is not None and not user.active:
        raise SSORefused(_("Your Ideaboard account is deactivated. An administrator can "
                           "re-activate it."))
    department, known = department_for_claim(department_claim)
    name = _display_name(display_name, email)
    created = user is None
    if user is None:
        user = _create(provider, email, name, department)
    elif identity is None:
        identity = _link(provider, subject, user)
    if identity is None:
        identity = ExternalIdentity(user=user, provider=provider.value, subject=subject)
        db.session.add(identity)
    identity.last_seen_at = utcnow()
    # An unknown department moves nobody who already has one (an admin may have placed
    # them); a new person starts in the company root.
    _update(user, name, department if known or created else None, provider)
    if not known and department_claim:
        where = user.department.name if user.department else "no department"
        record(None, "identity.unknown_department", user,
               after={"department_claim": department_claim[:200]},
               reason=f"The identity provider ({provider.value}) named the department "
                      f"{department_claim[:200]!r}, which matches no department by name "
                      "or slug; the person " + ("was placed in" if created else "stays in")
                      + f" {where}.")
    user.last_login_at = utcnow()
    db.session.flush()
    record(user, "user.login", user, after={"via": provider.value})
    return user


def _create(provider: Provider, email: str, name: str, department: Department | None) -> User:
    user = User(email=email, display_name=name, password_hash=NO_PASSWORD,
                department=department, source=AccountSource(provider.value).value)
    db.session.add(user)
    db.session.flush()
    record(None, "user.create", user, after=user_snapshot(user),
           reason=f"First sign-in through single sign-on ({provider.value}).")
    return user


def _link(provider: Provider, subject: str, user: User) -> ExternalIdentity | None:
    """Link an existing account (found by its e-mail) to this subject, or refuse. The
    link itself if the same person's sign-in in another request made it a moment ago
    (between this one's look-up by subject and by e-mail); None when it is to be made."""
    taken = db.session.scalars(sa.select(ExternalIdentity).where(
        ExternalIdentity.provider == provider.value,
        ExternalIdentity.user_id == user.id)).first()
    if taken is not None and taken.subject == subject:
        return taken
    if taken is not None:
        raise SSORefused(_("An Ideaboard account with your e-mail address is already linked "
                           "to another identity at your identity provider. Ask an "
                           "administrator to sort it out."), 409)
    record(None, "identity.link", user, after={"provider": provider.value},
           reason="An existing account with the same verified e-mail address, linked at "
                  "its first single sign-on.")
    return None


def _update(user: User, name: str, department: Department | None, provider: Provider) -> None:
    """Bring name and department in line with the provider; audit what changed."""
    before = user_snapshot(user)
    user.display_name = name
    if department is not None:
        user.department = department
    db.session.flush()
    old, new = changes(before, user_snapshot(user))
    if new:
        record(None, "user.update", user, before=old, after=new,
               reason=f"Updated from the identity provider ({provider.value}).")


def sso_configured() -> bool:
    """Whether any single sign-on is set up on this app."""
    return bool(current_app.extensions.get("ideaboard.oidc")
                or current_app.extensions.get("ideaboard.saml"))


def remember_saml_request(request_id: str, max_age: int) -> None:
    """Keep the id of an AuthnRequest just sent; forget those too old to be answered
    (so the table holds a few minutes of sign-ins, not all of them). Flushes."""
    db.session.execute(sa.delete(SamlRequest).where(
        SamlRequest.created_at < utcnow() - timedelta(seconds=max_age)))
    db.session.add(SamlRequest(id=request_id))
    db.session.flush()


def use_saml_request(request_id: str | None, max_age: int) -> str:
    """Mark the AuthnRequest a Response answers as used (its id), or raise ``SSORefused``: it
    was never sent from here, it is too old, or it was answered already (a replay).
    One conditional UPDATE, so two copies of one Response racing each other cannot
    both pass. Flushes."""
    if not request_id:
        raise SSORefused(_("The identity provider's answer does not say which sign-in it "
                           "answers (no InResponseTo). Start again from the login page."), 400)
    cutoff = utcnow() - timedelta(seconds=max_age)
    # Session.execute is typed as any Result; for DML without RETURNING it is a CursorResult.
    claimed = cast(sa.CursorResult, db.session.execute(
        sa.update(SamlRequest)
        .where(SamlRequest.id == request_id, SamlRequest.used_at.is_(None),
               SamlRequest.created_at >= cutoff)
        .values(used_at=utcnow()).execution_options(synchronize_session=False)))
    if claimed.rowcount == 1:
        return request_id
    sent = db.session.get(SamlRequest, request_id)
    if sent is None:
        raise SSORefused(_("The identity provider's answer is for a sign-in that did not "
                           "start here (unknown InResponseTo). Start again from the login "
                           "page."), 400)
    if sent.used_at is not None:
        raise SSORefused(_("The identity provider's answer was already used: a sign-in "
                           "answer counts once. Start again from the login page."), 400)
    raise SSORefused(_("The sign-in took too long: its request has expired. Start again "
                       "from the login page."), 400)

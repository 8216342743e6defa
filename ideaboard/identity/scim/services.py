"""SCIM provisioning's verbs: what a client's request does to people and groups.

Each SCIM User drives one account (``ScimUser`` keeps the resource as sent; its SCIM
``id`` is the account's id):

- ``userName`` is the client's login name; the account's e-mail is the primary (else
  the first) of ``emails``, else ``userName`` when it is an address. A create whose
  e-mail is a password account's links that account (it keeps its password) instead of
  making a second one; one already provisioned is a 409 ``uniqueness``.
- ``displayName`` (else ``name.formatted``, else given and family name, else
  ``userName``) is the display name.
- ``active`` false deactivates the person and ends every session (the next request of
  a signed-in browser is signed out: ``accounts.sessions``); true reactivates them.
- The enterprise extension's ``department`` is matched to the org tree by name or slug,
  case-insensitively; an unknown one puts the person in the company root (the first
  department without a parent) and the provisioning event says so, for the admin.
- The enterprise extension's ``manager`` (a provisioned person's SCIM id) manages the
  person's department (``_follow_manager``).
- DELETE erases the account (``privacy.erasure``, as an admin's erasure does) and
  removes the resource (a later GET is a 404); what the person wrote stays under
  "Former colleague". A new create of the same person makes a new account. ``active``
  false only deactivates (reversible, as identity providers' soft deletes are).

Groups are kept as sent. When ``IDEABOARD_SCIM_DEPARTMENT_GROUP_PREFIX`` is set (e.g.
``Dept: ``), a group named with it stands for the department named by the rest (by name
or slug; made under the company root when the tree has none): its members work there
from when they join. When ``IDEABOARD_SCIM_ADMIN_GROUP`` or
``IDEABOARD_SCIM_MANAGER_GROUP`` names a group, the role of every provisioned member
follows it: a member of the admin group is an admin, else a member of the manager group
is a manager of their own department, else an employee. Unconfigured groups change
nothing in the app.

Every change is audited (actor: the system; reason: the token's connection). Services
flush; the request commits (``core.transactions``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from scim2_models import (
    Context,
    EnterpriseUser,
    Group,
    InvalidValueException,
    NotFoundException,
    UniquenessException,
)
from scim2_models import User as UserResource

from ideaboard.accounts.models import (
    NO_PASSWORD,
    AccountSource,
    Role,
    User,
    find_by_email,
    normalise_email,
)
from ideaboard.accounts.services import end_all_sessions, user_snapshot
from ideaboard.audit.services import changes, record
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.identity.models import ExternalIdentity, Provider
from ideaboard.identity.scim.models import (
    Outcome,
    ProvisioningEvent,
    ScimGroup,
    ScimToken,
    ScimUser,
)
from ideaboard.org.models import Department
from ideaboard.org.services import OrgError, create_department
from ideaboard.privacy.erasure import erase_person, forgetter, identifiers_from

# The User resource this server serves: the core schema with the enterprise extension.
UserModel = UserResource[EnterpriseUser]
GroupModel = Group

# The address of a person provisioned without one (see _email_of).
NO_EMAIL_DOMAIN = "@no-email.scim.invalid"

DISPLAY_NAME_MAX = 80


@dataclass
class Outcomes:
    """What a provisioning change wants the admin to know (an unknown department)."""

    warnings: list[str] = field(default_factory=list)


def stored(resource: Any) -> dict:
    """A resource as kept: what the client wrote, without the server's own attributes
    and never a password (SCIM's is write-only, and accounts made here have none)."""
    data = resource.model_dump(scim_ctx=Context.DEFAULT)
    for key in ("id", "meta", "password"):
        data.pop(key, None)
    return data


T = TypeVar("T")


# --- people -----------------------------------------------------------------------

def _by_scim_id(model: type[T], resource_id: str, kind: str) -> T:
    """The row of ``model`` whose SCIM id is ``resource_id`` (digits, bounded);
    NotFoundException otherwise."""
    row = db.session.get(model, int(resource_id)) if resource_id.isdigit() and len(
        resource_id) < 10 else None
    if row is None:
        raise NotFoundException(detail=f"No {kind} with id {resource_id}.")
    return row


def scim_user(user_id: str) -> ScimUser:
    """The provisioned person with SCIM id ``user_id``; NotFoundException otherwise."""
    return _by_scim_id(ScimUser, user_id, "User")


def user_resource(record_: ScimUser) -> Any:
    """The SCIM User of ``record_``, its ``active`` the account's own."""
    resource = UserModel.model_validate(record_.resource)
    resource.id = str(record_.user_id)
    if resource.active is not None or not record_.user.active:
        resource.active = record_.user.active
    return resource


def _email_of(resource: Any, current: str | None, outcomes: Outcomes) -> str:
    """The account's address: the primary (else first) of ``emails``, else ``userName``
    when it is one. A User with neither (SCIM requires only a userName) gets an address
    under ``.invalid``, which never delivers (RFC 2606), and the event says so."""
    emails = list(resource.emails or [])
    chosen = next((e for e in emails if e.primary), emails[0] if emails else None)
    address = (chosen.value if chosen is not None else None) or resource.user_name or ""
    if "@" in address.strip("@") and len(address) <= 254:
        return normalise_email(address)
    if chosen is not None and chosen.value:
        raise InvalidValueException(detail=f"{chosen.value[:80]!r} is not an e-mail address.")
    outcomes.warnings.append("No e-mail address: this person gets no e-mail.")
    if current is not None and current.endswith(NO_EMAIL_DOMAIN):
        return current
    return f"{secrets.token_hex(8)}{NO_EMAIL_DOMAIN}"


def _display_name_of(resource: Any) -> str:
    name = resource.name
    parts = [name.given_name, name.family_name] if name is not None else []
    text = (resource.display_name or (name.formatted if name is not None else None)
            or " ".join(p for p in parts if p) or resource.user_name)
    return " ".join(text.split())[:DISPLAY_NAME_MAX]


def company_root() -> Department | None:
    """Where a person goes whose department the org tree does not know."""
    return db.session.scalar(sa.select(Department).where(Department.parent_id.is_(None))
                             .order_by(Department.id).limit(1))


def department_named(name: str) -> Department | None:
    """The department called ``name``, by its name or its slug (its short code),
    whatever the case."""
    wanted = name.strip().lower()
    return db.session.scalar(sa.select(Department).where(sa.or_(
        sa.func.lower(Department.name) == wanted, sa.func.lower(Department.slug) == wanted)))


def _department_of(resource: Any, current: Department | None,
                   outcomes: Outcomes) -> Department | None:
    extension = resource[EnterpriseUser]
    wanted = extension.department if extension is not None else None
    if not wanted or not wanted.strip():
        return current if current is not None else company_root()
    found = department_named(wanted)
    if found is not None:
        return found
    root = company_root()
    outcomes.warnings.append(
        f"Unknown department {wanted.strip()[:80]!r}: placed in "
        f"{root.name if root is not None else 'no department'}.")
    return root


def _check_unique(resource: Any, *, exclude_user_id: int | None) -> None:
    user_name = resource.user_name.strip().lower()
    taken = db.session.scalar(sa.select(ScimUser.user_id).where(
        ScimUser.user_name == user_name))
    if taken is not None and taken != exclude_user_id:
        raise UniquenessException(detail=f"userName {resource.user_name!r} is taken.")
    if resource.external_id:
        holder = db.session.scalar(sa.select(ExternalIdentity.user_id).where(
            ExternalIdentity.provider == Provider.SCIM.value,
            ExternalIdentity.subject == resource.external_id))
        if holder is not None and holder != exclude_user_id:
            raise UniquenessException(detail=f"externalId {resource.external_id!r} is taken.")


def _apply(user: User, resource: Any, outcomes: Outcomes) -> None:
    """Make the account say what ``resource`` says (e-mail, name, department, active)."""
    email = _email_of(resource, user.email, outcomes)
    other = find_by_email(email)
    if other is not None and other.id != user.id:
        raise UniquenessException(detail="Another account has that e-mail address.")
    user.email = email
    user.display_name = _display_name_of(resource)
    user.department = _department_of(resource, user.department, outcomes)
    active = resource.active is not False
    if user.active and not active:
        user.active = False
        end_all_sessions(user)  # a signed-in browser is signed out on its next request
    elif active and not user.active:
        user.active = True


def _audit_change(user: User, before: dict, reason: str) -> None:
    old, new = changes(before, user_snapshot(user))
    if "active" in new:
        record(None, "user.deactivate" if not new["active"] else "user.reactivate", user,
               before={"active": old["active"]}, after={"active": new["active"]},
               reason=reason)
        old.pop("active")
        new.pop("active")
    if new:
        record(None, "user.update", user, before=old, after=new, reason=reason)


def _link(user: User, resource: Any) -> None:
    subject = resource.external_id or str(user.id)
    link = db.session.scalar(sa.select(ExternalIdentity).where(
        ExternalIdentity.provider == Provider.SCIM.value, ExternalIdentity.user_id == user.id))
    if link is None:
        db.session.add(ExternalIdentity(user=user, provider=Provider.SCIM.value,
                                        subject=subject, last_seen_at=utcnow()))
    else:
        link.subject = subject
        link.last_seen_at = utcnow()


@contextmanager
def _unique_or_conflict() -> Iterator[None]:
    """Run the block in a SAVEPOINT; a unique index it breaks is RFC 7644's 409. The
    checks before a write see committed rows only: two requests creating the same person
    at once (a client's retry racing its first try) both pass them, and the database's
    unique indexes decide which one wins."""
    try:
        with db.session.begin_nested():
            yield
    except sa.exc.IntegrityError:
        raise UniquenessException(
            detail="Another request provisioned the same userName, externalId or e-mail "
                   "meanwhile.") from None


def create_user(resource: Any, token: ScimToken) -> tuple[ScimUser, Outcomes]:
    """Provision the person ``resource`` describes (a new account, or the password
    account with that e-mail, linked). Audited; flushes."""
    with _unique_or_conflict():
        return _create_user(resource, token)


def _create_user(resource: Any, token: ScimToken) -> tuple[ScimUser, Outcomes]:
    outcomes = Outcomes()
    reason = f"SCIM ({token.name})"
    _check_unique(resource, exclude_user_id=None)
    email = _email_of(resource, None, Outcomes())
    user = find_by_email(email)
    if user is not None:
        if db.session.get(ScimUser, user.id) is not None:
            raise UniquenessException(detail="That person is already provisioned.")
        before = user_snapshot(user)
        _apply(user, resource, outcomes)
        db.session.flush()
        _audit_change(user, before, reason)
        record(None, "scim.user_link", user, reason=reason)
    else:
        user = User(email=email, display_name="", password_hash=NO_PASSWORD,
                    role=Role.EMPLOYEE.value, source=AccountSource.SCIM.value)
        _apply(user, resource, outcomes)
        db.session.add(user)
        db.session.flush()
        record(None, "user.create", user, after=user_snapshot(user), reason=reason)
    record_ = ScimUser(user=user, user_name=resource.user_name.strip().lower(),
                       external_id=resource.external_id, resource=stored(resource))
    db.session.add(record_)
    _link(user, resource)
    db.session.flush()
    _sync_roles({user.id}, reason)
    _follow_manager(user, resource, reason)
    return record_, outcomes


def replace_user(record_: ScimUser, resource: Any, token: ScimToken) -> Outcomes:
    """Make the person what ``resource`` (a whole new User) says. Audited; flushes."""
    with _unique_or_conflict():
        return _replace_user(record_, resource, token)


def _replace_user(record_: ScimUser, resource: Any, token: ScimToken) -> Outcomes:
    outcomes = Outcomes()
    _check_unique(resource, exclude_user_id=record_.user_id)
    user = record_.user
    before = user_snapshot(user)
    _apply(user, resource, outcomes)
    record_.user_name = resource.user_name.strip().lower()
    record_.external_id = resource.external_id
    new_resource = stored(resource)
    if new_resource != record_.resource:
        record_.resource = new_resource
        record_.version += 1
        record_.updated_at = utcnow()
    _link(user, resource)
    db.session.flush()
    _audit_change(user, before, f"SCIM ({token.name})")
    _follow_manager(user, resource, f"SCIM ({token.name})")
    return outcomes


def delete_user(record_: ScimUser, token: ScimToken) -> None:
    """Deprovision: the account is erased, as a person or an admin erases one
    (``privacy.erasure``): what the person wrote stays under "Former colleague", their
    links and the resource go. Audited; flushes."""
    user = record_.user
    reason = f"SCIM ({token.name})"
    record(None, "scim.user_delete", user, reason=reason)
    # The identity provider decides who works here: its delete of the last admin is
    # done too (``flask create-admin`` makes another).
    erase_person(user, actor=None, reason=reason, keep_an_admin=False)
    _sync_roles({user.id}, reason)


@identifiers_from
def _names_sent(user: User) -> tuple[list[str], list[str]]:
    """The names and addresses the identity provider sent for a person (an erasure
    scrubs them wherever they were copied)."""
    record_ = db.session.get(ScimUser, user.id)
    if record_ is None:
        return [], []
    resource = record_.resource or {}
    names = [value for value in (resource.get("displayName"),
                                 (resource.get("name") or {}).get("formatted"))
             if isinstance(value, str)]
    emails = [record_.user_name, *(entry["value"] for entry in resource.get("emails") or []
                                   if isinstance(entry, dict)
                                   and isinstance(entry.get("value"), str))]
    return names, emails


@forgetter
def _forget_resource(user: User) -> None:
    """At an erasure: the SCIM resource goes, and the person leaves every stored group
    (their members carry names)."""
    record_ = db.session.get(ScimUser, user.id)
    if record_ is not None:
        db.session.delete(record_)
    member = str(user.id)
    for group in db.session.scalars(sa.select(ScimGroup)):
        members = (group.resource or {}).get("members") or []
        kept = [m for m in members if not (isinstance(m, dict) and m.get("value") == member)]
        if len(kept) != len(members):
            group.resource = {**group.resource, "members": kept}
            group.version += 1
            group.updated_at = utcnow()


def _follow_manager(user: User, resource: Any, reason: str) -> None:
    """The enterprise ``manager`` onto the org tree: the provisioned person it names
    manages this person's department (and becomes a manager if they were an employee).
    Never taken away here: a manager may manage a department for other reasons, and
    an admin or the manager group ends it. Ignored while IDEABOARD_SCIM_MANAGER_GROUP
    is set (the group decides who manages)."""
    extension = resource[EnterpriseUser]
    manager_id = extension.manager.value if extension is not None and \
        extension.manager is not None else None
    if current_app.config.get("SCIM_MANAGER_GROUP") or not manager_id \
            or user.department is None or not manager_id.isdigit() or len(manager_id) >= 10:
        return
    manager_record = db.session.get(ScimUser, int(manager_id))
    manager = manager_record.user if manager_record is not None else None
    if manager is None or manager.id == user.id or \
            user.department in manager.managed_departments:
        return
    before = user_snapshot(manager)
    manager.managed_departments = sorted([*manager.managed_departments, user.department],
                                         key=lambda d: d.name)
    if manager.role == Role.EMPLOYEE.value:
        manager.role = Role.MANAGER.value
    db.session.flush()
    old, new = changes(before, user_snapshot(manager))
    record(None, "user.update", manager, before=old, after=new, reason=reason)


# --- groups -----------------------------------------------------------------------

def scim_group(group_id: str) -> ScimGroup:
    """The group with SCIM id ``group_id``; NotFoundException otherwise."""
    return _by_scim_id(ScimGroup, group_id, "Group")


def group_resource(group: ScimGroup) -> Any:
    resource = GroupModel.model_validate(group.resource)
    resource.id = str(group.id)
    return resource


def _member_ids(resource: Any) -> set[int]:
    """The accounts ``resource`` lists as members; an unknown one is a 400."""
    ids: set[int] = set()
    for member in resource.members or []:
        value = member.value or ""
        if not value.isdigit() or len(value) >= 10 or db.session.get(
                ScimUser, int(value)) is None:
            raise InvalidValueException(detail=f"No User with id {value!r} to be a member.")
        ids.add(int(value))
    return ids


def _check_group_name(resource: Any, exclude_id: int | None) -> None:
    taken = db.session.scalar(sa.select(ScimGroup.id).where(
        ScimGroup.display_name == resource.display_name))
    if taken is not None and taken != exclude_id:
        raise UniquenessException(detail=f"displayName {resource.display_name!r} is taken.")


def _members_of(group: ScimGroup) -> set[int]:
    return {int(m["value"]) for m in group.resource.get("members") or []
            if str(m.get("value", "")).isdigit()}


def create_group(resource: Any, token: ScimToken) -> ScimGroup:
    """Keep the group ``resource`` describes; audited, flushes."""
    if not resource.display_name:
        raise InvalidValueException(detail="A Group needs a displayName.")
    _check_group_name(resource, None)
    members = _member_ids(resource)
    group = ScimGroup(display_name=resource.display_name, external_id=resource.external_id,
                      resource=stored(resource))
    db.session.add(group)
    db.session.flush()
    reason = f"SCIM ({token.name})"
    record(None, "scim.group_create", group, after={"display_name": group.display_name,
                                                    "members": sorted(members)}, reason=reason)
    _sync_roles(members, reason)
    _place_members(group, members, reason)
    return group


def replace_group(group: ScimGroup, resource: Any, token: ScimToken) -> None:
    """Make the group what ``resource`` says; audited, flushes."""
    if not resource.display_name:
        raise InvalidValueException(detail="A Group needs a displayName.")
    _check_group_name(resource, group.id)
    before_members = _members_of(group)
    members = _member_ids(resource)
    before = {"display_name": group.display_name, "members": sorted(before_members)}
    new_resource = stored(resource)
    if new_resource != group.resource:
        group.display_name = resource.display_name
        group.external_id = resource.external_id
        group.resource = new_resource
        group.version += 1
        group.updated_at = utcnow()
    db.session.flush()
    reason = f"SCIM ({token.name})"
    old, new = changes(before, {"display_name": group.display_name,
                                "members": sorted(members)})
    if new:
        record(None, "scim.group_update", group, before=old, after=new, reason=reason)
    _sync_roles(before_members | members, reason)
    _place_members(group, members - before_members if "display_name" not in new
                   else members, reason)


def delete_group(group: ScimGroup, token: ScimToken) -> None:
    """Forget the group (its members lose the role it gave); audited, flushes."""
    members = _members_of(group)
    reason = f"SCIM ({token.name})"
    record(None, "scim.group_delete", group, before={"display_name": group.display_name},
           reason=reason)
    db.session.delete(group)
    db.session.flush()
    _sync_roles(members, reason)


def department_of_group(group: ScimGroup) -> Department | None:
    """The department a department group stands for, made under the company root if
    the org tree has none of that name or slug; None for any other group (or when
    IDEABOARD_SCIM_DEPARTMENT_GROUP_PREFIX is unset)."""
    prefix = current_app.config.get("SCIM_DEPARTMENT_GROUP_PREFIX")
    if not prefix or not group.display_name.startswith(prefix):
        return None
    name = group.display_name[len(prefix):].strip()[:80]
    if not name:
        return None
    found = department_named(name)
    if found is not None:
        return found
    try:
        return create_department(name, parent=company_root(), actor=None)
    except OrgError as error:  # a name whose slug another department has
        raise InvalidValueException(detail=str(error)) from None


def _place_members(group: ScimGroup, user_ids: set[int], reason: str) -> None:
    """Members who joined a department group now work in its department. Leaving one
    moves nobody (there is no right place to guess); the next group or enterprise
    ``department`` does."""
    department = department_of_group(group)
    if department is None:
        return
    for user_id in sorted(user_ids):
        user = db.session.get(User, user_id)
        if user is None or user.department_id == department.id:
            continue
        before = user_snapshot(user)
        user.department = department
        db.session.flush()
        old, new = changes(before, user_snapshot(user))
        record(None, "user.update", user, before=old, after=new, reason=reason)


def _sync_roles(user_ids: set[int], reason: str) -> None:
    """Give the provisioned people in ``user_ids`` the role their groups say, when the
    admin and manager groups are configured (see the module docstring)."""
    admin_group = current_app.config.get("SCIM_ADMIN_GROUP")
    manager_group = current_app.config.get("SCIM_MANAGER_GROUP")
    if not (admin_group or manager_group) or not user_ids:
        return

    def members(name: str | None) -> set[int]:
        group = db.session.scalar(sa.select(ScimGroup).where(
            ScimGroup.display_name == name)) if name else None
        return _members_of(group) if group is not None else set()

    admins, managers = members(admin_group), members(manager_group)
    for user_id in sorted(user_ids):
        record_ = db.session.get(ScimUser, user_id)
        user = record_.user if record_ is not None else db.session.get(User, user_id)
        if user is None:
            continue
        provisioned = record_ is not None
        if provisioned and user_id in admins:
            role = Role.ADMIN.value
        elif provisioned and user_id in managers and user.department is not None:
            role = Role.MANAGER.value
        else:
            role = Role.EMPLOYEE.value
        if role == user.role:
            continue
        before = user_snapshot(user)
        user.role = role
        if role == Role.MANAGER.value and not user.managed_departments and user.department:
            user.managed_departments = [user.department]
        elif role == Role.EMPLOYEE.value:
            user.managed_departments = []
        db.session.flush()
        old, new = changes(before, user_snapshot(user))
        record(None, "user.update", user, before=old, after=new, reason=reason)


# --- the log ------------------------------------------------------------------------

def provisioning_event(token: ScimToken | None, operation: str, resource_type: str,
                       resource_id: str | None, status: int, detail: str = "",
                       *, warning: bool = False) -> ProvisioningEvent:
    """A row for the provisioning log (not yet added to the session: the caller adds
    it, or keeps it past a refusal's rollback)."""
    outcome = Outcome.REFUSED if status >= 400 else (
        Outcome.WARNING if warning else Outcome.OK)
    return ProvisioningEvent(token_id=token.id if token is not None else None,
                             operation=operation, resource_type=resource_type,
                             resource_id=resource_id, outcome=outcome.value,
                             status=status, detail=detail[:2000])


def recent_events(limit: int = 100) -> list[ProvisioningEvent]:
    """The latest provisioning events, newest first (for the admin page)."""
    return list(db.session.scalars(sa.select(ProvisioningEvent).order_by(
        ProvisioningEvent.id.desc()).limit(limit)))

"""``/scim/v2/``: the SCIM 2.0 service provider (RFC 7644) for the company's identity
provider. Bearer token only (``tokens``): cookies are ignored and CSRF does not apply,
since no browser holds the token. Requests and responses are ``application/scim+json``,
parsed and dumped by scim2-models; every refusal is a SCIM Error with its status.

Every write is logged as a provisioning event, a refused one too (the refusal's event
alone is kept: ``core.transactions.keep_after_refusal``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pydantic
import sqlalchemy as sa
from flask import Blueprint, Response, g, request
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    ETag,
    Filter,
    Meta,
    NotImplementedException,
    Patch,
    PatchOp,
    ResourceType,
    ResponseParameters,
    SCIMException,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
    UnauthorizedException,
)
from scim2_models import Error as ScimError
from scim2_models.exceptions import InvalidFilterException, InvalidSyntaxException
from scim2_models.path.expressions import CompareOperator, Comparison

from ideaboard.core.permissions import requires
from ideaboard.core.transactions import READ_METHODS, keep_after_refusal
from ideaboard.core.urls import absolute_url
from ideaboard.database import utcnow
from ideaboard.extensions import csrf, db
from ideaboard.identity.scim import services
from ideaboard.identity.scim.models import ScimGroup, ScimUser
from ideaboard.identity.scim.tokens import token_for

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
csrf.exempt(bp)

SCIM_JSON = "application/scim+json"
MAX_COUNT = 200
PROVISION = "scim.provision"
ENDPOINTS = ("ServiceProviderConfig", "ResourceTypes", "Schemas", "Users", "Groups")


# --- answers ----------------------------------------------------------------------

def _answer(payload: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(payload), status=status, content_type=SCIM_JSON,
                    headers=headers or {})


def _error_response(error: ScimError) -> Response:
    status = int(error.status or 400)
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if status == 401 else None
    return _answer(error.model_dump(), status, headers)


def _refuse(exception: SCIMException) -> Response:
    error = exception.to_error()
    _log_refusal(int(error.status or 400), error.detail or "")
    return _error_response(error)


def _log_refusal(status: int, detail: str) -> None:
    operation, resource_type, resource_id = _operation()
    if operation is not None and not request.path.endswith("/.search"):
        keep_after_refusal(services.provisioning_event(
            g.get("scim_token"), operation, resource_type, resource_id, status, detail))


def _operation() -> tuple[str | None, str, str | None]:
    """(operation, resource type, id) of the request, for the provisioning log; reads
    are not logged."""
    operation = {"POST": "create", "PUT": "replace", "PATCH": "patch",
                 "DELETE": "delete"}.get(request.method)
    args = request.view_args or {}
    kind = "Group" if (request.endpoint or "").startswith("scim.group") else "User"
    return operation, kind, args.get("resource_id")


def scim_base_url() -> str:
    """``/scim/v2`` on the configured site (``BASE_URL``, which every configuration
    has): clients keep the locations they are given, so never from the request's Host
    header; built by ``core.urls.absolute_url`` like every link for later."""
    return absolute_url("scim.service_provider_config_view").removesuffix(
        "/ServiceProviderConfig")


def _location(kind: str, resource_id: str) -> str:
    return f"{scim_base_url()}/{kind}/{resource_id}"


def _meta(kind: str, resource_id: str, created, updated, version: int) -> Meta:
    return Meta(resource_type=kind[:-1], created=created, last_modified=updated,
                location=_location(kind, resource_id), version=f'W/"{version}"')


def _user_payload(record: ScimUser, ctx: Context, parameters: Any = None) -> dict:
    resource = services.user_resource(record)
    resource.meta = _meta("Users", str(record.user_id), record.created_at,
                          record.updated_at, record.version)
    return resource.model_dump(scim_ctx=ctx, response_parameters=parameters
                               or _response_parameters())


def _group_payload(group: ScimGroup, ctx: Context, parameters: Any = None) -> dict:
    resource = services.group_resource(group)
    resource.meta = _meta("Groups", str(group.id), group.created_at, group.updated_at,
                          group.version)
    return resource.model_dump(scim_ctx=ctx, response_parameters=parameters
                               or _response_parameters())


def _split(name: str) -> list[str] | None:
    value = request.args.get(name)
    return [a.strip() for a in value.split(",") if a.strip()] if value else None


def _response_parameters() -> ResponseParameters | None:
    """``attributes`` and ``excludedAttributes`` of the query string, if any."""
    attributes, excluded = _split("attributes"), _split("excludedAttributes")
    if not attributes and not excluded:
        return None
    return ResponseParameters.model_validate(
        {"attributes": attributes, "excludedAttributes": excluded})


def _version_headers(location: str, version: int) -> dict:
    return {"Location": location, "ETag": f'W/"{version}"'}


# --- the connection ---------------------------------------------------------------

@bp.before_request
def _authenticate() -> Response | None:
    """A request without an active token ends here with a 401, before any view."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    token = token_for(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return _refuse(UnauthorizedException(
            detail="A valid bearer token is required (missing, wrong or revoked)."))
    g.scim_token = token
    if request.method not in READ_METHODS:
        # A read writes nothing (core.transactions): "last used" is the last change.
        token.last_used_at = utcnow()
    return None


@bp.errorhandler(SCIMException)
def _scim_error(error: SCIMException) -> Response:
    return _refuse(error)


@bp.errorhandler(pydantic.ValidationError)
def _invalid(error: pydantic.ValidationError) -> Response:
    scim_errors = ScimError.from_validation_errors(error)
    first = scim_errors[0] if scim_errors else ScimError(status=400, scim_type="invalidValue",
                                                         detail="The request is not valid.")
    _log_refusal(int(first.status or 400), first.detail or "")
    return _error_response(first)


@bp.errorhandler(404)
@bp.errorhandler(405)
def _http_error(error: Any) -> Response:
    return _answer(ScimError(status=error.code, detail=error.description).model_dump(),
                   error.code)


def provisioning(view: Callable[..., Any]) -> Callable[..., Any]:
    """A SCIM view: the connection's token was checked in ``_authenticate``."""
    return requires(PROVISION)(view)


def _body() -> dict:
    """The request's JSON object; InvalidSyntax for anything else."""
    try:
        data = json.loads(request.get_data(cache=True, as_text=True) or "null")
    except ValueError:
        raise InvalidSyntaxException(detail="The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="The body must be a JSON object.")
    return data


def _log(operation: str, kind: str, resource_id: str | None, status: int,
         outcomes: services.Outcomes | None = None) -> None:
    warnings = outcomes.warnings if outcomes is not None else []
    db.session.add(services.provisioning_event(
        g.scim_token, operation, kind, resource_id, status, " ".join(warnings),
        warning=bool(warnings)))


# --- discovery ----------------------------------------------------------------------

def service_provider_config() -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken, name="Bearer token",
            description="A token an administrator creates for the provider connection.",
            primary=True)],
    )


def _resource_types() -> list[ResourceType]:
    return [ResourceType.from_resource(services.UserModel),
            ResourceType.from_resource(services.GroupModel)]


def _schemas() -> list[Any]:
    from scim2_models import EnterpriseUser, Group, User

    return [User.to_schema(), EnterpriseUser.to_schema(), Group.to_schema()]


def _with_location(obj: Any, kind: str, resource_id: str) -> dict:
    obj.meta = Meta(resource_type=kind, location=(
        f"{scim_base_url()}/{kind}s/{resource_id}" if kind != "ServiceProviderConfig"
        else f"{scim_base_url()}/ServiceProviderConfig"))
    return obj.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


@bp.get("/ServiceProviderConfig")
@provisioning
def service_provider_config_view():
    """What this service provider supports."""
    return _answer(_with_location(service_provider_config(), "ServiceProviderConfig", ""))


@bp.get("/ResourceTypes")
@provisioning
def resource_types():
    """User (with the enterprise extension) and Group."""
    items = [_with_location(r, "ResourceType", r.id or "") for r in _resource_types()]
    return _answer(_list_payload(items, len(items), 1))


@bp.get("/ResourceTypes/<resource_id>")
@provisioning
def resource_type(resource_id: str):
    """One resource type."""
    for item in _resource_types():
        if item.id == resource_id:
            return _answer(_with_location(item, "ResourceType", resource_id))
    return _answer(ScimError(status=404, detail="No such resource type.").model_dump(), 404)


@bp.get("/Schemas")
@provisioning
def schemas():
    """The schemas of the resources served."""
    items = [_with_location(s, "Schema", s.id or "") for s in _schemas()]
    return _answer(_list_payload(items, len(items), 1))


@bp.get("/Schemas/<resource_id>")
@provisioning
def schema(resource_id: str):
    """One schema, by its URN."""
    for item in _schemas():
        if item.id == resource_id:
            return _answer(_with_location(item, "Schema", resource_id))
    return _answer(ScimError(status=404, detail="No such schema.").model_dump(), 404)


def _list_payload(items: list[dict], total: int, start: int) -> dict:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": total, "startIndex": start, "itemsPerPage": len(items),
            "Resources": items}


# --- listing ------------------------------------------------------------------------

def _indexed(search: Any, column_of: dict[str, Any]):
    """The search's filter as (SQL condition or None, Python predicate or None): ``eq``
    on an indexed attribute (``userName``, ``externalId``, ``id``) is answered by the
    database; any other valid filter is matched against each resource (every row is
    read: fine for the few thousand people of one company, and providers send only
    ``eq`` in practice)."""
    if search.filter is None:
        return None, None
    node = search.filter.ast
    if isinstance(node, Comparison) and node.op == CompareOperator.eq and \
            node.attr_path.sub_attr is None and isinstance(node.value, str):
        column = column_of.get(node.attr_path.attr.lower())
        if column is not None:
            return column(node.value), None
    return None, search.filter.match


def _by_id(column: Any) -> Callable[[str], Any]:
    return lambda v: column == (int(v) if v.isdigit() and len(v) < 10 else -1)


def _search_from_query(model: Any) -> Any:
    data: dict[str, Any] = {key: request.args[key] for key in (
        "filter", "startIndex", "count", "sortBy", "sortOrder") if key in request.args}
    for key in ("attributes", "excludedAttributes"):
        if value := _split(key):
            data[key] = value
    try:
        return SearchRequest[model].model_validate(
            data, scim_ctx=Context.SEARCH_REQUEST)
    except pydantic.ValidationError as error:
        _raise_filter_error(error)
        raise


def _raise_filter_error(error: pydantic.ValidationError) -> None:
    """A filter that does not parse is RFC 7644's 400 ``invalidFilter``."""
    for detail in error.errors():
        if detail.get("loc") and detail["loc"][0] == "filter":
            raise InvalidFilterException(detail=str(detail.get("msg", "invalid filter")))


def _list(kind: str, search: Any):
    entity: Any
    payload: Callable[..., dict]
    resource_of: Callable[[Any], Any]
    loads: tuple = ()
    if kind == "Users":
        entity, payload, resource_of, order = (
            ScimUser, _user_payload, services.user_resource, ScimUser.user_id)
        # Each resource's ``active`` is its account's: read with the page, not per row.
        loads = (sa.orm.joinedload(ScimUser.user),)
        columns = {"username": lambda v: ScimUser.user_name == v.strip().lower(),
                   "externalid": lambda v: ScimUser.external_id == v,
                   "id": _by_id(ScimUser.user_id)}
    else:
        entity, payload, resource_of, order = (
            ScimGroup, _group_payload, services.group_resource, ScimGroup.id)
        columns = {"displayname": lambda v: ScimGroup.display_name == v,
                   "externalid": lambda v: ScimGroup.external_id == v,
                   "id": _by_id(ScimGroup.id)}
    condition, predicate = _indexed(search, columns)
    start = max(search.start_index or 1, 1)
    count = MAX_COUNT if search.count is None else min(max(search.count, 0), MAX_COUNT)
    select = sa.select(entity).options(*loads).order_by(order)
    if condition is not None:
        select = select.where(condition)
    if predicate is None:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(select.subquery()))
        rows = list(db.session.scalars(select.offset(start - 1).limit(count)))
    else:
        matching = [row for row in db.session.scalars(select) if predicate(resource_of(row))]
        total, rows = len(matching), matching[start - 1:start - 1 + count]
    items = [payload(row, Context.SEARCH_RESPONSE, search) for row in rows]
    return _answer(_list_payload(items, total or 0, start))


def _search_from_body(model: Any) -> Any:
    try:
        return SearchRequest[model].model_validate(
            _body(), scim_ctx=Context.SEARCH_REQUEST)
    except pydantic.ValidationError as error:
        _raise_filter_error(error)
        raise


MANAGER_PATH = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:manager"


def _manager_as_object(body: dict) -> dict:
    """Entra ID sets a manager with the bare id as the value
    (``{"op": "Add", "path": "...:User:manager", "value": "<id>"}``) where RFC 7643
    has a complex attribute: read it as ``{"value": "<id>"}``."""
    for operation in body.get("Operations") or []:
        if isinstance(operation, dict) and str(operation.get("path", "")).lower() == \
                MANAGER_PATH and isinstance(operation.get("value"), str):
            operation["value"] = {"value": operation["value"]}
    return body


# --- Users --------------------------------------------------------------------------

@bp.get("/Users")
@provisioning
def users():
    """Provisioned people: ``filter`` (e.g. ``userName eq "..."``), startIndex, count."""
    return _list("Users", _search_from_query(services.UserModel))


@bp.post("/Users/.search")
@provisioning
def users_search():
    """The same as a GET of /Users, the query in a SearchRequest body."""
    return _list("Users", _search_from_body(services.UserModel))


@bp.post("/Users")
@provisioning
def user_create():
    """Provision a person (201), or 409 uniqueness for a userName already here."""
    resource = services.UserModel.model_validate(
        _body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    record, outcomes = services.create_user(resource, g.scim_token)
    _log("create", "User", str(record.user_id), 201, outcomes)
    return _answer(_user_payload(record, Context.RESOURCE_CREATION_RESPONSE), 201,
                   _version_headers(_location("Users", str(record.user_id)), record.version))


@bp.get("/Users/<resource_id>")
@provisioning
def user(resource_id: str):
    """One provisioned person."""
    record = services.scim_user(resource_id)
    return _answer(_user_payload(record, Context.RESOURCE_QUERY_RESPONSE), 200,
                   _version_headers(_location("Users", resource_id), record.version))


@bp.put("/Users/<resource_id>")
@provisioning
def user_replace(resource_id: str):
    """Replace a person's resource with the one sent."""
    record = services.scim_user(resource_id)
    resource = services.UserModel.model_validate(
        _body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    resource.replace(services.user_resource(record))  # immutable attributes kept
    outcomes = services.replace_user(record, resource, g.scim_token)
    _log("replace", "User", resource_id, 200, outcomes)
    return _answer(_user_payload(record, Context.RESOURCE_REPLACEMENT_RESPONSE), 200,
                   _version_headers(_location("Users", resource_id), record.version))


@bp.patch("/Users/<resource_id>")
@provisioning
def user_patch(resource_id: str):
    """Apply a PatchOp (Entra ID's and Okta's shapes alike) to a person."""
    record = services.scim_user(resource_id)
    patch = PatchOp[services.UserModel].model_validate(
        _manager_as_object(_body()), scim_ctx=Context.RESOURCE_PATCH_REQUEST)
    resource = services.user_resource(record)
    patch.patch(resource)
    outcomes = services.replace_user(record, resource, g.scim_token)
    _log("patch", "User", resource_id, 200, outcomes)
    return _answer(_user_payload(record, Context.RESOURCE_PATCH_RESPONSE), 200,
                   _version_headers(_location("Users", resource_id), record.version))


@bp.delete("/Users/<resource_id>")
@provisioning
def user_delete(resource_id: str):
    """Deprovision a person: deactivated, their resource gone, their work kept."""
    services.delete_user(services.scim_user(resource_id), g.scim_token)
    _log("delete", "User", resource_id, 204)
    return Response(status=204)


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@provisioning
def unknown(rest: str):
    """Any other address under /scim/v2/: a SCIM 404."""
    if rest == ".search" and request.method == "POST":
        raise NotImplementedException(
            detail="Search one resource type at a time: /Users/.search, /Groups/.search.")
    first, _, more = rest.partition("/")
    if first in ENDPOINTS and "/" not in more:  # a known address, another method
        return _answer(ScimError(status=405, detail="Method not allowed here.").model_dump(),
                       405)
    return _answer(ScimError(status=404, detail="No such SCIM endpoint.").model_dump(), 404)


# --- Groups -------------------------------------------------------------------------

@bp.get("/Groups")
@provisioning
def groups():
    """Groups: ``filter`` (e.g. ``displayName eq "..."``), startIndex, count."""
    return _list("Groups", _search_from_query(services.GroupModel))


@bp.post("/Groups/.search")
@provisioning
def groups_search():
    """The same as a GET of /Groups, the query in a SearchRequest body."""
    return _list("Groups", _search_from_body(services.GroupModel))


@bp.post("/Groups")
@provisioning
def group_create():
    """Keep a new group (201)."""
    resource = services.GroupModel.model_validate(
        _body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    group = services.create_group(resource, g.scim_token)
    _log("create", "Group", str(group.id), 201)
    return _answer(_group_payload(group, Context.RESOURCE_CREATION_RESPONSE), 201,
                   _version_headers(_location("Groups", str(group.id)), group.version))


@bp.get("/Groups/<resource_id>")
@provisioning
def group(resource_id: str):
    """One group."""
    group = services.scim_group(resource_id)
    return _answer(_group_payload(group, Context.RESOURCE_QUERY_RESPONSE), 200,
                   _version_headers(_location("Groups", resource_id), group.version))


@bp.put("/Groups/<resource_id>")
@provisioning
def group_replace(resource_id: str):
    """Replace a group with the one sent."""
    group = services.scim_group(resource_id)
    resource = services.GroupModel.model_validate(
        _body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    resource.replace(services.group_resource(group))
    services.replace_group(group, resource, g.scim_token)
    _log("replace", "Group", resource_id, 200)
    return _answer(_group_payload(group, Context.RESOURCE_REPLACEMENT_RESPONSE), 200,
                   _version_headers(_location("Groups", resource_id), group.version))


@bp.patch("/Groups/<resource_id>")
@provisioning
def group_patch(resource_id: str):
    """Apply a PatchOp to a group (members added or removed, a new name)."""
    group = services.scim_group(resource_id)
    patch = PatchOp[services.GroupModel].model_validate(
        _body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST)
    resource = services.group_resource(group)
    patch.patch(resource)
    services.replace_group(group, resource, g.scim_token)
    _log("patch", "Group", resource_id, 200)
    return _answer(_group_payload(group, Context.RESOURCE_PATCH_RESPONSE), 200,
                   _version_headers(_location("Groups", resource_id), group.version))


@bp.delete("/Groups/<resource_id>")
@provisioning
def group_delete(resource_id: str):
    """Forget a group."""
    services.delete_group(services.scim_group(resource_id), g.scim_token)
    _log("delete", "Group", resource_id, 204)
    return Response(status=204)


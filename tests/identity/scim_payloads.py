"""Request bodies as Microsoft Entra ID and Okta send them, written from their
documentation ("Tutorial: Develop and plan provisioning for a SCIM endpoint in
Microsoft Entra ID", learn.microsoft.com; "SCIM 2.0 protocol reference", developer.okta.com),
with this suite's names and addresses. Their quirks are the point: Entra capitalises
``op`` ("Replace"), sends booleans as strings ("False"), a ``meta`` in creates and
enterprise attributes by their full URN path; Okta replaces with no ``path`` and an
object ``value``, and sends ``password`` and an empty ``groups`` in creates."""

from __future__ import annotations

import zlib

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def entra_create(user_name: str = "Test_User_ab6490ee@example.com",
                 department: str | None = "IT") -> dict:
    body = {
        "schemas": [USER, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Sandy Nia", "familyName": "Nia", "givenName": "Sandy"},
        "roles": [],
    }
    if department is not None:
        body[ENTERPRISE] = {"department": department}
    return body


# Entra ID's attribute updates: one operation per changed attribute, op capitalised.
ENTRA_UPDATE = {
    "schemas": [PATCH_OP],
    "Operations": [
        {"op": "Replace", "path": 'emails[type eq "work"].value',
         "value": "sandy.nia@example.com"},
        {"op": "Replace", "path": "name.givenName", "value": "Sandra"},
        {"op": "Replace", "path": "name.familyName", "value": "Nia-Smith"},
        {"op": "Replace", "path": "displayName", "value": "Sandra Nia-Smith"},
    ],
}

# Entra ID moving a person: the enterprise extension's department by its URN path.
ENTRA_MOVE = {
    "schemas": [PATCH_OP],
    "Operations": [
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "HR"},
    ],
}

def entra_set_manager(manager_id: str) -> dict:
    """Entra ID setting a manager: the bare id as the value of a complex attribute."""
    return {"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": manager_id}]}


# Entra ID's soft delete when a person is unassigned: active as the string "False".
ENTRA_DISABLE = {
    "schemas": [PATCH_OP],
    "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
}


def okta_create(user_name: str = "test.user@example.com",
                external_id: str | None = None) -> dict:
    return {
        "schemas": [USER],
        "userName": user_name,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        # Okta's user ids look like 00ujl29u0le5T6Aj10h7: one per person.
        "externalId": external_id or f"00u{zlib.crc32(user_name.encode()):017d}",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


# Okta deactivating a person: replace with no path, the value an object.
OKTA_DEACTIVATE = {
    "schemas": [PATCH_OP],
    "Operations": [{"op": "replace", "value": {"active": False}}],
}

OKTA_REACTIVATE = {
    "schemas": [PATCH_OP],
    "Operations": [{"op": "replace", "value": {"active": True}}],
}


def okta_add_members(*user_ids: str) -> dict:
    return {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members",
         "value": [{"value": user_id, "display": "someone"} for user_id in user_ids]}]}


def okta_remove_member(user_id: str) -> dict:
    return {"schemas": [PATCH_OP], "Operations": [
        {"op": "remove", "path": f'members[value eq "{user_id}"]'}]}

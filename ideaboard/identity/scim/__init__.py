"""SCIM 2.0 provisioning (RFC 7643, 7644) at ``/scim/v2/``: the company's identity
provider (Entra ID, Okta, ...) creates, updates and deactivates people, and keeps
groups that map onto the org tree and the roles. The wire format is scim2-models'."""

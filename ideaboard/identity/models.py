"""Who a person is in the company's identity systems.

A person signs in with a password (``users.source = 'password'``), or comes from the
identity provider: created at their first single sign-on (``oidc``, ``saml``) or by
the provisioning client (``scim``). Each link between a person and an identity system
is an ``ExternalIdentity``: the provider's kind and its stable identifier of the person
(the ID token's ``sub`` for OIDC, the assertion's ``NameID`` for SAML, the SCIM
resource's ``externalId``, or its ``id`` when the client sends none), so an e-mail
address that changes does not make a new person.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.accounts.models import User
from ideaboard.database import UTCDateTime, enum_check, utcnow
from ideaboard.extensions import Model


class Provider(StrEnum):
    OIDC = "oidc"
    SAML = "saml"
    SCIM = "scim"


class ExternalIdentity(Model):
    """One person as one identity system knows them."""

    __tablename__ = "external_identities"
    __table_args__ = (
        enum_check("provider", [p.value for p in Provider]),
        sa.UniqueConstraint("provider", "subject"),
        sa.UniqueConstraint("provider", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(sa.String(16))
    # The provider's stable identifier of the person (OIDC allows 255 ASCII characters).
    subject: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SamlRequest(Model):
    """An AuthnRequest this app sent, kept so the identity provider's answer can be
    matched to it without the session cookie (the identity provider's cross-site POST
    carries none under ``SameSite=Lax``): a Response is accepted only ``InResponseTo``
    an outstanding, unexpired request, which it then marks used, so a replayed Response
    is refused."""

    __tablename__ = "saml_requests"

    # pysaml2's request ids ("id-" and 32 random characters); the schema allows more.
    id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

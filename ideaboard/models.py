"""Imports every model module so SQLAlchemy's metadata knows every table.

Models live in their capability's package; this module only gathers them.
"""

from ideaboard.accounts.models import Invitation, User  # noqa: F401
from ideaboard.analytics.models import OutcomeUnit, OutcomeUnitAlias  # noqa: F401
from ideaboard.api.models import ApiToken  # noqa: F401
from ideaboard.audit.models import AuditEntry  # noqa: F401
from ideaboard.campaigns.models import Campaign, CampaignFunnel  # noqa: F401
from ideaboard.comments.models import Comment  # noqa: F401
from ideaboard.ideas.models import Follow, Idea, IdeaVersion, Tag  # noqa: F401
from ideaboard.identity.models import ExternalIdentity  # noqa: F401
from ideaboard.identity.scim.models import (  # noqa: F401
    ProvisioningEvent,
    ScimGroup,
    ScimToken,
    ScimUser,
)
from ideaboard.moderation.models import Flag  # noqa: F401
from ideaboard.notifications.models import Notification, OutboxEmail  # noqa: F401
from ideaboard.org.models import Department  # noqa: F401
from ideaboard.privacy.models import DataExport, RetentionSettings  # noqa: F401
from ideaboard.review.models import Review, StatusChange  # noqa: F401
from ideaboard.voting.models import Vote  # noqa: F401
from ideaboard.webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: F401
from ideaboard.worker.models import ScheduledJob, WorkerHeartbeat  # noqa: F401

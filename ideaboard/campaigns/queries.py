"""Reading campaigns: the list a person sees, and a campaign's funnel."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ideaboard.accounts.models import User
from ideaboard.campaigns.models import Campaign, CampaignFunnel, CampaignState
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus

# The campaign list is short by nature (a firm runs a handful at a time); it shows at
# most this many of each group, newest first.
LIST_LIMIT = 50

RUNNING = (CampaignState.OPEN.value, CampaignState.EVALUATING.value)


# Built once: working out the cache key of a freshly built ORM select cost more than
# running it (as for the idea lists, ideas.services.list_query).
_CAMPAIGN = sa.select(Campaign).where(Campaign.id == sa.bindparam("campaign_id")).options(
    joinedload(Campaign.sponsor), joinedload(Campaign.department),
    joinedload(Campaign.audience_department))


def get_campaign(campaign_id: int) -> Campaign | None:
    """The campaign with its sponsor and departments, in one statement."""
    return db.session.scalar(_CAMPAIGN, {"campaign_id": campaign_id})


def campaign_groups(viewer: User, may_see_drafts: bool) -> dict[str, Sequence[Campaign]]:
    """The campaigns of the list page by group: running (open and being evaluated),
    drafts (the viewer's own, or all for an admin), closed; archived ones are left out.
    Three statements whatever the number of campaigns."""
    def select(*where) -> Sequence[Campaign]:
        return db.session.scalars(
            sa.select(Campaign).where(*where).options(joinedload(Campaign.sponsor))
            .order_by(Campaign.closes_at.desc(), Campaign.id.desc()).limit(LIST_LIMIT)).all()

    drafts = Campaign.state == CampaignState.DRAFT.value
    return {
        "running": select(Campaign.state.in_(RUNNING)),
        "drafts": select(drafts) if may_see_drafts
        else select(drafts, Campaign.sponsor_id == viewer.id),
        "closed": select(Campaign.state == CampaignState.CLOSED.value),
    }


# A closed campaign puts what came of it first: at most this many implemented ideas.
RESULTS_LIMIT = 20


_RESULTS = (
    sa.select(Idea.id, Idea.title, Idea.outcome_html, Idea.outcome_value, Idea.outcome_unit)
    .where(Idea.campaign_id == sa.bindparam("campaign_id"),
           Idea.status == IdeaStatus.IMPLEMENTED.value, Idea.hidden.is_(False))
    .order_by(Idea.status_changed_at.desc(), Idea.id.desc()).limit(RESULTS_LIMIT))


def results(campaign_id: int) -> Sequence[sa.Row]:
    """The campaign's implemented ideas, latest first, with their measured outcomes
    (id, title, outcome_html, outcome_value, outcome_unit): one indexed statement. No
    names: a campaign recognises what changed, not who ranks highest."""
    return db.session.execute(_RESULTS, {"campaign_id": campaign_id}).all()


_FUNNEL = sa.select(CampaignFunnel.status, CampaignFunnel.ideas).where(
    CampaignFunnel.campaign_id == sa.bindparam("campaign_id"))


def funnel(campaign_id: int) -> list[tuple[IdeaStatus, int]]:
    """How many of the campaign's visible ideas are at each status, in the order of the
    loop (statuses with none left out): the kept counts, one statement whatever the
    number of ideas."""
    counts = dict(db.session.execute(_FUNNEL, {"campaign_id": campaign_id}).all())
    return [(status, counts[status.value]) for status in IdeaStatus if counts.get(status.value)]

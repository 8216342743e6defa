"""Demo campaigns: one open to everyone, one closed with implemented ideas, one draft.

Made through the campaign services (so the audit trail tells their story) after the
ideas are dated; the ideas that answer them are demo ideas of the reviewing department.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.audit.models import AuditEntry
from ideaboard.campaigns import services
from ideaboard.campaigns.models import CampaignState
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.notifications.models import Notification, OutboxEmail
from ideaboard.org.models import Department

DAY = timedelta(days=1)

# (question, brief, sponsor's e-mail local part, audience, reviewing department,
#  opened days ago, runs for days, the state it has reached, ideas of these statuses)
CAMPAIGNS = [
    ("How do we halve the time to onboard a new customer?",
     "New customers wait **three weeks** for their first working login, and a third of "
     "our support calls in their first month are about setting up.\n\n"
     "- What could we do before the contract is signed?\n"
     "- What do we ask customers for twice?\n\n"
     "Every team touches onboarding: tell us where the time goes.",
     "ceo", None, "Customer Support", 10, 30, CampaignState.OPEN, ("open", "in_review")),
    ("Where can Operations save energy this winter?",
     "Energy is our second-largest cost after salaries. Ideas from the sites, the fleet "
     "and the offices are welcome; the Facilities managers review them.",
     "ops.manager", "Operations", "Facilities", 160, 30, CampaignState.CLOSED,
     ("implemented", "declined", "accepted", "in_progress")),
    ("How should the service desk work after hours?",
     "A draft for IT: it opens next week.",
     "manager", "IT", "IT Infrastructure", -7, 21, CampaignState.DRAFT, ()),
]
# How many of its department's ideas answer each campaign.
ANSWERS = 4


def _latest_ids() -> tuple[int, int, int]:
    """The newest audit entry, notification and e-mail so far (what a step adds is after)."""
    audit, notification, email = (db.session.scalar(sa.select(sa.func.max(model.id))) or 0
                                  for model in (AuditEntry, Notification, OutboxEmail))
    return audit, notification, email


def _date_since(before: tuple[int, int, int], moment: datetime, now: datetime) -> None:
    """Date what was written after ``before`` at ``moment``: its audit entries, its
    notifications (read a day later when older than a week) and its e-mails (sent then,
    not by the worker of today)."""
    db.session.flush()
    audit, notification, email = before
    read = moment + DAY if moment < now - 7 * DAY else None
    db.session.execute(sa.update(AuditEntry.__table__).where(AuditEntry.id > audit)
                       .values(created_at=moment))
    db.session.execute(sa.update(Notification.__table__).where(Notification.id > notification)
                       .values(created_at=moment, read_at=read))
    db.session.execute(sa.update(OutboxEmail.__table__).where(OutboxEmail.id > email)
                       .values(created_at=moment, sent_at=moment))


def seed_campaigns(departments: dict[str, Department], people: list[User]) -> int:
    """The demo campaigns; how many. Flushes."""
    by_email = {person.email.split("@")[0]: person for person in people}
    admin = by_email["admin"]
    now = utcnow().replace(second=0, microsecond=0)
    for (title, brief, sponsor, audience, department, opened_ago, runs, state,
         statuses) in CAMPAIGNS:
        opens_at = now - opened_ago * DAY
        made = _latest_ids()
        campaign = services.create_campaign(admin, services.CampaignFields(
            title=title, brief_md=brief, sponsor=by_email[sponsor],
            audience=departments[audience] if audience else None,
            department=departments[department], opens_at=opens_at,
            closes_at=opens_at + runs * DAY))
        if statuses:
            answers = db.session.scalars(
                sa.select(Idea.id).where(Idea.department_id == departments[department].id,
                                         Idea.status.in_(statuses), Idea.campaign_id.is_(None))
                .order_by(Idea.id).limit(ANSWERS)).all()
            db.session.execute(sa.update(Idea).where(Idea.id.in_(answers))
                               .values(campaign_id=campaign.id))
            services.recount_funnel(campaign.id)
        # The story's time: made a few days before it opened (a draft two days ago),
        # opened and stopped on its dates, closed ten days after.
        moments = {CampaignState.DRAFT: min(opens_at - 5 * DAY, now - 2 * DAY),
                   CampaignState.OPEN: opens_at, CampaignState.EVALUATING: campaign.closes_at,
                   CampaignState.CLOSED: campaign.closes_at + 10 * DAY}
        _date_since(made, moments[CampaignState.DRAFT], now)
        for step in (CampaignState.OPEN, CampaignState.EVALUATING, CampaignState.CLOSED):
            if list(CampaignState).index(step) > list(CampaignState).index(state):
                break
            before = _latest_ids()
            services.move(campaign, step, None if step is not CampaignState.CLOSED
                          else by_email[sponsor])
            _date_since(before, moments[step], now)
    # The kept unread counters agree with the news read since.
    unread = (sa.select(sa.func.count(Notification.id))
              .where(Notification.user_id == User.id, Notification.read_at.is_(None))
              .scalar_subquery())
    db.session.execute(sa.update(User).values(unread_notifications=unread),
                       execution_options={"synchronize_session": False})
    db.session.flush()
    return len(CAMPAIGNS)

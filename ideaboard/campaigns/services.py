"""Running a campaign: making and changing it, who may answer it and when, its answers,
and its opening and closing on time (the background job, ``move_on_time``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ideaboard import sanitize
from ideaboard.accounts.models import User
from ideaboard.audit.services import changes, record
from ideaboard.campaigns.models import Campaign, CampaignFunnel, CampaignState
from ideaboard.core.i18n import N_, Text, quoted
from ideaboard.core.i18n import gettext as _
from ideaboard.core.templating import exact_time
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas import services as ideas
from ideaboard.ideas.models import Follow, Idea
from ideaboard.notifications.delivery import deliver
from ideaboard.notifications.models import NotificationKind
from ideaboard.notifications.services import notify
from ideaboard.org.models import Department
from ideaboard.org.services import department_rows, subtree_ids
from ideaboard.voting.models import Vote

TITLE_MIN, TITLE_MAX = 8, 140
BRIEF_MAX = 20_000
# A campaign runs for at least an hour and at most two years.
SHORTEST = timedelta(hours=1)
LONGEST = timedelta(days=730)

# What may follow what. Opening (at ``opens_at``) and the end of answering (at
# ``closes_at``) are the background job's; closing and archiving are the sponsor's.
TRANSITIONS: dict[CampaignState, frozenset[CampaignState]] = {
    CampaignState.DRAFT: frozenset({CampaignState.OPEN}),
    CampaignState.OPEN: frozenset({CampaignState.EVALUATING}),
    CampaignState.EVALUATING: frozenset({CampaignState.CLOSED}),
    CampaignState.CLOSED: frozenset({CampaignState.ARCHIVED}),
    CampaignState.ARCHIVED: frozenset(),
}
# The changes a person makes with a button (the others happen on time).
BY_HAND = frozenset({CampaignState.CLOSED, CampaignState.ARCHIVED})
# The states in which a campaign shows what came of it first.
FINISHED = frozenset({CampaignState.CLOSED, CampaignState.ARCHIVED})
# The states whose title, brief, audience and dates may still be changed.
EDITABLE = frozenset({CampaignState.DRAFT, CampaignState.OPEN, CampaignState.EVALUATING})

_SPACE = re.compile(r"\s+")


class CampaignError(ValueError):
    """Input or a step the campaign rules refuse; the message is safe to show (in the
    language of the request that raised it)."""


@dataclass(frozen=True)
class CampaignFields:
    """What the campaign form says, checked by ``check``."""

    title: str
    brief_md: str
    sponsor: User | None
    audience: Department | None  # None: everyone
    department: Department | None
    opens_at: datetime
    closes_at: datetime
    voting_closes_at: datetime | None = None  # None: votes count as on the open board


def check(fields: CampaignFields) -> CampaignFields:
    """The fields cleaned (spaces, control characters), or ``CampaignError`` naming the
    first thing wrong."""
    title = _SPACE.sub(" ", sanitize.strip_control(fields.title)).strip()
    brief_md = sanitize.strip_control(fields.brief_md).strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise CampaignError(_("A campaign's question has %(min)d to %(max)d characters.",
                              min=TITLE_MIN, max=TITLE_MAX))
    if not 1 <= len(brief_md) <= BRIEF_MAX:
        raise CampaignError(_("A brief has 1 to %(max)d characters.", max=BRIEF_MAX))
    if fields.sponsor is None or not fields.sponsor.is_active:
        raise CampaignError(_("Name the sponsor by the e-mail address of an active account."))
    if fields.department is None:
        raise CampaignError(_("Choose the department whose managers review its ideas."))
    if fields.closes_at - fields.opens_at < SHORTEST:
        raise CampaignError(_("A campaign closes at least an hour after it opens."))
    if fields.closes_at - fields.opens_at > LONGEST:
        raise CampaignError(_("A campaign runs for at most two years."))
    if fields.voting_closes_at is not None and not (
            fields.closes_at <= fields.voting_closes_at <= fields.opens_at + LONGEST):
        raise CampaignError(_("Voting closes when the campaign stops taking ideas or later, "
                              "within two years of its opening."))
    return CampaignFields(title, brief_md, fields.sponsor, fields.audience, fields.department,
                          fields.opens_at, fields.closes_at, fields.voting_closes_at)


def _snapshot(campaign: Campaign) -> dict:
    return {"title": campaign.title, "brief": campaign.brief_md,
            "sponsor_id": campaign.sponsor_id,
            "audience_department_id": campaign.audience_department_id,
            "department_id": campaign.department_id,
            "opens_at": campaign.opens_at.isoformat(),
            "closes_at": campaign.closes_at.isoformat(),
            "voting_closes_at": campaign.voting_closes_at.isoformat()
            if campaign.voting_closes_at else None, "state": campaign.state}


def _apply(campaign: Campaign, fields: CampaignFields) -> None:
    sponsor, department = fields.sponsor, fields.department
    if sponsor is None or department is None:  # check() refuses both: never here
        raise CampaignError(_("Name the sponsor by the e-mail address of an active account."))
    campaign.title = fields.title
    campaign.brief_md = fields.brief_md
    campaign.brief_html = sanitize.render_markdown(fields.brief_md)
    campaign.sponsor_id = sponsor.id
    campaign.audience_department_id = fields.audience.id if fields.audience else None
    campaign.department_id = department.id
    campaign.opens_at = fields.opens_at
    campaign.closes_at = fields.closes_at
    if fields.voting_closes_at != campaign.voting_closes_at and campaign.voting_closed:
        # A later (or no) close: its ideas take votes again until the job closes them.
        db.session.execute(sa.update(Idea).where(Idea.campaign_id == campaign.id)
                           .values(votes_closed=False))
        campaign.voting_closed = False
    campaign.voting_closes_at = fields.voting_closes_at


def create_campaign(actor: User, fields: CampaignFields) -> Campaign:
    """A new draft campaign (it opens by itself at its ``opens_at``). Flushes."""
    fields = check(fields)
    campaign = Campaign(state=CampaignState.DRAFT.value)
    _apply(campaign, fields)
    db.session.add(campaign)
    db.session.flush()
    record(actor, "campaign.create", campaign, after=_snapshot(campaign))
    return campaign


def update_campaign(campaign: Campaign, actor: User, fields: CampaignFields) -> bool:
    """Change a campaign's question, brief, people and dates; False when nothing changed.
    An open campaign keeps its opening time (it has opened). Flushes."""
    if campaign.state_enum not in EDITABLE:
        raise CampaignError(_("A closed campaign can no longer be changed."))
    fields = check(fields)
    if campaign.state_enum is not CampaignState.DRAFT and fields.opens_at != campaign.opens_at:
        raise CampaignError(_("The campaign has opened: its opening time stays as it was."))
    before = _snapshot(campaign)
    _apply(campaign, fields)
    before, after = changes(before, _snapshot(campaign))
    if not after:
        return False
    db.session.flush()
    record(actor, "campaign.update", campaign, before=before, after=after)
    return True


def move(campaign: Campaign, to: CampaignState, actor: User | None) -> None:
    """Move a campaign to its next state (``TRANSITIONS``); ``actor`` None is the
    background job. Its audience hears when it opens and when it stops taking ideas.
    Flushes."""
    if to not in TRANSITIONS[campaign.state_enum]:
        raise CampaignError(_("A campaign that is %(state)s cannot become %(to)s.",
                              state=campaign.state_enum.label, to=to.label))
    before = campaign.state
    campaign.state = to.value
    db.session.flush()
    record(actor, "campaign.state", campaign, before={"state": before},
           after={"state": to.value})
    if to in NEWS:
        sentence, subject = NEWS[to]
        # When it stops taking ideas, those who wrote, follow or voted on its ideas hear
        # too, inside its audience or not.
        told = sorted(set(audience(campaign)) | (
            set(involved(campaign)) if to is CampaignState.EVALUATING else set()))
        # In batches: a statement names at most NEWS_BATCH people (SQLite and PostgreSQL
        # limit a statement's parameters; a company may have 100,000).
        for start in range(0, len(told), NEWS_BATCH):
            deliver(notify(told[start:start + NEWS_BATCH], NotificationKind.CAMPAIGN,
                           Text(sentence, campaign=quoted(campaign.title)),
                           campaign_id=campaign.id),
                    subject=Text(subject, title=campaign.title))


# How many people one batch of a campaign's news names.
NEWS_BATCH = 1_000

# What the audience is told when a campaign opens and when it stops taking ideas: the
# notification, and the subject of its e-mail.
NEWS = {
    CampaignState.OPEN: (
        N_("A new campaign asks for your ideas: %(campaign)s."),
        N_("[Ideaboard] A new campaign: %(title)s")),
    CampaignState.EVALUATING: (
        N_("The campaign %(campaign)s has stopped taking ideas; its ideas are being "
           "evaluated."),
        N_("[Ideaboard] Campaign closed: %(title)s")),
}


def involved(campaign: Campaign) -> list[int]:
    """The ids of the people who wrote, follow or voted on the campaign's ideas (an
    author follows their idea; one statement)."""
    answers = sa.select(Idea.id).where(Idea.campaign_id == campaign.id)
    return list(db.session.scalars(sa.union(
        sa.select(Idea.author_id).where(Idea.campaign_id == campaign.id),
        sa.select(Follow.user_id).where(Follow.idea_id.in_(answers)),
        sa.select(Vote.user_id).where(Vote.idea_id.in_(answers)))))


def audience(campaign: Campaign) -> list[int]:
    """The ids of the active people the campaign asks: everyone, or the people of its
    audience's departments. One statement."""
    asked = sa.select(User.id).where(User.active.is_(True)).order_by(User.id)
    departments = audience_ids(campaign)
    if departments is not None:
        asked = asked.where(User.department_id.in_(departments))
    return list(db.session.scalars(asked))


def close_by_hand(campaign: Campaign, to: CampaignState, actor: User) -> None:
    """The sponsor's buttons: close an evaluated campaign, archive a closed one."""
    if to not in BY_HAND:
        raise CampaignError(_("A campaign opens and stops taking ideas on its own dates."))
    if to is CampaignState.CLOSED and campaign.state_enum is not CampaignState.EVALUATING:
        raise CampaignError(_("A campaign is closed once it has stopped taking ideas and "
                              "they have been evaluated."))
    if to is CampaignState.ARCHIVED and campaign.state_enum is not CampaignState.CLOSED:
        raise CampaignError(_("Only a closed campaign can be archived."))
    move(campaign, to, actor)


def move_on_time(now: datetime) -> int:
    """Open every draft whose opening time has come and stop answers to every open
    campaign whose closing time has (the background job); how many moved. Flushes."""
    # In this order, each read after the step before: a draft whose whole run has
    # passed opens, then stops taking ideas, then stops its votes, in one run.
    steps: list[tuple[tuple, Callable[[Campaign], None]]] = [
        ((Campaign.state == CampaignState.DRAFT.value, Campaign.opens_at <= now),
         lambda campaign: move(campaign, CampaignState.OPEN, None)),
        ((Campaign.state == CampaignState.OPEN.value, Campaign.closes_at <= now),
         lambda campaign: move(campaign, CampaignState.EVALUATING, None)),
        ((Campaign.voting_closed.is_(False), Campaign.voting_closes_at <= now), close_votes),
    ]
    moved = 0
    for where, step in steps:
        due = sa.select(Campaign).where(*where).order_by(Campaign.id).with_for_update()
        for campaign in db.session.scalars(due).all():
            step(campaign)
            moved += 1
    return moved


def close_votes(campaign: Campaign) -> None:
    """Stop the votes on the campaign's ideas (its ``voting_closes_at`` has come): one
    UPDATE along the campaign's index. Flushes."""
    db.session.execute(sa.update(Idea).where(Idea.campaign_id == campaign.id)
                       .values(votes_closed=True))
    campaign.voting_closed = True
    db.session.flush()
    record(None, "campaign.voting_closed", campaign,
           after={"voting_closes_at": campaign.voting_closes_at.isoformat()
                  if campaign.voting_closes_at else None})


def audience_ids(campaign: Campaign) -> set[int] | None:
    """The departments whose people may answer (the audience's subtree); None for
    everyone."""
    if campaign.audience_department_id is None:
        return None
    return subtree_ids(department_rows(), [campaign.audience_department_id])


def answer_refusal(campaign: Campaign, person: User, now: datetime | None = None) -> str | None:
    """Why ``person`` may not answer the campaign now, in words they can act on; None
    when they may. The one rule the page's button and the submission both ask."""
    now = now or utcnow()
    if campaign.state_enum is CampaignState.DRAFT or now < campaign.opens_at:
        return _("This campaign is not open yet: it takes ideas from %(date)s.",
                 date=exact_time(campaign.opens_at))
    if campaign.state_enum is not CampaignState.OPEN or now >= campaign.closes_at:
        return _("This campaign closed on %(date)s and takes no more ideas. You can still "
                 "post your idea on the open board.",
                 date=exact_time(campaign.closes_at))
    audience = audience_ids(campaign)
    if audience is not None and person.department_id not in audience:
        asked = campaign.audience_department
        return _("This campaign asks the people of %(department)s; you can post your idea "
                 "on the open board.", department=asked.name if asked is not None else "")
    return None


def submit_answer(campaign: Campaign, author: User, title: str, body_md: str,
                  tags: Iterable[str], anonymous: bool, now: datetime | None = None) -> Idea:
    """An idea answering the campaign, for the campaign's reviewing department; refused
    (``CampaignError``) when the campaign is not open to ``author``. Flushes."""
    # Shared-locked against the job closing it in the same moment, while answers to it
    # go on side by side (PostgreSQL's FOR SHARE; SQLite serialises writers).
    db.session.refresh(campaign, ["state", "closes_at"], with_for_update={"read": True})
    refusal = answer_refusal(campaign, author, now)
    if refusal is not None:
        raise CampaignError(refusal)
    idea = ideas.submit_idea(author, title, body_md, campaign.department, tags, anonymous,
                             campaign_id=campaign.id, votes_closed=campaign.voting_closed)
    record(author, "campaign.answer", campaign, after={"idea_id": idea.id})
    return idea


def recount_funnel(campaign_id: int) -> None:
    """Count the campaign's funnel again from its ideas (after ideas were attached to it
    in bulk: the demo, the bench company). Flushes."""
    funnel = CampaignFunnel.__table__
    db.session.execute(sa.delete(funnel).where(funnel.c.campaign_id == campaign_id))
    db.session.execute(funnel.insert().from_select(
        ["campaign_id", "status", "ideas"],
        sa.select(Idea.campaign_id, Idea.status, sa.func.count())
        .where(Idea.campaign_id == campaign_id, Idea.hidden.is_(False))
        .group_by(Idea.campaign_id, Idea.status)))
    db.session.flush()


def posted_message(campaign: Campaign) -> str:
    """What the author is told once their answer is posted."""
    return _("Your idea is posted in answer to %(campaign)s. Colleagues can now support it "
             "and comment; when its net votes reach %(threshold)d, the %(department)s "
             "managers review it.", campaign=quoted(campaign.title),
             threshold=campaign.department.review_threshold,
             department=campaign.department.name)

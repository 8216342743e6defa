"""A campaign: the question, who it is for, when it runs, and where its ideas are reviewed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.database import UTCDateTime, enum_check, utcnow
from ideaboard.extensions import Model

if TYPE_CHECKING:
    from ideaboard.accounts.models import User
    from ideaboard.org.models import Department


class CampaignState(StrEnum):
    """Where a campaign is in its life (``services.TRANSITIONS`` says what may follow
    what): a draft is seen only by its sponsor and the admins and opens by itself at
    ``opens_at``; an open campaign takes answers until ``closes_at``, when it moves to
    evaluating by itself; its sponsor closes it once its ideas are decided, and
    archives it when it is no longer of interest."""

    DRAFT = "draft"
    OPEN = "open"
    EVALUATING = "evaluating"
    CLOSED = "closed"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        """The state's name in the current language."""
        return str(STATE_LABELS[self])


STATE_LABELS: dict[CampaignState, LazyString] = {
    CampaignState.DRAFT: _l("Draft"),
    CampaignState.OPEN: _l("Open for ideas"),
    CampaignState.EVALUATING: _l("Being evaluated"),
    CampaignState.CLOSED: _l("Closed"),
    CampaignState.ARCHIVED: _l("Archived"),
}


class Campaign(Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        enum_check("state", [state.value for state in CampaignState]),
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        sa.CheckConstraint("voting_closes_at IS NULL OR voting_closes_at >= closes_at",
                           name="voting_closes_after_answers"),
        # The campaign list: the ones running, newest first; the job: the next to move.
        sa.Index("ix_campaigns_state_opens", "state", "opens_at", "id"),
        sa.Index("ix_campaigns_state_closes", "state", "closes_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(140))
    brief_md: Mapped[str] = mapped_column(sa.Text)
    # Rendered and sanitised once, on write (ideaboard.sanitize); pages show this.
    brief_html: Mapped[str] = mapped_column(sa.Text)
    sponsor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Who may answer: everyone (NULL), or the people of this department and those below.
    audience_department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="SET NULL"))
    # Whose review queue and vote threshold its ideas go to.
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Votes on its ideas are taken until then (NULL: as on the open board, while they
    # count); no earlier than ``closes_at``, so no idea arrives after it.
    voting_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whether the job has closed its ideas' voting (``ideas.votes_closed``), so it does so
    # once; an edit of ``voting_closes_at`` opens it again.
    voting_closed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    state: Mapped[str] = mapped_column(sa.String(16), default=CampaignState.DRAFT.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sponsor: Mapped[User] = relationship(foreign_keys=[sponsor_id])
    department: Mapped[Department] = relationship(foreign_keys=[department_id])
    audience_department: Mapped[Department | None] = relationship(
        foreign_keys=[audience_department_id])

    @property
    def state_enum(self) -> CampaignState:
        """The state as a ``CampaignState``."""
        return CampaignState(self.state)


class CampaignFunnel(Model):
    """How many of a campaign's visible ideas are at each status: its page's funnel,
    kept as the ideas are posted, change status and are hidden or shown
    (``ideas.services.count_in_campaign``), rather than counted on every view."""

    __tablename__ = "campaign_funnel"
    __table_args__ = (sa.CheckConstraint("ideas >= 0", name="ideas_non_negative"),)

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    ideas: Mapped[int] = mapped_column(default=0)

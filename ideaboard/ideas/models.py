"""Ideas, their earlier versions, tags and followers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideaboard.accounts.models import User
from ideaboard.campaigns.models import Campaign
from ideaboard.core.i18n import lazy_gettext as _l
from ideaboard.core.i18n import lazy_pgettext
from ideaboard.database import UTCDateTime, enum_check, utcnow
from ideaboard.extensions import Model, db
from ideaboard.org.models import Department


class IdeaStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    NEEDS_INFO = "needs_info"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    DECLINED = "declined"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The status's name in the current language (a plain string)."""
        return str(STATUS_LABELS[self])

    @property
    def in_sentence(self) -> str:
        """The status as a sentence names it ("decided: in review"), in the current
        language: its own text, since German keeps a noun's capital ("in Prüfung")."""
        return str(STATUS_IN_SENTENCE[self])


# Lazy: each is read in the language of the page (or e-mail) that shows it.
STATUS_LABELS: dict[IdeaStatus, LazyString] = {
    IdeaStatus.OPEN: _l("Open"),
    IdeaStatus.IN_REVIEW: _l("In review"),
    IdeaStatus.NEEDS_INFO: _l("Needs info"),
    IdeaStatus.ACCEPTED: _l("Accepted"),
    IdeaStatus.IN_PROGRESS: _l("In progress"),
    IdeaStatus.IMPLEMENTED: _l("Implemented"),
    IdeaStatus.DECLINED: _l("Declined"),
    IdeaStatus.DUPLICATE: _l("Duplicate"),
    IdeaStatus.WITHDRAWN: _l("Withdrawn"),
}


# The context tells translators these stand inside a sentence, unlike the labels above
# (a literal each time: extraction reads only literals).
STATUS_IN_SENTENCE: dict[IdeaStatus, LazyString] = {
    IdeaStatus.OPEN: lazy_pgettext("status within a sentence", "open"),
    IdeaStatus.IN_REVIEW: lazy_pgettext("status within a sentence", "in review"),
    IdeaStatus.NEEDS_INFO: lazy_pgettext("status within a sentence",
                                         "waiting for more information"),
    IdeaStatus.ACCEPTED: lazy_pgettext("status within a sentence", "accepted"),
    IdeaStatus.IN_PROGRESS: lazy_pgettext("status within a sentence", "in progress"),
    IdeaStatus.IMPLEMENTED: lazy_pgettext("status within a sentence", "implemented"),
    IdeaStatus.DECLINED: lazy_pgettext("status within a sentence", "declined"),
    IdeaStatus.DUPLICATE: lazy_pgettext("status within a sentence", "a duplicate"),
    IdeaStatus.WITHDRAWN: lazy_pgettext("status within a sentence", "withdrawn"),
}


def status_in_sentence(status: str) -> str:
    """How a sentence names a status (``"in_review"`` is "in review"): the templates'
    ``status_in_sentence`` filter."""
    return str(STATUS_IN_SENTENCE[IdeaStatus(status)])


def status_label(status: str) -> str:
    """How pages name a status (``"in_review"`` is "In review"), in the current
    language: the templates' ``status_label`` filter."""
    return str(STATUS_LABELS[IdeaStatus(status)])

idea_tags = sa.Table(
    "idea_tags",
    db.metadata,
    sa.Column("idea_id", sa.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_idea_tags_tag_id", "tag_id"),
)


class Tag(Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(32), unique=True)


class Idea(Model):
    __tablename__ = "ideas"
    __table_args__ = (
        enum_check("status", [s.value for s in IdeaStatus]),
        sa.CheckConstraint("upvotes >= 0 AND downvotes >= 0", name="votes_non_negative"),
        sa.CheckConstraint("comment_count >= 0", name="comments_non_negative"),
        sa.CheckConstraint("follower_count >= 0", name="followers_non_negative"),
        sa.CheckConstraint("escalation_level >= 0", name="escalation_non_negative"),
        sa.CheckConstraint("duplicate_of_id IS NULL OR duplicate_of_id <> id",
                           name="not_own_duplicate"),
        # Every list sort, alone and within a status filter, has an index behind it,
        # ending with the id: a page seeks from the (key, id) of the last row shown, and
        # PostgreSQL's indexes do not hold the primary key as SQLite's do.
        sa.Index("ix_ideas_status_trending", "status", "trending_score", "id"),
        sa.Index("ix_ideas_status_net", "status", "net_score", "id"),
        sa.Index("ix_ideas_status_created", "status", "created_at", "id"),
        sa.Index("ix_ideas_status_comments", "status", "comment_count", "id"),
        sa.Index("ix_ideas_comment_count", "comment_count", "id"),
        # ... and within a department (the department page, the department filter).
        sa.Index("ix_ideas_department_trending", "department_id", "trending_score", "id"),
        sa.Index("ix_ideas_department_net", "department_id", "net_score", "id"),
        sa.Index("ix_ideas_department_comments", "department_id", "comment_count", "id"),
        sa.Index("ix_ideas_department_created", "department_id", "created_at", "id"),
        sa.Index("ix_ideas_author_created", "author_id", "created_at", "id"),
        # ... and within a campaign (the campaign page; what a closed one implemented).
        sa.Index("ix_ideas_campaign_trending", "campaign_id", "trending_score", "id"),
        sa.Index("ix_ideas_campaign_net", "campaign_id", "net_score", "id"),
        sa.Index("ix_ideas_campaign_comments", "campaign_id", "comment_count", "id"),
        sa.Index("ix_ideas_campaign_created", "campaign_id", "created_at", "id"),
        sa.Index("ix_ideas_campaign_status", "campaign_id", "status", "hidden"),
        # The managers' worklists (review.queries): the ideas a department's queue
        # holds, and the ideas of the departments a manager manages (accepted, started,
        # or escalated from theirs), each with every column the lists filter and sort
        # by, so that a worklist page sorts index entries, not rows.
        sa.Index("ix_ideas_queue", "queue_department_id", "status", "review_due_at",
                 "escalation_level", "merit_score", "entered_review_at", "author_id",
                 "hidden", "status_changed_at", "department_id", "id"),
        sa.Index("ix_ideas_department_status", "department_id", "status",
                 "status_changed_at", "escalation_level", "queue_department_id",
                 "author_id", "hidden", "review_due_at", "merit_score",
                 "entered_review_at", "id"),
        # The impact ledger (analytics.queries): implemented ideas by when they were.
        sa.Index("ix_ideas_status_changed", "status", "status_changed_at", "id"),
        # The escalation job: the few ideas with a next step due.
        sa.Index("ix_ideas_escalates_at", "escalates_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(140))
    body_md: Mapped[str] = mapped_column(sa.Text)
    # Rendered and sanitised once, on write (ideaboard.sanitize); pages show this.
    body_html: Mapped[str] = mapped_column(sa.Text)
    excerpt: Mapped[str] = mapped_column(sa.String(300), default="")
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default=IdeaStatus.OPEN.value)
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)  # by a moderator
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Counters kept exact by the voting, comment and follow services.
    upvotes: Mapped[int] = mapped_column(default=0)
    downvotes: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    follower_count: Mapped[int] = mapped_column(default=0)
    # Sort keys recomputed whenever votes or comments change (ideaboard.ideas.ranking);
    # the trending one when the status changes too. Top sorts by net_score, what the
    # cards show; the review's merit reads wilson_score, which no list sorts by.
    trending_score: Mapped[float] = mapped_column(default=0.0, index=True)
    net_score: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    wilson_score: Mapped[float] = mapped_column(default=0.0)

    # Review: whose queue it is in, since when, and by when.
    queue_department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="SET NULL")
    )
    entered_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 0 = the target department's managers; each level one step up; past the root, admins.
    escalation_level: Mapped[int] = mapped_column(default=0)
    # When the escalation job next moves it one level up (review.escalation): in review,
    # its due date, then each new level's SLA on (``review_due_at`` keeps the original
    # due date people see); accepted and not started, IDEABOARD_STALLED_AFTER_DAYS on.
    # NULL in every other status: nothing to escalate.
    escalates_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it entered its current status (an escalation is no new status): the age the
    # managers' worklists show (review.workflow.transition sets it).
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    review_count: Mapped[int] = mapped_column(default=0)
    mean_impact: Mapped[float | None]
    mean_feasibility: Mapped[float | None]
    mean_effort: Mapped[float | None]
    merit_score: Mapped[float | None]

    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Set when its campaign's voting closes (campaigns.services.close_votes): the vote
    # rule reads it from the idea, a card's row and a vote's target alike.
    votes_closed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The campaign it answers (campaigns.models), if any: at most one. Campaigns are
    # archived, never deleted, so the reference has no ON DELETE.
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id"))
    # Indexed: the idea page lists the duplicates merged into an idea.
    duplicate_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ideas.id", ondelete="SET NULL"), index=True
    )
    outcome_md: Mapped[str | None] = mapped_column(sa.Text)
    outcome_html: Mapped[str | None] = mapped_column(sa.Text)
    outcome_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    outcome_unit: Mapped[str | None] = mapped_column(sa.String(40))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    department: Mapped[Department] = relationship(foreign_keys=[department_id])
    queue_department: Mapped[Department | None] = relationship(foreign_keys=[queue_department_id])
    duplicate_of: Mapped[Idea | None] = relationship(remote_side=[id])
    campaign: Mapped[Campaign | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=idea_tags, order_by=Tag.name)

    @property
    def net_votes(self) -> int:
        return self.upvotes - self.downvotes

    @property
    def status_enum(self) -> IdeaStatus:
        return IdeaStatus(self.status)

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.status}>"


class IdeaVersion(Model):
    """An earlier text of an idea, kept whenever its author edits it."""

    __tablename__ = "idea_versions"
    __table_args__ = (sa.UniqueConstraint("idea_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(140))
    body_md: Mapped[str] = mapped_column(sa.Text)
    # The sanitised HTML the idea showed with this text (its ``body_html`` then), kept so
    # the versions page shows an earlier text as the idea showed it. Empty for versions
    # kept before it was (ideas.display.version_html renders those).
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    editor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follow(Model):
    __tablename__ = "follows"
    __table_args__ = (sa.Index("ix_follows_idea_id", "idea_id"),)

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    idea_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

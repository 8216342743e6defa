"""When the demo's story happened: believable times for the rows the seed just wrote.

The seed makes every vote, comment, review and notification through the real services,
which stamp them with the current time; the ideas and their decisions are dated by the
seed itself (``now=``). Left like that, every vote and comment would read "just now",
after the decisions they led to. ``date_the_story`` gives each row a time in its idea's
life instead, with a seeded random generator (so ``flask demo`` stays deterministic):

- votes and top-level comments between the idea's creation and its first decision,
  most of them in the first days; a reply after the comment it answers;
- an idea that reached review by its votes enters the queue at the vote that took it
  over the threshold, and is due its department's SLA later;
- a manager's scores after the idea entered review and before it was decided;
- follows at the follower's first vote or comment; notifications and audit entries at
  the event that caused them; notifications older than a week already read; a report
  to the moderators after the last comment it may be about;
- people joined, and departments were set up, before any of it.

Only rows written in this same transaction are dated (the seed runs on an empty
database), so the audit trail's append-only rule is kept: no committed entry changes.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ideaboard.accounts.models import User
from ideaboard.audit.models import AuditEntry
from ideaboard.comments.models import Comment
from ideaboard.extensions import db
from ideaboard.ideas.models import Follow, Idea
from ideaboard.moderation.models import Flag
from ideaboard.notifications.models import Notification
from ideaboard.org.models import Department
from ideaboard.review.models import Review, StatusChange
from ideaboard.voting.models import Vote

# Statuses in which peers still vote and comment; any other is a decision.
PEER_STATUSES = ("open", "in_review")
# The audit action each status change is recorded under.
STATUS_ACTIONS = {
    "in_review": "idea.enter_review", "accepted": "idea.accept", "in_progress": "idea.start",
    "implemented": "idea.implement", "declined": "idea.decline",
    "needs_info": "idea.request_info", "duplicate": "idea.mark_duplicate",
    "withdrawn": "idea.withdraw",
}
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _between(rng: random.Random, start: datetime, end: datetime, skew: float = 1.0) -> datetime:
    """A time in [start, end]; ``skew`` above 1 crowds it towards ``start``."""
    if end <= start:
        return start
    return start + (end - start) * (rng.random() ** skew)


def _sorted_times(rng: random.Random, count: int, start: datetime, end: datetime,
                  skew: float) -> list[datetime]:
    return sorted(_between(rng, start, end, skew) for _ in range(count))


class _Anchors:
    """Events of one idea by the time the seed wrote them and the time they happened:
    what a notification of that idea is dated by (the event written nearest to it)."""

    def __init__(self) -> None:
        self.pairs: list[tuple[datetime, datetime]] = []

    def add(self, written: datetime, happened: datetime) -> None:
        self.pairs.append((written, happened))

    def nearest(self, written: datetime, default: datetime) -> datetime:
        if not self.pairs:
            return default
        self.pairs.sort()
        keys = [w for w, _ in self.pairs]
        i = bisect.bisect_left(keys, written)
        near = [self.pairs[j] for j in (i - 1, i) if 0 <= j < len(self.pairs)]
        return min(near, key=lambda pair: abs(pair[0] - written))[1]


def update_rows(model, rows: Iterable[dict]) -> None:
    """Bulk UPDATE by primary key through the table itself (no ORM flush events)."""
    rows = list(rows)
    if not rows:
        return
    table = model.__table__
    keys = [column.name for column in table.primary_key.columns]
    values: dict[str, Any] = {name: sa.bindparam(f"v_{name}") for name in rows[0]
                              if name not in keys}
    statement = sa.update(table).where(
        *(table.c[key] == sa.bindparam(f"k_{key}") for key in keys)).values(values)
    db.session.execute(statement, [
        {**{f"k_{key}": row[key] for key in keys},
         **{f"v_{name}": value for name, value in row.items() if name not in keys}}
        for row in rows])


def date_the_story(rng: random.Random, now: datetime, written_since: datetime) -> None:
    """Date every row the seed wrote since ``written_since`` (see the module's doc).
    Flushes; the session's objects are expired afterwards."""
    db.session.flush()
    # A notification is dated by the event the seed wrote nearest to it, which hangs on
    # the machine's timing, and so does how many read times are drawn. The rows dated
    # after it get generators of their own, taken here, so their times never shift with it.
    # (bandit B311: demo data drawn reproducibly, nothing secret)
    reads_rng, flags_rng, people_rng = (
        random.Random(rng.getrandbits(64)) for _ in range(3))  # nosec B311
    ideas = db.session.scalars(sa.select(Idea).order_by(Idea.id)).all()
    changes: dict[int, list[StatusChange]] = defaultdict(list)
    for change in db.session.scalars(sa.select(StatusChange).order_by(StatusChange.id)):
        changes[change.idea_id].append(change)
    votes: dict[int, list[Vote]] = defaultdict(list)
    for vote in db.session.scalars(sa.select(Vote).order_by(Vote.id)):
        votes[vote.idea_id].append(vote)
    comments: dict[int, list[Comment]] = defaultdict(list)
    for comment in db.session.scalars(sa.select(Comment).order_by(Comment.id)):
        comments[comment.idea_id].append(comment)
    departments = {d.id: d for d in db.session.scalars(sa.select(Department))}

    anchors: dict[int, _Anchors] = defaultdict(_Anchors)
    vote_rows, comment_rows, change_rows, idea_rows = [], [], [], []
    comment_times: dict[int, datetime] = {}
    change_times: dict[int, datetime] = {}  # what each status change's audit entry gets
    first_activity: dict[tuple[int, int], datetime] = {}
    latest = now - 20 * MINUTE

    for idea in ideas:
        created = idea.created_at
        timeline = changes[idea.id]
        decided = next((c.created_at for c in timeline if c.to_status not in PEER_STATUSES
                        and c.created_at < written_since), None)
        peer_end = min(decided or latest, latest)
        # Most votes come in the first days after an idea is posted.
        times = _sorted_times(rng, len(votes[idea.id]), created + 10 * MINUTE, peer_end, 2.2)
        tally = 0
        reached_at = None
        threshold = departments[idea.department_id].review_threshold
        for vote, at in zip(votes[idea.id], times, strict=True):
            anchors[idea.id].add(vote.created_at, at)
            vote_rows.append({"id": vote.id, "created_at": at, "updated_at": at})
            key = (vote.user_id, idea.id)
            first_activity[key] = min(first_activity.get(key, at), at)
            tally += vote.value
            if reached_at is None and tally >= threshold:
                reached_at = at
        # Top-level comments spread over the idea's open life; replies follow them.
        top = [c for c in comments[idea.id] if c.parent_id is None]
        for comment, at in zip(top, _sorted_times(rng, len(top), created + HOUR, peer_end, 1.6),
                               strict=True):
            comment_times[comment.id] = at
        for comment in comments[idea.id]:
            if comment.parent_id is not None:
                parent = comment_times.get(comment.parent_id, created)
                comment_times[comment.id] = min(
                    _between(rng, parent + 20 * MINUTE, parent + 36 * HOUR), latest)
            at = comment_times[comment.id]
            anchors[idea.id].add(comment.created_at, at)
            comment_rows.append({"id": comment.id, "created_at": at})
            key = (comment.author_id, idea.id)
            first_activity[key] = min(first_activity.get(key, at), at)
        # Entered review by its votes while the seed ran: at the vote that did it.
        for change in timeline:
            at = change.created_at
            if (change.created_at >= written_since and change.actor_id is None
                    and change.from_status == "open" and change.to_status == "in_review"):
                crossed = reached_at or (times[-1] if times else created)
                at = crossed + MINUTE
                change_rows.append({"id": change.id, "created_at": at})
                if idea.queue_department_id is not None:
                    sla = departments[idea.queue_department_id].review_sla_days
                    idea_rows.append({"id": idea.id, "entered_review_at": at,
                                      "review_due_at": at + timedelta(days=sla)})
            change_times[change.id] = at
        first_activity[(idea.author_id, idea.id)] = created

    # A manager scores between the idea's entry to review and its decision.
    review_times: dict[int, datetime] = {}
    review_rows = []
    for review in db.session.scalars(sa.select(Review).order_by(Review.id)):
        idea_changes = changes[review.idea_id]
        start = next((change_times[c.id] for c in idea_changes if c.to_status == "in_review"),
                     idea_changes[0].created_at if idea_changes else now - DAY)
        end = next((c.created_at for c in idea_changes
                    if c.to_status not in PEER_STATUSES and c.created_at > start), latest)
        at = _between(rng, start + HOUR, end - HOUR)
        anchors[review.idea_id].add(review.created_at, at)
        review_times[review.id] = at
        review_rows.append({"id": review.id, "created_at": at, "updated_at": at})

    # Follows: the follower's first vote or comment (the author: the idea's creation).
    created_of = {idea.id: idea.created_at for idea in ideas}
    follow_rows = [
        {"user_id": f.user_id, "idea_id": f.idea_id,
         "created_at": first_activity.get((f.user_id, f.idea_id), created_of[f.idea_id])}
        for f in db.session.scalars(sa.select(Follow))]

    # The audit trail: each status change's entry at that change, a score at the review.
    story_start = min(created_of.values(), default=now) - 14 * DAY
    audit_rows = []
    change_queue: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for idea_id, timeline in changes.items():
        for change in timeline:
            action = STATUS_ACTIONS.get(change.to_status)
            if action and change.from_status != change.to_status:
                change_queue[(idea_id, action)].append(change_times[change.id])
    for entry in db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.created_at >= written_since).order_by(AuditEntry.id)):
        dated: datetime | None = None
        queued = change_queue.get((entry.object_id or 0, entry.action))
        if entry.action == "idea.escalate":
            continue  # today's escalation run: it happens now
        if entry.object_type == "ideas" and queued:
            dated = queued.pop(0)
            # What the status change caused (notifications) was written beside it.
            anchors[entry.object_id or 0].add(entry.created_at, dated)
        elif entry.object_type == "reviews" and entry.object_id in review_times:
            dated = review_times[entry.object_id]
        elif entry.object_type == "comments" and entry.object_id in comment_times:
            dated = comment_times[entry.object_id]
        elif entry.object_type == "ideas" and entry.object_id in created_of:
            dated = (created_of[entry.object_id] if entry.action.endswith(("create", "submit"))
                     else anchors[entry.object_id].nearest(entry.created_at, entry.created_at))
        elif entry.object_type == "system":
            dated = story_start
        if dated is not None:
            audit_rows.append({"id": entry.id, "created_at": dated})

    # Notifications: at the comment they tell of, else at the nearest event of their idea.
    notification_rows = []
    for note in db.session.scalars(sa.select(Notification).where(
            Notification.created_at >= written_since).order_by(Notification.id)):
        if note.comment_id in comment_times:
            at = comment_times[note.comment_id]
        elif note.idea_id is not None:
            at = anchors[note.idea_id].nearest(note.created_at, note.created_at)
        else:
            continue
        # Older news has been read by now (the unread counts are corrected below).
        read = min(_between(reads_rng, at + 2 * HOUR, at + 3 * DAY), latest) \
            if at < now - 7 * DAY else None
        notification_rows.append({"id": note.id, "created_at": at, "read_at": read})

    # A report comes after what it is about was written, and is still waiting.
    flag_rows = []
    for flag in db.session.scalars(sa.select(Flag).where(Flag.created_at >= written_since)
                                   .order_by(Flag.id)):
        flagged = db.session.get(Comment, flag.comment_id) if flag.comment_id else None
        about = flag.idea_id or (flagged.idea_id if flagged is not None else None)
        if about is None:
            continue
        since = max([created_of[about], *(comment_times[c.id] for c in comments[about])])
        flag_rows.append({"id": flag.id, "created_at": _between(flags_rng, since + HOUR, latest)})

    update_rows(Vote, vote_rows)
    update_rows(Flag, flag_rows)
    update_rows(Comment, comment_rows)
    update_rows(StatusChange, change_rows)
    update_rows(Idea, idea_rows)
    update_rows(Review, review_rows)
    update_rows(Follow, follow_rows)
    update_rows(Notification, notification_rows)
    update_rows(AuditEntry, audit_rows)
    # People joined over the two years before the story; the org chart is older still.
    people = db.session.scalars(sa.select(User.id).order_by(User.id)).all()
    update_rows(User, ({"id": person, "created_at": _between(people_rng, story_start - 700 * DAY,
                                                         story_start - 30 * DAY)}
                   for person in people))
    update_rows(Department, ({"id": d, "created_at": story_start - 800 * DAY} for d in departments))
    # Each idea was last touched by the latest event of its own story.
    update_rows(Idea, ({"id": idea.id, "updated_at": max(
        [idea.created_at, *(change_times[c.id] for c in changes[idea.id])])} for idea in ideas))
    # The kept unread counters agree with the notifications now read.
    unread = (sa.select(sa.func.count(Notification.id))
              .where(Notification.user_id == User.id, Notification.read_at.is_(None))
              .scalar_subquery())
    db.session.execute(sa.update(User).values(unread_notifications=unread),
                       execution_options={"synchronize_session": False})
    db.session.expire_all()

"""The idea page and the review page read the timeline and the merged duplicates one
way, as plain rows (ideaboard.review.display): the rows hold what the tables hold, and
the forms are offered only to those who act."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.review import display, services
from ideaboard.review.escalation import escalate_idea
from ideaboard.review.models import StatusChange
from tests.helpers.factories import IdeaFactory, UserFactory
from tests.helpers.login import signed_in

FIELDS = ("id", "idea_id", "from_status", "to_status", "actor_id", "reason", "created_at")



def test_timeline_rows_match_the_status_changes(app, it_department, manager):
    author = UserFactory(department=it_department, display_name="Ida Author")
    idea = IdeaFactory(author=author, department=it_department, is_anonymous=True)
    services.fast_track(idea, manager, "Worth a look now")
    services.decide(idea, manager, "needs_info", "Tell us which floor it is for")
    services.resubmit(idea, author, "Second floor")
    escalate_idea(idea, utcnow() + timedelta(days=400))  # by the system: no actor
    db.session.commit()
    changes = db.session.scalars(sa.select(StatusChange).where(StatusChange.idea_id == idea.id)
                                 .order_by(StatusChange.created_at, StatusChange.id)).all()
    entries = display.timeline(idea.id)
    assert len(entries) == len(changes) >= 4
    for change, entry in zip(changes, entries, strict=True):
        assert [getattr(entry, f) for f in FIELDS] == [getattr(change, f) for f in FIELDS]
        if change.actor is None:
            assert entry.actor is None
        else:
            assert entry.actor.display_name == change.actor.display_name
    assert any(entry.actor is None for entry in entries)
    assert services.current_decision(idea, entries) is None  # back in review: none stands
    services.decide(idea, manager, "declined", "Not for this year's budget, sorry")
    db.session.commit()
    decision = services.current_decision(idea, display.timeline(idea.id))
    assert decision is not None and decision.to_status == "declined"
    assert decision.actor is not None and decision.actor.display_name == manager.display_name


def test_merged_duplicate_rows_leave_out_hidden_ideas(app, it_department, manager, employee):
    target = IdeaFactory(author=employee, department=it_department, title="Target")
    shown, hidden = (IdeaFactory(author=employee, department=it_department, title=t)
                     for t in ("Shown duplicate", "Hidden duplicate"))
    for duplicate in (shown, hidden):
        services.fast_track(duplicate, manager, "Looks like a duplicate")
        services.decide(duplicate, manager, "duplicate", "The same as the target idea",
                        duplicate_of_id=target.id)
    hidden.hidden = True
    db.session.commit()
    rows = display.merged_duplicates(target.id)
    assert [(r.id, r.title) for r in rows] == [(shown.id, "Shown duplicate")]
    merged = db.session.scalars(sa.select(Idea.id).where(Idea.duplicate_of_id == target.id))
    assert sorted(merged) == sorted([shown.id, hidden.id])


def test_action_forms_are_offered_to_those_who_may_act(app, it_department, manager, employee):
    author = UserFactory(department=it_department)
    idea = IdeaFactory(author=author, department=it_department)
    pages = {name: signed_in(app, user).get(f"/ideas/{idea.id}").get_data(as_text=True)
             for name, user in (("author", author), ("manager", manager),
                                ("employee", employee))}
    assert "Fast-track to review" in pages["manager"]
    assert 'name="fast-track-note"' in pages["manager"]
    assert "Withdraw idea" in pages["author"] and 'name="withdraw-note"' in pages["author"]
    assert "Fast-track to review" not in pages["author"] + pages["employee"]
    assert "Withdraw idea" not in pages["manager"] + pages["employee"]
    services.fast_track(idea, manager, "Worth a look now")
    services.decide(idea, manager, "needs_info", "Tell us which floor it is for")
    db.session.commit()
    page = signed_in(app, author).get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Send back for review" in page and 'name="resubmit-note"' in page

"""The idea state machine: its one table, who may do what, and what each change writes."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ideaboard.audit.models import AuditEntry
from ideaboard.core.permissions import can
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import IdeaStatus
from ideaboard.notifications.models import Notification, NotificationKind
from ideaboard.review import workflow
from ideaboard.review.models import StatusChange
from ideaboard.review.workflow import Outcome, TransitionError
from tests.helpers.factories import UserFactory
from tests.helpers.review import make_idea

RATIONALE = "This does not fit our plans for the next two years."


def changes_of(idea):
    return list(db.session.scalars(sa.select(StatusChange).where(StatusChange.idea_id == idea.id)
                                   .order_by(StatusChange.id)))


def test_every_status_is_reachable_and_terminal_ones_have_no_way_out():
    reachable = {t.target for t in workflow.TRANSITIONS} | {IdeaStatus.OPEN}
    assert reachable == set(IdeaStatus)
    for status in (IdeaStatus.IMPLEMENTED, IdeaStatus.DECLINED, IdeaStatus.DUPLICATE,
                   IdeaStatus.WITHDRAWN):
        assert workflow.targets(status) == []


def test_record_creation_writes_the_first_timeline_entry(author, it_department):
    idea = make_idea(author, it_department)
    workflow.record_creation(idea, author)
    [first] = changes_of(idea)
    assert (first.from_status, first.to_status, first.actor_id) == (None, "open", author.id)


def test_unknown_change_is_refused_with_a_clear_message(author, manager, it_department):
    idea = make_idea(author, it_department, status="declined")
    with pytest.raises(TransitionError, match="declined cannot become accepted"):
        workflow.transition(idea, IdeaStatus.ACCEPTED, manager)
    assert changes_of(idea) == []


def test_only_the_listed_capacities_may_act(author, employee, manager, other_manager, admin,
                                            it_department):
    idea = make_idea(author, it_department, status="in_review")
    for outsider in (employee, author, other_manager):
        assert not workflow.allowed(outsider, idea, IdeaStatus.ACCEPTED)
        with pytest.raises(TransitionError, match="may not"):
            workflow.transition(idea, IdeaStatus.ACCEPTED, outsider)
    assert workflow.allowed(manager, idea, IdeaStatus.ACCEPTED)
    assert workflow.allowed(admin, idea, IdeaStatus.ACCEPTED)  # admins do what managers do
    # Withdrawing is the author's alone, and only while open or needing information.
    open_idea = make_idea(author, it_department)
    assert workflow.allowed(author, open_idea, IdeaStatus.WITHDRAWN)
    assert not workflow.allowed(manager, open_idea, IdeaStatus.WITHDRAWN)
    assert not workflow.allowed(author, idea, IdeaStatus.WITHDRAWN)


def test_manager_of_the_queue_department_is_responsible_too(author, it_department, company):
    top = UserFactory(email="ceo@example.com", manages=[company])
    idea = make_idea(author, it_department, status="in_review")
    assert not workflow.allowed(top, idea, IdeaStatus.ACCEPTED)
    idea.queue_department_id = company.id  # escalated to the parent
    db.session.commit()
    assert workflow.allowed(top, idea, IdeaStatus.ACCEPTED)


def test_a_deactivated_manager_may_do_nothing(author, manager, it_department):
    idea = make_idea(author, it_department, status="in_review")
    manager.active = False
    db.session.commit()
    assert not workflow.allowed(manager, idea, IdeaStatus.ACCEPTED)


@pytest.mark.parametrize("to_status", ["declined", "needs_info"])
def test_decline_and_needs_info_need_twenty_characters_of_rationale(author, manager,
                                                                   it_department, to_status):
    idea = make_idea(author, it_department, status="in_review")
    with pytest.raises(TransitionError, match="at least 20 characters"):
        workflow.transition(idea, to_status, manager, reason="  too short         ")
    assert idea.status == "in_review"
    workflow.transition(idea, to_status, manager, reason=RATIONALE)
    assert idea.status == to_status


def test_in_progress_needs_an_owner_and_implemented_an_outcome(author, manager, employee,
                                                              it_department):
    idea = make_idea(author, it_department, status="accepted")
    with pytest.raises(TransitionError, match="owns the work"):
        workflow.transition(idea, IdeaStatus.IN_PROGRESS, manager)
    workflow.transition(idea, IdeaStatus.IN_PROGRESS, manager, owner=employee)
    assert idea.owner_id == employee.id
    with pytest.raises(TransitionError, match="Describe what changed"):
        workflow.transition(idea, IdeaStatus.IMPLEMENTED, manager, outcome=Outcome("  "))
    with pytest.raises(TransitionError, match="unit"):
        workflow.transition(idea, IdeaStatus.IMPLEMENTED, manager,
                            outcome=Outcome("Faster", Decimal("120"), ""))
    workflow.transition(idea, IdeaStatus.IMPLEMENTED, manager,
                        outcome=Outcome("We **automated** it.<script>x</script>",
                                        Decimal("120"), "hours a year saved"))
    assert idea.status == "implemented"
    assert "<strong>automated</strong>" in idea.outcome_html
    assert "<script>" not in idea.outcome_html
    assert (idea.outcome_value, idea.outcome_unit) == (Decimal("120"), "hours a year saved")


def test_owner_must_be_active(author, manager, employee, it_department):
    idea = make_idea(author, it_department, status="accepted")
    employee.active = False
    db.session.commit()
    with pytest.raises(TransitionError, match="active"):
        workflow.transition(idea, IdeaStatus.IN_PROGRESS, manager, owner=employee)


def test_duplicate_needs_a_valid_target(author, manager, it_department):
    idea = make_idea(author, it_department, status="in_review")
    with pytest.raises(TransitionError, match="Name the idea"):
        workflow.transition(idea, IdeaStatus.DUPLICATE, manager, reason=RATIONALE)
    with pytest.raises(TransitionError, match="cannot duplicate itself"):
        workflow.transition(idea, IdeaStatus.DUPLICATE, manager, reason=RATIONALE,
                            duplicate_of=idea)
    withdrawn = make_idea(author, it_department, status="withdrawn")
    with pytest.raises(TransitionError, match="neither withdrawn"):
        workflow.transition(idea, IdeaStatus.DUPLICATE, manager, reason=RATIONALE,
                            duplicate_of=withdrawn)


def test_a_change_writes_timeline_audit_and_notifications(author, manager, employee,
                                                          it_department):
    from ideaboard.following.services import follow

    idea = make_idea(author, it_department, status="in_review", is_anonymous=True)
    follow(employee.id, idea.id)
    db.session.commit()
    workflow.transition(idea, IdeaStatus.DECLINED, manager, reason=RATIONALE)
    db.session.commit()

    [change] = changes_of(idea)
    assert (change.from_status, change.to_status, change.actor_id, change.reason) == \
        ("in_review", "declined", manager.id, RATIONALE)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "idea.decline"))
    assert entry.actor_id == manager.id and entry.object_id == idea.id
    assert entry.before["status"] == "in_review" and entry.after["status"] == "declined"
    assert entry.reason == RATIONALE

    notes = db.session.scalars(sa.select(Notification).where(
        Notification.kind == NotificationKind.STATUS_CHANGE.value)).all()
    assert {n.user_id for n in notes} == {author.id, employee.id}  # not the manager who acted
    for note in notes:
        assert "declined" in note.message and idea.title in note.message
        assert author.display_name not in note.message  # the idea is anonymous


def test_a_concurrent_change_of_the_same_idea_is_refused(author, manager, admin, it_department):
    idea = make_idea(author, it_department, status="in_review")
    # Another request declines it behind this session's back.
    db.session.execute(sa.text("UPDATE ideas SET status = 'declined' WHERE id = :id"),
                       {"id": idea.id})
    with pytest.raises(TransitionError, match="meanwhile"):
        workflow.transition(idea, IdeaStatus.ACCEPTED, manager)
    assert idea.status == "declined"


def test_entering_review_sets_the_queue_and_notifies_its_managers(author, manager,
                                                                 it_department):
    idea = make_idea(author, it_department)
    now = utcnow()
    workflow.transition(idea, IdeaStatus.IN_REVIEW, None, reason="Reached the threshold.",
                        now=now)
    assert idea.queue_department_id == it_department.id
    assert idea.entered_review_at == now
    assert idea.review_due_at == now + timedelta(days=it_department.review_sla_days)
    assert idea.escalation_level == 0
    assigned = db.session.scalars(sa.select(Notification).where(
        Notification.kind == NotificationKind.REVIEW_ASSIGNED.value)).all()
    assert [n.user_id for n in assigned] == [manager.id]


def test_a_manager_fast_tracks_only_with_a_note(author, manager, it_department):
    idea = make_idea(author, it_department)
    with pytest.raises(TransitionError, match="note"):
        workflow.transition(idea, IdeaStatus.IN_REVIEW, manager)
    workflow.transition(idea, IdeaStatus.IN_REVIEW, manager, reason="Urgent for the audit.")
    assert idea.status == "in_review"


@pytest.mark.parametrize("status", list(IdeaStatus))
def test_policy_and_table_agree(status, author, manager, other_manager, admin, employee,
                                it_department):
    """The buttons the policy offers are exactly the changes the table accepts."""
    idea = make_idea(author, it_department, status=status.value)
    actions = {
        "idea.withdraw": [IdeaStatus.WITHDRAWN],
        "idea.start": [IdeaStatus.IN_PROGRESS],
        "idea.implement": [IdeaStatus.IMPLEMENTED],
        "idea.decide": list(workflow.DECISIONS),
    }
    for user in (author, manager, other_manager, admin, employee):
        for action, targets in actions.items():
            expected = any(workflow.allowed(user, idea, t) for t in targets)
            assert can(user, action, idea) == expected, (user.email, action, status)
        back_to_review = workflow.allowed(user, idea, IdeaStatus.IN_REVIEW)
        assert can(user, "idea.fast_track", idea) == (back_to_review and status == "open")
        assert can(user, "idea.resubmit", idea) == (back_to_review and status == "needs_info")


# --- the table is the only source of its rules ---------------------------------------

def test_the_statuses_peers_vote_in_and_authors_edit_in_are_the_workflows(author, employee,
                                                                          it_department):
    """The policy asks the state machine: an author edits while they may still act on
    their idea (withdraw or resubmit it), peers vote while it is open or in review."""
    assert {IdeaStatus.OPEN, IdeaStatus.NEEDS_INFO} == workflow.EDITABLE
    assert {IdeaStatus.OPEN, IdeaStatus.IN_REVIEW} == workflow.VOTABLE
    for status in IdeaStatus:
        idea = make_idea(author, it_department, status=status.value)
        assert can(author, "idea.edit", idea) == (status in workflow.EDITABLE), status
        assert can(employee, "idea.vote", idea) == (status in workflow.VOTABLE), status


def test_decisions_are_the_managers_changes_of_an_idea_in_review():
    assert workflow.DECISIONS == (IdeaStatus.ACCEPTED, IdeaStatus.NEEDS_INFO,
                                  IdeaStatus.DECLINED, IdeaStatus.DUPLICATE)


@pytest.mark.parametrize("decision", list(workflow.DECISIONS))
def test_the_decision_form_asks_what_the_table_asks(app, decision):
    from ideaboard.review.forms import DecisionForm

    short = "Too short."
    with app.test_request_context(method="POST",
                                  data={"decision": decision.value, "rationale": short}):
        form = DecisionForm(meta={"csrf": False})
        form.validate()
    assert ("rationale" in form.errors) == (len(short) < workflow.min_reason_for(decision))
    # Without a list of matches to choose from, the error sits beside the search box.
    assert ("duplicate_query" in form.errors) == workflow.needs_duplicate_of_for(decision)
    # As the table says today: every decision but plain acceptance is explained.
    assert ("rationale" in form.errors) == (decision != IdeaStatus.ACCEPTED)


def test_the_fast_track_note_is_required_as_the_table_requires_it(app):
    from ideaboard.review.forms import FastTrackForm

    row = workflow.find(IdeaStatus.OPEN, IdeaStatus.IN_REVIEW)
    assert row is not None and row.min_reason > 0
    with app.test_request_context(method="POST", data={"fast-track-note": ""}):
        form = FastTrackForm(meta={"csrf": False}, prefix="fast-track")
        assert not form.validate() and "note" in form.errors
    assert form.note.flags.required  # shown as required on the page too


@pytest.mark.parametrize(("form_name", "field", "source", "target", "needs"), [
    ("StartForm", "owner_query", IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, "needs_owner"),
    ("OutcomeForm", "what_changed", IdeaStatus.IN_PROGRESS, IdeaStatus.IMPLEMENTED,
     "needs_outcome"),
])
def test_the_start_and_outcome_forms_require_what_the_table_requires(app, form_name, field,
                                                                     source, target, needs):
    from ideaboard.review import forms

    row = workflow.find(source, target)
    assert row is not None and getattr(row, needs)  # as the table says today
    with app.test_request_context(method="POST", data={}):
        form = getattr(forms, form_name)(meta={"csrf": False})
        form.validate()
    assert (field in form.errors) == getattr(row, needs)
    assert form[field].flags.required == getattr(row, needs)


def test_the_system_writes_its_own_reason_but_a_person_gives_theirs(author, manager,
                                                                    it_department):
    """The table's reason requirements apply to people; the system (None) is exempt."""
    for row in workflow.TRANSITIONS:
        if row.min_reason:
            assert row.reason_prompt, row.name
    idea = make_idea(author, it_department)
    with pytest.raises(TransitionError, match="Add a note saying why this idea is fast-tracked"):
        workflow.transition(idea, IdeaStatus.IN_REVIEW, manager, reason="   ")
    workflow.transition(idea, IdeaStatus.IN_REVIEW, None)
    assert idea.status == "in_review"

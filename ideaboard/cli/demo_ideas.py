"""Demo ideas at every stage of the core loop, made through the real services.

Every vote, comment, review and decision goes through the same functions the
pages call, so the demo shows exactly what the product does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from ideaboard.accounts.models import EmailFrequency, User
from ideaboard.comments.services import add_comment
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas import ranking
from ideaboard.ideas.models import Idea
from ideaboard.ideas.services import submit_idea
from ideaboard.moderation.services import flag_idea
from ideaboard.org.models import Department
from ideaboard.review import services as review
from ideaboard.review import workflow
from ideaboard.review.escalation import escalate_overdue
from ideaboard.review.models import StatusChange
from ideaboard.voting.services import cast_vote, vote_target


@dataclass
class DemoIdea:
    key: str
    author: str  # e-mail local part
    department: str
    title: str
    body: str
    tags: list[str]
    age_days: int
    anonymous: bool = False
    votes: int = 0  # up votes from colleagues (down votes are added for realism)
    comments: list[str] = field(default_factory=list)


IDEAS = [
    DemoIdea("standing-desks", "employee", "Facilities",
             "Standing desks on request for every floor",
             "Several of us get back pain after long days at the desk.\n\n"
             "**Proposal:** keep a pool of 20 sit-stand desks that anyone can request through "
             "the service desk, first come first served.\n\n- cost: about 300 per desk\n"
             "- fewer sick days from back problems", ["health", "office"], 40, votes=9,
             comments=["Yes please, my back thanks you.", "Could we start with the 3rd floor "
                       "as a pilot? @ops.manager what do you think?"]),
    DemoIdea("password-manager", "peer", "IT Infrastructure",
             "Company password manager for shared accounts",
             "Shared social media and supplier accounts live in a spreadsheet today. A password "
             "manager with team vaults would be safer and faster.", ["security", "tools"], 33,
             votes=8, comments=["The spreadsheet scares me every time I open it."]),
    DemoIdea("meeting-free", "employee", "Human Resources", "Meeting-free Wednesday mornings",
             "Block Wednesday mornings for focused work across the company. Meetings that "
             "really cannot wait are the exception, not the rule.", ["focus", "culture"], 28,
             votes=7, comments=["We tried this in Sales last year and it worked well.",
                                "How would this work for Customer Support shifts?"]),
    DemoIdea("solar", "peer", "Facilities", "Solar panels on the warehouse roof",
             "The warehouse roof is 4,000 m² of flat, south-facing space. Panels there could "
             "cover a large share of our daytime electricity.", ["energy", "sustainability"], 90,
             votes=12, comments=["Our energy bill doubled this year; this pays back fast."]),
    DemoIdea("onboarding-buddy", "employee", "Human Resources",
             "An onboarding buddy for every new hire",
             "Pair each new colleague with a buddy from another team for their first month.",
             ["onboarding", "people"], 75, votes=10),
    DemoIdea("invoice-ocr", "ops.manager", "Finance", "Scan supplier invoices automatically",
             "Supplier invoices are typed in by hand. OCR with a human check would save hours "
             "every week and cut typing errors.", ["automation", "finance"], 120, votes=11,
             comments=["The accounts team would love this."]),
    DemoIdea("ev-chargers", "peer", "Facilities", "Chargers for electric cars in the car park",
             "More colleagues drive electric cars. Four chargers would do for a start.",
             ["energy", "commute"], 60, votes=6),
    DemoIdea("chat-bot", "employee", "Customer Support",
             "A chatbot that answers order-status questions",
             "About a third of our chats are 'where is my order?'. A bot could answer those from "
             "the shipping system and hand the rest to us.", ["automation", "customers"], 20,
             votes=5),
    DemoIdea("quiet-room", "peer", "Facilities", "A quiet room on every floor",
             "Somewhere to take a call or think without the open-plan noise.", ["office", "focus"],
             18, anonymous=True, votes=4, comments=["Even a phone booth would help."]),
    # Written by the manager of IT for IT: reviewed above them, by the managers of Acme Corp.
    DemoIdea("laptop-refresh", "manager", "IT", "Refresh laptops every three years instead of five",
             "Older laptops slow everyone down and cost more in repairs than they save.",
             ["hardware"], 45, votes=6, comments=["Mine takes four minutes to boot."]),
    DemoIdea("pay-transparency", "peer", "Human Resources", "Publish salary bands for every role",
             "People should not have to guess whether they are paid fairly.",
             ["pay", "culture"], 14, anonymous=True, votes=3,
             comments=["Strongly agree.", "This needs Legal's view first."]),
    DemoIdea("print-less", "employee", "Operations",
             "Default printers to double-sided black and white",
             "Most printing does not need colour or a single side. "
             "A default saves paper and toner.",
             ["sustainability", "office"], 50, votes=3),
    DemoIdea("print-less-dup", "peer", "Operations", "Print double-sided by default to save paper",
             "Can we set all printers to print on both sides by default?", ["sustainability"], 12,
             votes=2),
    DemoIdea("four-day", "peer", "Human Resources", "A four-day working week pilot",
             "Run a six-month pilot of a four-day week in one willing department.", ["culture"], 65,
             votes=4),
    DemoIdea("coffee", "employee", "Facilities", "Better coffee in the canteen",
             "The coffee machine on the ground floor has been broken for a month.", ["office"], 30,
             votes=2),
    DemoIdea("dark-mode", "employee", "Software Development", "Dark mode for the internal tools",
             "Easier on the eyes for those of us who stare at them all day.", ["tools"], 3,
             votes=1, comments=["+1, and larger fonts while you are at it."]),
    DemoIdea("api-docs", "peer", "Software Development",
             "One place for all internal API documentation",
             "Today every team documents its APIs somewhere else. One portal would help.",
             ["tools", "documentation"], 6, votes=2),
    DemoIdea("bike-scheme", "employee", "Human Resources", "A cycle-to-work scheme",
             "Help colleagues buy a bike through salary sacrifice.", ["commute", "health"], 2),
    DemoIdea("sales-crm", "peer", "Sales", "Log calls in the CRM straight from our phones",
             "Typing up call notes afterwards takes half an hour a day.", ["tools", "sales"], 9,
             votes=3),
    DemoIdea("recycling", "employee", "Facilities", "Recycling bins next to every printer",
             "Most paper waste is generated at the printer, but the bins are in the kitchen.",
             ["sustainability"], 25, anonymous=True, votes=2),
]


# Ideas a manager sent to review, and how many days ago; the rest of the staged
# ideas below reach review by their votes.
REVIEW_ENTRY_DAYS_AGO = {
    "solar": 85, "invoice-ocr": 110, "onboarding-buddy": 62, "standing-desks": 30,
    "ev-chargers": 52, "four-day": 61, "print-less-dup": 10, "password-manager": 22,
    "meeting-free": 5, "laptop-refresh": 3, "chat-bot": 1,
}


def _people(people: list[User]) -> dict[str, User]:
    return {p.email.split("@", 1)[0]: p for p in people}


def _working_time(day: datetime, rng: random.Random) -> datetime:
    """A time in the working day (08:00 to 18:00 UTC) of ``day``, never in the future:
    people post and decide at work, not all at the minute the seed ran."""
    start = day.replace(hour=8, minute=0, second=0, microsecond=0)
    return min(start + timedelta(minutes=rng.randrange(600), seconds=rng.randrange(60)),
               utcnow() - timedelta(hours=1))


def _backdate(idea: Idea, days: int, rng: random.Random) -> None:
    """Make a just-submitted idea look as old as ``days`` (its timeline too)."""
    created = _working_time(utcnow() - timedelta(days=days), rng)
    idea.created_at = idea.updated_at = created
    ranking.initial_scores(idea)
    db.session.execute(sa.update(StatusChange).where(StatusChange.idea_id == idea.id)
                       .values(created_at=created))
    db.session.flush()


def _vote(voter: User, idea: Idea, value: int) -> None:
    """Vote as the page does, on the idea's ``VoteTarget``, read afresh each time (an
    earlier vote may have sent the idea to review)."""
    target = vote_target(idea.id)
    if target is not None:
        cast_vote(voter, target, value)


def _reviewer(idea: Idea) -> User:
    """The responsible reviewer the workflow names for the idea: never its author."""
    return workflow.reviewers(idea)[0]


def seed_ideas(departments: dict[str, Department], people: list[User], rng: random.Random) -> str:
    """Ideas in every status with votes, comments, reviews and decisions. Flushes."""
    by_name = _people(people)
    for person in people:  # seeding must not fill the outbox with hundreds of e-mails
        person.email_frequency = EmailFrequency.DAILY.value
    db.session.flush()
    now = utcnow()

    def ago(days: int) -> datetime:
        """When something happened ``days`` ago, in that day's working hours."""
        return _working_time(now - timedelta(days=days), rng)

    ideas: dict[str, Idea] = {}
    for demo in IDEAS:
        idea = submit_idea(by_name[demo.author], demo.title, demo.body,
                           departments[demo.department], demo.tags, demo.anonymous)
        _backdate(idea, demo.age_days, rng)
        ideas[demo.key] = idea

    def manager(key: str) -> User:
        return _reviewer(ideas[key])

    # Managers fast-track these (back then), before the peers' votes below.
    for key, days_ago in REVIEW_ENTRY_DAYS_AGO.items():
        review.fast_track(ideas[key], manager(key), "Worth a look now: it affects everyone.",
                          now=ago(days_ago))

    for demo in IDEAS:
        idea, author = ideas[demo.key], by_name[demo.author]
        voters = [p for p in people if p.id != author.id]
        rng.shuffle(voters)
        for voter in voters[: demo.votes]:
            _vote(voter, idea, 1)
        for voter in voters[demo.votes: demo.votes + rng.randint(0, 1)]:
            _vote(voter, idea, -1)
        first = None
        for commenter, text in zip(voters[::-1], demo.comments, strict=False):
            comment = add_comment(commenter, idea, text)
            first = first or comment
        if first is not None and len(demo.comments) > 1:
            add_comment(author, idea, "Thanks, good points. I'll add this to the idea.",
                        parent=first)

    def score(key: str, impact: int, feasibility: int, effort: int, note: str) -> None:
        review.save_review(ideas[key], manager(key), impact=impact, feasibility=feasibility,
                           effort=effort, note=note)

    # Implemented, with a measured outcome.
    for key, value, unit, what in [
        ("solar", Decimal("41000"), "kWh a year generated",
         "120 panels on the warehouse roof since June; they cover 30% of daytime use."),
        ("invoice-ocr", Decimal("520"), "hours a year saved",
         "Invoices are read automatically and checked by a person before payment."),
    ]:
        score(key, 5, 4, 3, "Clear payback; budget available in Q2.")
        review.decide(ideas[key], manager(key), "accepted", "Clear benefit, we will do it.",
                      now=ago(70))
        review.start_work(ideas[key], manager(key), ideas[key].author.email,
                          "Owner confirmed.", now=ago(65))
        review.record_outcome(ideas[key], manager(key), what, value, unit,
                              now=ago(5))
    # In progress and accepted.
    score("onboarding-buddy", 4, 5, 2, "Cheap and loved in the pilot team.")
    review.decide(ideas["onboarding-buddy"], manager("onboarding-buddy"), "accepted",
                  "Cheap to run and every new hire benefits.", now=ago(40))
    review.start_work(ideas["onboarding-buddy"], manager("onboarding-buddy"),
                      by_name["employee"].email, "Erin runs the first cohort.",
                      now=ago(35))
    score("standing-desks", 3, 4, 3, "Fits the facilities budget if we start small.")
    review.decide(ideas["standing-desks"], manager("standing-desks"), "accepted",
                  "A pool of 20 desks to start; we will see how demand develops.",
                  now=ago(10))
    # Needs more information, declined, duplicate, withdrawn.
    review.decide(ideas["ev-chargers"], manager("ev-chargers"), "needs_info",
                  "How many colleagues would use them each day? A short survey would help us "
                  "size this.", now=ago(45))
    score("four-day", 3, 2, 5, "Contract changes needed; not this year.")
    review.decide(ideas["four-day"], manager("four-day"), "declined",
                  "We cannot change contracts this year; we will look at flexible hours "
                  "instead and report back in spring.", now=ago(50))
    review.decide(ideas["print-less-dup"], manager("print-less-dup"), "duplicate",
                  "Same proposal as the earlier idea about double-sided printing; votes and "
                  "followers are merged there.", duplicate_of_id=ideas["print-less"].id,
                  now=ago(8))
    review.withdraw(ideas["coffee"], ideas["coffee"].author,
                    "The machine was repaired last week.", now=ago(20))
    # Waiting in review queues: one overdue enough to escalate, some scored.
    score("password-manager", 5, 4, 3, "Security has wanted this for a while.")
    escalated = escalate_overdue(now=now)
    # One idea flagged for the moderators.
    flag_idea(by_name["peer"], ideas["pay-transparency"],
              "Please check the comments stay respectful; it is a sensitive topic.")
    db.session.flush()

    counts = dict(db.session.execute(sa.select(Idea.status, sa.func.count(Idea.id))
                                     .group_by(Idea.status)).all())
    listed = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return f"{len(IDEAS)} ideas ({listed}; {escalated} escalated)"

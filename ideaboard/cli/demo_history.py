"""Six months of history behind the demo's story, so /analytics and /impact have
something to show: ideas in every department, reviewed at each department's own pace
(some answer in days, some take weeks), decided every way, and implemented with results
in the common units (spelt as people type them). Made through the real services, as
the story is (``demo_ideas``); ``demo_times`` then dates the votes between each idea's
creation and its decision.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from ideaboard.accounts.models import Role, User
from ideaboard.cli.demo_ideas import _backdate, _reviewer, _vote, _working_time
from ideaboard.database import utcnow
from ideaboard.ideas.models import Idea
from ideaboard.ideas.services import submit_idea
from ideaboard.org.models import Department
from ideaboard.review import services as review

HISTORY_DAYS = 180
IDEAS_PER_DEPARTMENT = 9
# Days a department's managers take to answer, on average; the rest take DEFAULT_PACE.
PACE = {"Legal": 19.0, "Finance": 12.0, "Marketing": 8.0, "Customer Support": 2.0,
        "Facilities": 2.5, "Software Development": 3.0}
DEFAULT_PACE = 5.0

VERBS = ["Automate", "Simplify", "Share", "Standardise", "Speed up", "Rethink"]
THINGS = ["the monthly report", "supplier onboarding", "the shared inbox", "travel booking",
          "the weekly stand-up", "desk booking", "the parts inventory", "expense claims",
          "contract templates", "the onboarding checklist", "printer supplies",
          "the customer survey", "holiday requests", "the energy meters", "team offsites"]
RESULTS = [
    ("Fewer manual steps every week.", (40, 600), ("hours a year", "hours/year", "h/yr")),
    ("A recurring cost is gone.", (800, 25000), ("euros a year", "EUR/year")),
    ("Less travel and waste.", (200, 4000), ("kg CO2 a year", "kg CO2/year")),
    ("People find answers faster.", (3, 25), ("percent", "%")),
]
RATIONALES = {
    "declined": "Not this year: the budget is committed and the benefit is unclear; "
                "please raise it again at the next planning round.",
    "needs_info": "Who would use it, and how often? A short note from the teams "
                  "concerned would help us decide.",
}


def seed_history(departments: dict[str, Department], people: list[User],
                 rng: random.Random) -> int:
    """Add the history; returns how many ideas it made. Flushes, never commits."""
    now = utcnow()

    def ago(days: int) -> datetime:
        return _working_time(now - timedelta(days=days), rng)

    made = 0
    titles: set[str] = set()
    for name, department in departments.items():
        staff = [p for p in people if p.department is department and p.role == Role.EMPLOYEE]
        if not staff:
            continue
        colleagues = [p for p in people if p.role == Role.EMPLOYEE]
        for k in range(IDEAS_PER_DEPARTMENT):
            age = rng.randint(12, HISTORY_DAYS)  # whole days: each step on a later day
            author = rng.choice(staff)
            title = _fresh_title(rng, name, titles)
            idea = submit_idea(author, title, f"Proposed by the {name} team. "
                               "It would save time for everyone involved.", department,
                               [], anonymous=k % 7 == 0)
            _backdate(idea, age, rng)
            made += 1
            voters = [p for p in colleagues if p.id != author.id]
            rng.shuffle(voters)
            if rng.random() < 0.25:  # never reached review: only its votes
                for voter in voters[:rng.randint(0, 2)]:
                    _vote(voter, idea, 1)
                continue
            entered = age - rng.randint(1, 3)
            review.fast_track(idea, _reviewer(idea), "Worth a look now.", now=ago(entered))
            for voter in voters[:rng.randint(2, 7)]:
                _vote(voter, idea, 1)
            answered = entered - max(1, round(rng.expovariate(1 / PACE.get(name, DEFAULT_PACE))))
            if answered < 1:
                continue  # still waiting for its managers
            _decide(idea, rng, ago, answered)
    return made


def _fresh_title(rng: random.Random, department: str, used: set[str]) -> str:
    """A title no other idea of the history has: two alike would read as a duplicate."""
    while True:
        title = f"{rng.choice(VERBS)} {rng.choice(THINGS)} in {department}"
        if title not in used:
            used.add(title)
            return title


def _decide(idea: Idea, rng: random.Random, ago, answered: int) -> None:
    manager = _reviewer(idea)
    decision = rng.choices(["accepted", "declined", "needs_info"], [5, 3, 1])[0]
    if decision != "accepted":
        review.decide(idea, manager, decision, RATIONALES[decision], now=ago(answered))
        return
    review.decide(idea, manager, "accepted", "", now=ago(answered))
    started = answered - rng.randint(1, 10)
    if started < 1 or rng.random() < 0.2:
        return  # accepted, waiting to start
    review.start_work(idea, manager, manager.email, "", now=ago(started))
    done = started - rng.randint(5, 40)
    if done < 1:
        return  # in progress
    what, (low, high), spellings = rng.choice(RESULTS)
    value = Decimal(rng.randint(low, high))
    if rng.random() < 0.15:  # hard to measure
        review.record_outcome(idea, manager, "People like it; we did not measure it.",
                              None, None, now=ago(done))
    else:
        review.record_outcome(idea, manager, what, value, rng.choice(spellings),
                              now=ago(done))

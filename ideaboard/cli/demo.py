"""Demo data: a believable company to explore Ideaboard with.

Deterministic (a fixed random seed), so screenshots and docs stay stable.
"""

from __future__ import annotations

import random

import sqlalchemy as sa

from ideaboard.accounts.models import Role, User
from ideaboard.accounts.passwords import hash_password
from ideaboard.audit.services import record
from ideaboard.cli.demo_campaigns import seed_campaigns
from ideaboard.cli.demo_history import seed_history
from ideaboard.cli.demo_ideas import seed_ideas
from ideaboard.cli.demo_times import date_the_story
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.org.models import Department
from ideaboard.org.services import slugify

# bandit B105: deliberate; the demo password is documented in the README.
DEMO_PASSWORD = "ideaboard-demo"  # nosec B105
DEMO_DOMAIN = "acme.example"
DEMO_ACCOUNTS = [
    (f"admin@{DEMO_DOMAIN}", "admin (Ada Lindqvist)"),
    (f"manager@{DEMO_DOMAIN}", "manager of IT (Max Hartmann)"),
    (f"ops.manager@{DEMO_DOMAIN}", "manager of Operations (Olivia Mensah)"),
    (f"employee@{DEMO_DOMAIN}", "employee in IT (Erin Walsh)"),
    (f"peer@{DEMO_DOMAIN}", "employee in Marketing (Pat Moreau)"),
]

# (name, parent name, review threshold, SLA days, description)
DEPARTMENTS = [
    ("Acme Corp", None, 8, 21, "The whole company."),
    ("Marketing", "Acme Corp", 5, 14, "Brand, campaigns and market research."),
    ("Sales", "Acme Corp", 5, 10, "Field and inside sales."),
    ("Human Resources", "Acme Corp", 4, 14, "People, hiring, learning and wellbeing."),
    ("IT", "Acme Corp", 5, 14, "Everything with a plug or a password."),
    ("IT Infrastructure", "IT", 4, 10, "Networks, servers, laptops and the service desk."),
    ("Software Development", "IT", 4, 10, "Internal tools and integrations."),
    ("Finance", "Acme Corp", 5, 14, "Accounting, payroll, purchasing and budgets."),
    ("Operations", "Acme Corp", 5, 14, "Making, moving and maintaining."),
    ("Logistics", "Operations", 4, 10, "Warehouses, shipping and the fleet."),
    ("Facilities", "Operations", 3, 7, "Buildings, energy, canteen and safety."),
    ("Legal", "Acme Corp", 5, 21, "Contracts, compliance and privacy."),
    ("Customer Support", "Acme Corp", 4, 7, "Phones, chat and the help centre."),
]

FIRST_NAMES = [
    "Aisha", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi",
    "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rafael", "Sofia", "Tomas", "Uma", "Victor",
    "Wen", "Xavier", "Yara", "Zoe", "Amir", "Bea", "Chen", "Dana", "Emil", "Fatima", "Gil", "Hana",
    "Ivan", "Julia", "Kofi", "Lena", "Marco", "Nadia", "Omar", "Paula", "Ravi", "Sara", "Theo",
    "Ulla", "Vera", "Will", "Yusuf", "Zara",
]
LAST_NAMES = [
    "Okafor", "Schmidt", "Rossi", "Patel", "Novak", "Haddad", "Kim", "Dubois", "Silva", "Berg",
    "Mensah", "Walsh", "Tanaka", "Moreau", "Costa", "Ivanova", "Larsen", "Nguyen", "Fischer",
    "Garcia", "Jansen", "Ali", "Kowalski", "Meyer", "Lopez", "Sato", "Brown", "Hughes", "Kaya",
    "Lindqvist",
]

# Fixed people the README names (email local part, name, department, role, manages).
NAMED_PEOPLE = [
    ("admin", "Ada Lindqvist", "Acme Corp", Role.ADMIN, None),
    ("manager", "Max Hartmann", "IT", Role.MANAGER, ["IT", "IT Infrastructure"]),
    ("ops.manager", "Olivia Mensah", "Operations", Role.MANAGER, ["Operations", "Facilities"]),
    ("employee", "Erin Walsh", "IT", Role.EMPLOYEE, None),
    ("peer", "Pat Moreau", "Marketing", Role.EMPLOYEE, None),
    ("ceo", "Carmen Ortega", "Acme Corp", Role.MANAGER, ["Acme Corp"]),
]


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def seed(rng: random.Random | None = None) -> str:
    """Fill an empty database; returns a one-paragraph summary. Flushes, never commits."""
    # bandit B311: a seeded generator on purpose; demo data must be reproducible.
    rng = rng or random.Random(2026)  # nosec B311
    started = utcnow()  # rows written from here on are dated by the story (demo_times)
    departments = _seed_departments()
    people = _seed_people(departments, rng)
    record(None, "demo.seed", object_type="system",
           after={"departments": len(departments), "people": len(people)})
    db.session.flush()
    ideas = seed_ideas(departments, people, rng)
    history = seed_history(departments, people, rng)
    date_the_story(rng, utcnow(), started)
    campaigns = seed_campaigns(departments, people)
    return (f"Seeded {len(departments)} departments, {len(people)} people, {ideas}, "
            f"{history} ideas of the last six months, and {campaigns} campaigns.")


def _seed_departments() -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for name, parent, threshold, sla, description in DEPARTMENTS:
        department = Department(name=name, slug=slugify(name),
                                parent=departments.get(parent) if parent is not None else None,
                                review_threshold=threshold, review_sla_days=sla,
                                description=description)
        db.session.add(department)
        departments[name] = department
    db.session.flush()
    return departments


def _seed_people(departments: dict[str, Department], rng: random.Random) -> list[User]:
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: scrypt is slow on purpose
    people: list[User] = []
    used: set[str] = set()

    def add(local: str, name: str, department: str, role: Role, manages=None) -> User:
        user = User(email=f"{local}@{DEMO_DOMAIN}", display_name=name,
                    password_hash=password_hash, role=role.value,
                    department=departments[department])
        if manages:
            user.managed_departments = [departments[d] for d in manages]
        db.session.add(user)
        used.add(local)
        people.append(user)
        return user

    for local, name, department, role, manages in NAMED_PEOPLE:
        add(local, name, department, role, manages)
    managed = {d for *_, manages in NAMED_PEOPLE if manages for d in manages}
    names = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    for department in departments:
        if department == "Acme Corp":
            continue
        staff = rng.randint(4, 5)
        if department not in managed:
            first, last = names.pop()
            add(f"{first}.{last}".lower(), f"{first} {last}", department, Role.MANAGER,
                [department])
        for _ in range(staff):
            first, last = names.pop()
            local = f"{first}.{last}".lower()
            if local not in used:
                add(local, f"{first} {last}", department, Role.EMPLOYEE)
    db.session.flush()
    return people

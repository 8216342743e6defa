"""Fill a database with a large company for the benchmarks: fast, realistic, exact.

At ``scale=1``: 10,000 people in about 30 departments, 100,000 ideas over three years,
1,000,000 votes, 300,000 comments, with followers, notifications, tags and the idea
timelines. Everything is proportional to ``scale`` (0.01 gives 1,000 ideas).

The counters on each idea (upvotes, downvotes, comment_count, follower_count) equal
the rows, and its sort keys come from ``ideaboard.ideas.ranking``'s own functions;
each user's ``unread_notifications`` equals their unread rows. Bodies are rendered by
``ideaboard.sanitize.render_markdown`` once per distinct text and reused.

Rows are written in bulk: SQLAlchemy Core ``insert()`` with executemany batches, or
``COPY`` through psycopg on PostgreSQL. Ids are assigned here, so rows can refer to
each other without reading anything back; PostgreSQL's sequences are moved past them
at the end. The schema must come from the migrations (``flask db upgrade``) so the
full-text search structures exist: on SQLite the FTS5 insert trigger is dropped for
the load and the index rebuilt afterwards with FTS5's 'rebuild' command.

Known accounts (password ``BENCH_PASSWORD``): ``bench-admin@bench.example``,
``bench-manager@bench.example`` (manages the busiest department) and
``bench-user@bench.example`` (an employee with notifications). One idea has exactly
50 comments, one exactly 300 (its comments are paged: the first page and a later one
cost the same) and two ideas are kept for the vote benchmark; find them by their titles.

Usage: ``python -m bench.generate --db-url sqlite:////tmp/bench.sqlite --scale 0.01``.
"""

from __future__ import annotations

import argparse
import functools
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from ideaboard import sanitize
from ideaboard.accounts.passwords import hash_password
from ideaboard.cli.demo import FIRST_NAMES, LAST_NAMES
from ideaboard.database import utcnow
from ideaboard.ideas import ranking

# bandit B105: deliberate; a throwaway benchmark database, documented in docs/PERFORMANCE.md.
BENCH_PASSWORD = "bench-password-2026"  # nosec B105
BENCH_DOMAIN = "bench.example"
ADMIN_EMAIL = f"bench-admin@{BENCH_DOMAIN}"
MANAGER_EMAIL = f"bench-manager@{BENCH_DOMAIN}"
# The one campaign, answered by every idea of the busiest department (the first after
# the root, id 2).
CAMPAIGN_ID = 1
BUSIEST_DEPARTMENT_ID = 2
USER_EMAIL = f"bench-user@{BENCH_DOMAIN}"
DETAIL_TITLE = "Benchmark: an idea with exactly fifty comments"
VOTE_TITLES = ("Benchmark: vote target one", "Benchmark: vote target two")
DETAIL_COMMENTS = 50
BUSY_TITLE = "Benchmark: an idea with exactly three hundred comments"
BUSY_COMMENTS = 300
SEARCH_WORD = "coffee"  # in about one title in sixty

FULL_SIZE = {"users": 10_000, "ideas": 100_000, "votes": 1_000_000, "comments": 300_000}
BATCH = 10_000
SPAN = timedelta(days=3 * 365)  # the company has used Ideaboard for three years

# (name, parent index, weight): the busiest department comes first after the root.
DEPARTMENTS = [
    ("Bench Corp", None, 0.3),
    ("Customer Support", 0, 6.0),
    ("Operations", 0, 2.0),
    ("Engineering", 0, 2.5),
    ("Sales", 0, 2.0),
    ("Finance", 0, 1.0),
    ("People", 0, 1.0),
    ("Marketing", 0, 1.2),
    ("Legal", 0, 0.4),
    ("Support Tier 1", 1, 3.0),
    ("Support Tier 2", 1, 1.5),
    ("Logistics", 2, 2.0),
    ("Facilities", 2, 1.0),
    ("Manufacturing", 2, 3.0),
    ("Procurement", 2, 0.8),
    ("Platform", 3, 1.5),
    ("Product Engineering", 3, 2.0),
    ("IT Services", 3, 1.2),
    ("Security", 3, 0.6),
    ("Data", 3, 0.8),
    ("Field Sales", 4, 1.8),
    ("Inside Sales", 4, 1.2),
    ("Partnerships", 4, 0.5),
    ("Accounting", 5, 0.7),
    ("Payroll", 5, 0.3),
    ("Recruiting", 6, 0.6),
    ("Learning", 6, 0.4),
    ("Brand", 7, 0.5),
    ("Growth", 7, 0.6),
    ("Compliance", 8, 0.3),
]
BUSY_DEPARTMENT = 1

# The demo's names, so a generated company reads like the demo's.
FIRST, LAST = FIRST_NAMES, LAST_NAMES

TOPICS = """coffee machines|parking spaces|onboarding checklists|meeting rooms|expense reports|
the intranet search|shift handovers|warehouse labels|customer callbacks|invoice approvals|
laptop refreshes|password resets|travel bookings|canteen menus|energy use|printer queues|
training budgets|release notes|sales forecasts|support macros|forklift charging|bike storage|
recycling bins|desk booking|VPN access|holiday requests|spare parts|quality checks|
the service desk|supplier onboarding|contract templates|team offsites|code reviews|
test environments|incident reviews|shipping labels|returns handling|mentoring pairs|
night shift breaks|visitor badges|stock counts|demo accounts|pricing sheets|job adverts|
payroll questions|safety walks|delivery slots|chat transcripts|data exports|dashboard alerts|
cold storage|loading docks|office plants|standing desks|lunch and learns|water coolers|
phone trees|access cards|field visits|product samples""".replace("\n", "").split("|")
VERBS = ["Simplify", "Automate", "Rethink", "Share", "Speed up", "Standardise", "Fix",
         "Measure", "Digitise", "Open up", "Schedule", "Pilot new", "Cut waste in",
         "Label", "Move", "Track"]
TAGS = [
    "quick-win", "cost-saving", "safety", "sustainability", "customer-experience", "automation",
    "wellbeing", "tooling", "process", "training", "security", "quality", "hiring", "onboarding",
    "energy", "travel", "office", "remote", "reporting", "data",
]

SENTENCES = [
    "Today this takes **three separate steps** and nobody owns the last one.",
    "Colleagues on the late shift lose about twenty minutes a week to it.",
    "A small change here would save money *and* a lot of frustration.",
    "We tried a workaround in our team last quarter and it held up well.",
    "The current process was designed when we were a tenth of our size.",
    "Customers notice the delay, and they tell us so in every survey.",
    "It needs no new software: the tools we already pay for can do it.",
    "I am happy to run a pilot for a month and report back with numbers.",
    "Other sites solved the same problem years ago; we could copy them.",
    "The savings grow with every new hire, so the sooner the better.",
    "See the notes from the last retrospective at https://wiki.bench.example/retro.",
    "Nobody is to blame: the process simply grew around an old constraint.",
]
LIST_ITEMS = ["agree on one owner", "write the steps down", "measure the time it takes",
              "try it for four weeks", "ask the people who do it daily", "remove one approval",
              "put the form online", "review it after a quarter"]
# What implemented ideas measured (the impact ledger, /impact): the unit spelt several
# ways, as people type it, so the totals show the admin's unit aliases at work.
OUTCOMES = [
    ("Saves each team a weekly chore.", (20, 400), ("hours a year", "hours/year", "h/yr")),
    ("Cut a recurring cost.", (500, 20_000), ("euros a year", "EUR/year")),
    ("Less waste and travel.", (50, 3_000), ("kg CO2 a year", "kg CO2/year")),
    ("People answer faster.", (1, 30), ("percent", "%")),
    ("Hard to measure, but people like it.", None, ()),
]
COMMENT_TEXTS = [
    "+1, this bites our team every week.",
    "We tried something similar in Logistics; happy to share what we learned.",
    "How would this work for the night shift?",
    "I like it, but who would own it after the pilot?",
    "Good idea. The cost is tiny compared to the time we lose today.",
    "Could we start with one site and measure before rolling it out?",
    "This is already possible with the current tool, see the **settings** page.",
    "Strongly agree. Also see the older idea about the same problem.",
    "Not sure this is worth it: the problem only happens twice a year.",
    "Let's make sure Legal has a look at it first.",
    "Happy to help with the pilot.\n\n- I can collect the numbers\n- and write the summary",
    "What would it cost? A rough number would help the managers decide.",
]


@dataclass
class Report:
    """What was generated: row counts, seconds per step, and the known ids."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    detail_idea_id: int = 0
    vote_idea_ids: tuple[int, ...] = ()
    busy_department_slug: str = ""

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def summary(self) -> str:
        counts = ", ".join(f"{n:,} {name}" for name, n in self.counts.items())
        steps = ", ".join(f"{name} {s:.1f}s" for name, s in self.seconds.items())
        return f"Generated {counts} in {self.total_seconds:.1f}s ({steps})."


def sizes(scale: float) -> dict[str, int]:
    """Row targets for ``scale``, at least enough for the fixed accounts and ideas."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    users = max(12, round(FULL_SIZE["users"] * scale))
    ideas = max(10, round(FULL_SIZE["ideas"] * scale))
    comments = max(DETAIL_COMMENTS + BUSY_COMMENTS + 10, round(FULL_SIZE["comments"] * scale))
    votes = max(10, round(FULL_SIZE["votes"] * scale))
    return {"users": users, "ideas": ideas, "votes": votes, "comments": comments}


def apportion(total: int, weights: Sequence[float], caps: Sequence[int]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights``, none above its cap.

    Shares that would pass their cap are pinned at it and the rest is shared again
    among the others; the last unit goes by the largest remainder, so the sum is exact.
    """
    alloc = [0] * len(weights)
    active = [i for i, cap in enumerate(caps) if cap > 0]
    remaining = total
    while remaining > 0 and active:
        weight_sum = sum(weights[i] for i in active)
        shares = {i: remaining * weights[i] / weight_sum for i in active}
        full = [i for i in active if alloc[i] + shares[i] >= caps[i]]
        if full:
            for i in full:
                remaining -= caps[i] - alloc[i]
                alloc[i] = caps[i]
            active = [i for i in active if alloc[i] < caps[i]]
            continue
        floors = {i: int(shares[i]) for i in active}
        for i in active:
            alloc[i] += floors[i]
        left = remaining - sum(floors.values())
        for i in sorted(active, key=lambda i: shares[i] - floors[i], reverse=True)[:left]:
            alloc[i] += 1
        remaining = 0
    if remaining > 0:
        raise ValueError(f"cannot place {total}: the caps allow only {total - remaining}")
    return alloc


# --- writing rows -------------------------------------------------------------------

def bulk_insert(connection: sa.Connection, table: sa.Table, columns: Sequence[str],
                rows: Iterable[tuple]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order): COPY on PostgreSQL, else executemany.

    Returns the number of rows written.
    """
    count = 0
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection  # psycopg, in this transaction
        names = ", ".join(columns)
        with (driver.cursor() as cursor,
              cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    statement = table.insert()
    batch: list[dict] = []
    for row in rows:
        batch.append(dict(zip(columns, row, strict=True)))
        if len(batch) >= BATCH:
            connection.execute(statement, batch)
            count += len(batch)
            batch = []
    if batch:
        connection.execute(statement, batch)
        count += len(batch)
    return count


def _reset_sequences(connection: sa.Connection, metadata: sa.MetaData) -> None:
    """Move PostgreSQL's id sequences past the ids written here."""
    for table in metadata.sorted_tables:
        if "id" not in table.c or not isinstance(table.c.id.type, sa.Integer):
            continue
        sequence = connection.scalar(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                     {"t": table.name})
        if sequence:
            connection.execute(
                sa.text(f"SELECT setval(:s, (SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}),"
                        " false)"), {"s": sequence})


# --- the SQLite full-text index -------------------------------------------------------

FTS_INSERT_TRIGGER = "ideas_fts_after_insert"


def _sqlite_fts_trigger_sql(connection: sa.Connection) -> str | None:
    return connection.scalar(sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                     "AND name = :n"), {"n": FTS_INSERT_TRIGGER})


# --- the company ----------------------------------------------------------------------

@dataclass
class _Idea:
    created_at: datetime
    author_id: int
    department: int  # index into DEPARTMENTS
    title: str
    body: int  # index into the rendered bodies
    anonymous: bool
    hidden: bool
    up: int = 0
    down: int = 0
    commenters: list[int] = field(default_factory=list)  # one author per comment
    parents: list[int | None] = field(default_factory=list)  # index of the parent comment
    status: str = "open"
    queue_department: int | None = None
    escalation_level: int = 0
    entered_review_at: datetime | None = None
    review_due_at: datetime | None = None
    escalates_at: datetime | None = None  # the escalation job's next step
    decided_at: datetime | None = None
    owner_id: int | None = None
    duplicate_of: int | None = None
    no_vote_from: frozenset[int] = frozenset()
    tags: list[int] = field(default_factory=list)
    outcome: tuple[str, float | None, str | None] | None = None  # implemented: md, value, unit


@functools.cache
def _rendered(markdown: str) -> str:
    return sanitize.render_markdown(markdown)


class Generator:
    """One generation run; ``run(connection)`` writes everything in a few transactions."""

    def __init__(self, *, scale: float = 1.0, seed: int = 2026, now: datetime | None = None,
                 log: Callable[[str], None] = print):
        self.size = sizes(scale)
        # bandit B311: a seeded generator on purpose; benchmark data must be reproducible.
        self.rng = random.Random(seed)  # nosec B311
        # The outcomes draw from their own stream: adding them left every other row as it was.
        self.outcome_rng = random.Random(seed + 1)  # nosec B311
        self.now = now or utcnow()
        self.start = self.now - SPAN
        self.log = log
        self.report = Report()

    # -- planning (in memory) ------------------------------------------------------

    def _plan_departments(self) -> None:
        count = max(4, min(len(DEPARTMENTS), self.size["users"] // 5))
        self.departments = DEPARTMENTS[:count]
        self.thresholds = [4 + self.rng.randint(0, 4) for _ in self.departments]
        self.sla_days = [self.rng.choice((7, 10, 14, 21)) for _ in self.departments]

    def _plan_users(self) -> None:
        n = self.size["users"]
        weights = [w for _, _, w in self.departments]
        # Users 1-3 are the known accounts; the manager works in the busy department.
        self.user_department = [-1, *self.rng.choices(range(len(self.departments)), weights,
                                                      k=n)]
        self.user_department[1:4] = [0, BUSY_DEPARTMENT, BUSY_DEPARTMENT]
        self.names = [""] + [f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
                             for _ in range(n)]
        self.names[1:4] = ["Bench Admin", "Bench Manager", "Bench User"]
        self.roles = ["", "admin", "manager"] + ["employee"] * (n - 2)
        # A second admin per 5,000 people, as a large firm has.
        for uid in range(4, 4 + n // 5000):
            self.roles[uid] = "admin"
        members: dict[int, list[int]] = {}
        for uid in range(1, n + 1):
            members.setdefault(self.user_department[uid], []).append(uid)
        self.managers: dict[int, list[int]] = {BUSY_DEPARTMENT: [2]}
        for dept in range(len(self.departments)):
            if dept == BUSY_DEPARTMENT:
                continue
            pool = [u for u in members.get(dept, []) if self.roles[u] == "employee"]
            manager = pool[0] if pool else self.rng.choice(
                [u for u in range(4, n + 1) if self.roles[u] == "employee"])
            self.roles[manager] = "manager"
            self.managers[dept] = [manager]

    def _plan_ideas(self) -> None:
        n, users = self.size["ideas"], self.size["users"]
        weights = [w for _, _, w in self.departments]
        span = SPAN.total_seconds()
        # More ideas as adoption grows: the density rises over the three years.
        moments = sorted(self.rng.random() ** 0.6 for _ in range(n))
        self.ideas: list[_Idea] = []
        for i, moment in enumerate(moments):
            author = self.rng.randint(1, users)
            own = self.user_department[author]
            dept = own if self.rng.random() < 0.7 else self.rng.choices(
                range(len(self.departments)), weights)[0]
            self.ideas.append(_Idea(
                created_at=self.start + timedelta(seconds=moment * span),
                author_id=author, department=dept,
                title=f"{self.rng.choice(VERBS)} {self.rng.choice(TOPICS)}"
                      f" ({dept + 1}-{i % 97})",
                body=self.rng.randrange(len(self.bodies)),
                anonymous=self.rng.random() < 0.08, hidden=self.rng.random() < 0.003,
                tags=self.rng.sample(range(len(TAGS)), self.rng.choice((0, 1, 1, 2, 3))),
            ))
        # The bench user wrote a few recent ideas, so colleagues' comments notify them.
        for idea in self.ideas[-max(5, n // 2000) * 7::7]:
            idea.author_id = 3
        # The newest ideas are the known ones: one with fifty comments, two to vote on,
        # one with three hundred comments.
        detail, *targets = self.ideas[-1], self.ideas[-2], self.ideas[-3]
        detail.title, detail.hidden = DETAIL_TITLE, False
        self.ideas[-4].title, self.ideas[-4].hidden = BUSY_TITLE, False
        for idea, title in zip(targets, VOTE_TITLES, strict=True):
            idea.title, idea.hidden = title, False
            if idea.author_id == 3:
                idea.author_id = 4
            idea.no_vote_from = frozenset({3})
        self.report.detail_idea_id = n
        self.report.vote_idea_ids = (n - 1, n - 2)

    def _plan_activity(self) -> None:
        n, users = len(self.ideas), self.size["users"]
        popularity = [self.rng.lognormvariate(0, 1.3) for _ in range(n)]
        caps = [users - 1 - len(idea.no_vote_from) for idea in self.ideas]
        fixed = {n - 2: 3, n - 3: 3}  # the vote targets: few votes, far below threshold
        for i in fixed:
            caps[i] = 0
        votes = apportion(self.size["votes"] - sum(fixed.values()), popularity, caps)
        for i, count in fixed.items():
            votes[i] = count
        for i, idea in enumerate(self.ideas):
            if i in fixed:
                idea.up, idea.down = 2, 1
                continue
            share = self.rng.betavariate(4, 1.5)
            idea.up = sum(self.rng.random() < share for _ in range(votes[i]))
            idea.down = votes[i] - idea.up
        talk = [p ** 0.8 * self.rng.lognormvariate(0, 0.5) for p in popularity]
        caps = [400] * n
        caps[n - 1] = caps[n - 4] = 0
        comments = apportion(self.size["comments"] - DETAIL_COMMENTS - BUSY_COMMENTS, talk,
                             caps)
        comments[n - 1], comments[n - 4] = DETAIL_COMMENTS, BUSY_COMMENTS
        for idea, count in zip(self.ideas, comments, strict=True):
            top_level: list[int] = []
            for k in range(count):
                idea.commenters.append(self.rng.randint(1, users))
                if top_level and self.rng.random() < 0.3:
                    idea.parents.append(self.rng.choice(top_level))
                else:
                    idea.parents.append(None)
                    top_level.append(k)

    def _plan_statuses(self) -> None:
        managers = self.managers
        for i, idea in enumerate(self.ideas):
            if idea.title in (DETAIL_TITLE, BUSY_TITLE) or idea.title in VOTE_TITLES:
                continue
            age = self.now - idea.created_at
            dept = idea.department
            if idea.up - idea.down >= self.thresholds[dept]:
                entered = idea.created_at + (age / 3) * self.rng.random() ** 2
                due = entered + timedelta(days=self.sla_days[dept])
                waiting = age < timedelta(days=14) or (
                    age < timedelta(days=30) and self.rng.random() < 0.3)
                if waiting:
                    idea.status = "needs_info" if self.rng.random() < 0.1 else "in_review"
                    idea.entered_review_at, idea.review_due_at = entered, due
                    idea.queue_department = dept
                    if idea.status == "in_review":
                        idea.escalates_at = due
                    if due < self.now and idea.status == "in_review":  # escalated a level up
                        idea.escalation_level = 1
                        idea.queue_department = self.departments[dept][1]
                        # It keeps its due date; the next step moves on.
                        idea.escalates_at = due + timedelta(days=self.sla_days[dept])
                    continue
                idea.entered_review_at = entered
                idea.decided_at = entered + (self.now - entered) * self.rng.random() * 0.3
                idea.status = self.rng.choices(
                    ["accepted", "in_progress", "implemented", "declined"], [2, 2, 3, 2.5])[0]
                if idea.status != "declined":
                    idea.owner_id = managers[dept][0]
                if idea.status == "implemented":
                    idea.outcome = self._outcome()
            elif age > timedelta(days=14):
                roll = self.rng.random()
                if roll < 0.06:
                    idea.status = "withdrawn"
                elif roll < 0.12 and i > 0:
                    idea.status, idea.duplicate_of = "duplicate", self.rng.randrange(i) + 1
                elif roll < 0.20:
                    idea.status = "declined"
                if idea.status != "open":
                    idea.decided_at = idea.created_at + age * self.rng.random() * 0.2

    def _outcome(self) -> tuple[str, float | None, str | None]:
        text, span, spellings = self.outcome_rng.choice(OUTCOMES)
        if span is None:
            return text, None, None
        return (text, round(self.outcome_rng.uniform(*span), 2),
                self.outcome_rng.choice(spellings))

    def _render_texts(self) -> None:
        bodies = []
        for k in range(48):
            sentences = self.rng.sample(SENTENCES, 4)
            items = self.rng.sample(LIST_ITEMS, 3)
            body = (" ".join(sentences[:2]) + "\n\n" + "\n".join(f"- {i}" for i in items)
                    + "\n\n" + " ".join(sentences[2:]))
            if k % 6 == 0:
                body += f"\n\nAnd yes, the {SEARCH_WORD} on floor {k % 5 + 1} matters too."
            bodies.append(body)
        self.bodies = [(md, html, sanitize.excerpt(html))
                       for md in bodies for html in [sanitize.render_markdown(md)]]
        self.comment_bodies = [(md, sanitize.render_markdown(md)) for md in COMMENT_TEXTS]

    def _timed(self, name: str, step: Callable[[], int | None]) -> None:
        started = time.perf_counter()
        count = step()
        self.report.seconds[name] = time.perf_counter() - started
        if count is not None:
            self.report.counts[name] = count
        self.log(f"  {name}: {self.report.seconds[name]:.1f}s"
                 + (f" ({count:,} rows)" if count is not None else ""))

    def plan(self) -> None:
        self._render_texts()
        self._plan_departments()
        self._plan_users()
        self._plan_ideas()
        self._plan_activity()
        self._plan_statuses()
        self._plan_notifications()
        self.report.busy_department_slug = _slug(self.departments[BUSY_DEPARTMENT][0])

    # -- writing -----------------------------------------------------------------

    def run(self, engine: sa.Engine) -> Report:
        """Plan in memory, then write every table; the database must have no users yet."""
        from ideaboard.extensions import db

        self.tables = db.metadata.tables
        with engine.connect() as connection:
            if connection.scalar(sa.text("SELECT COUNT(*) FROM users")):
                raise RuntimeError("the database already has users; generate into an empty one")
        self._timed("plan", self.plan)
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                # A bulk load into a throwaway database: no fsync, and a cache large
                # enough that index pages are not read back from disk on every row.
                # Set on the driver's connection: SQLite refuses them in a transaction.
                _sqlite_pragmas(connection, synchronous="OFF", cache_size=-524288)
            self._write_all(connection)
            if engine.dialect.name == "sqlite":
                _sqlite_pragmas(connection, synchronous="NORMAL", cache_size=-2000)
        if engine.dialect.name == "postgresql":
            self._timed("vacuum analyze", lambda: _vacuum_analyze(engine))
        return self.report

    def _write_all(self, connection: sa.Connection) -> None:
        """Every table, in a few transactions on one connection."""
        with connection.begin():
            self._timed("departments", lambda: self._write_departments(connection))
            self._timed("users", lambda: self._write_users(connection))
            self._timed("tags", lambda: bulk_insert(
                connection, self.tables["tags"], ("id", "name"),
                ((k + 1, name) for k, name in enumerate(TAGS))))
        with connection.begin():
            self._write_ideas_and_search_index(connection)
            self._timed("campaigns", lambda: self._write_campaign(connection))
        with connection.begin():
            self._timed("idea_tags", lambda: self._write_idea_tags(connection))
            self._timed("status_changes", lambda: self._write_status_changes(connection))
        with connection.begin():
            self._timed("votes", lambda: self._write_votes(connection))
        with connection.begin():
            self._timed("comments", lambda: self._write_comments(connection))
            self._timed("follows", lambda: self._write_follows(connection))
            self._timed("notifications", lambda: self._write_notifications(connection))
        if connection.dialect.name == "postgresql":
            from ideaboard.extensions import db

            with connection.begin():
                _reset_sequences(connection, db.metadata)

    def _write_ideas_and_search_index(self, connection: sa.Connection) -> None:
        """Write the ideas; on SQLite, index them for search in one FTS5 'rebuild' after.

        The FTS5 insert trigger is dropped for the load and put back as it was, so the
        text is tokenised in one pass instead of row by row.
        """
        trigger = None
        if connection.dialect.name == "sqlite":
            trigger = _sqlite_fts_trigger_sql(connection)
            if trigger:
                connection.exec_driver_sql(f"DROP TRIGGER {FTS_INSERT_TRIGGER}")
        self._timed("ideas", lambda: self._write_ideas(connection))
        if trigger:
            connection.exec_driver_sql(trigger)
            self._timed("search index", lambda: _fts_rebuild(connection))

    def _write_campaign(self, connection) -> int:
        """One open campaign, sponsored by the bench manager and answered by every idea
        of the busiest department: the campaign page's hardest case (issue 17)."""
        bulk_insert(connection, self.tables["campaigns"],
                    ("id", "title", "brief_md", "brief_html", "sponsor_id",
                     "audience_department_id", "department_id", "opens_at", "closes_at",
                     "state", "created_at", "updated_at"),
                    [(CAMPAIGN_ID, "How do we halve the time to onboard a customer?",
                      "Tell us where the time goes.", _rendered("Tell us where the time goes."),
                      2, None, BUSIEST_DEPARTMENT_ID, self.now - timedelta(days=30),
                      self.now + timedelta(days=30), "open", self.now - timedelta(days=31),
                      self.now - timedelta(days=31))])
        ideas, funnel = self.tables["ideas"], self.tables["campaign_funnel"]
        answers = connection.execute(sa.update(ideas).where(
            ideas.c.department_id == BUSIEST_DEPARTMENT_ID).values(campaign_id=CAMPAIGN_ID)
        ).rowcount
        # Its kept funnel (campaigns.models.CampaignFunnel), as the app keeps it.
        connection.execute(funnel.insert().from_select(
            ["campaign_id", "status", "ideas"],
            sa.select(ideas.c.campaign_id, ideas.c.status, sa.func.count())
            .where(ideas.c.campaign_id == CAMPAIGN_ID, ideas.c.hidden.is_(False))
            .group_by(ideas.c.campaign_id, ideas.c.status)))
        return answers

    def _write_departments(self, connection) -> int:
        rows = []
        for k, (name, parent, _w) in enumerate(self.departments):
            rows.append((k + 1, name, _slug(name), f"The {name} department.",
                         None if parent is None else parent + 1, self.thresholds[k],
                         self.sla_days[k], self.start - timedelta(days=30)))
        return bulk_insert(connection, self.tables["departments"],
                           ("id", "name", "slug", "description", "parent_id",
                            "review_threshold", "review_sla_days", "created_at"), rows)

    def _write_users(self, connection) -> int:
        password = hash_password(BENCH_PASSWORD)  # one hash: scrypt is slow on purpose
        fixed = {1: ADMIN_EMAIL, 2: MANAGER_EMAIL, 3: USER_EMAIL}
        created = self.start - timedelta(days=10)

        def rows():
            for uid in range(1, self.size["users"] + 1):
                email = fixed.get(uid) or (
                    f"{self.names[uid].lower().replace(' ', '.')}.{uid}@{BENCH_DOMAIN}")
                yield (uid, email, self.names[uid], password, self.roles[uid],
                       self.user_department[uid] + 1, True, "daily", self.unread[uid],
                       created, None)

        count = bulk_insert(connection, self.tables["users"],
                            ("id", "email", "display_name", "password_hash", "role",
                             "department_id", "active", "email_frequency",
                             "unread_notifications", "created_at", "last_login_at"), rows())
        bulk_insert(connection, self.tables["department_managers"], ("user_id", "department_id"),
                    ((uid, dept + 1) for dept, uids in self.managers.items() for uid in uids))
        return count

    def _write_ideas(self, connection) -> int:
        def rows():
            for i, idea in enumerate(self.ideas):
                md, html, excerpt = self.bodies[idea.body]
                comments = len(idea.commenters)
                followers = len(set(idea.commenters) | {idea.author_id})
                queue = idea.queue_department
                escalates = (idea.decided_at + timedelta(days=30)
                             if idea.status == "accepted" and idea.decided_at
                             else idea.escalates_at)
                since = idea.decided_at or idea.entered_review_at or idea.created_at
                yield (i + 1, idea.title, md, html, excerpt, idea.author_id,
                       idea.department + 1, idea.status, idea.anonymous, idea.hidden, 1,
                       idea.created_at, idea.decided_at or idea.created_at,
                       idea.up, idea.down, comments, followers,
                       ranking.trending(idea.up, idea.down, comments, idea.created_at,
                                        idea.status),
                       idea.up - idea.down, ranking.wilson(idea.up, idea.down),
                       None if queue is None else queue + 1, idea.entered_review_at,
                       idea.review_due_at, idea.escalation_level, 0, idea.owner_id,
                       idea.duplicate_of, escalates, since,
                       *(self._outcome_columns(idea.outcome)))

        return bulk_insert(connection, self.tables["ideas"],
                           ("id", "title", "body_md", "body_html", "excerpt", "author_id",
                            "department_id", "status", "is_anonymous", "hidden", "version",
                            "created_at", "updated_at", "upvotes", "downvotes",
                            "comment_count", "follower_count", "trending_score",
                            "net_score", "wilson_score", "queue_department_id", "entered_review_at",
                            "review_due_at", "escalation_level", "review_count", "owner_id",
                            "duplicate_of_id", "escalates_at", "status_changed_at",
                            "outcome_md", "outcome_html", "outcome_value", "outcome_unit"),
                           rows())

    @staticmethod
    def _outcome_columns(outcome: tuple[str, float | None, str | None] | None) -> tuple:
        if outcome is None:
            return None, None, None, None
        text, value, unit = outcome
        return text, _rendered(text), value, unit

    def _write_idea_tags(self, connection) -> int:
        return bulk_insert(connection, self.tables["idea_tags"], ("idea_id", "tag_id"),
                           ((i + 1, t + 1) for i, idea in enumerate(self.ideas)
                            for t in idea.tags))

    def _write_status_changes(self, connection) -> int:
        def rows() -> Iterator[tuple]:
            sid = 0
            for i, idea in enumerate(self.ideas):
                sid += 1
                yield (sid, i + 1, None, "open", idea.author_id, "", idea.created_at)
                current = "open"
                if idea.entered_review_at is not None:
                    sid += 1
                    yield (sid, i + 1, "open", "in_review", None,
                           "Reached the department's vote threshold.", idea.entered_review_at)
                    current = "in_review"
                if idea.status not in (current, "open"):
                    sid += 1
                    actor = idea.author_id if idea.status == "withdrawn" else \
                        self.managers[idea.department][0]
                    yield (sid, i + 1, current, idea.status, actor, "Decided after discussion.",
                           idea.decided_at or idea.entered_review_at)

        return bulk_insert(connection, self.tables["status_changes"],
                           ("id", "idea_id", "from_status", "to_status", "actor_id", "reason",
                            "created_at"), rows())

    def _activity_time(self, idea: _Idea) -> datetime:
        window = min(self.now - idea.created_at, timedelta(days=90))
        return idea.created_at + window * self.rng.random() ** 2

    def _write_votes(self, connection) -> int:
        users = self.size["users"]

        def rows() -> Iterator[tuple]:
            vid = 0
            for i, idea in enumerate(self.ideas):
                wanted = idea.up + idea.down
                if not wanted:
                    continue
                excluded = idea.no_vote_from | {idea.author_id}
                voters = [u for u in self.rng.sample(range(1, users + 1),
                                                     min(users, wanted + len(excluded)))
                          if u not in excluded][:wanted]
                for k, uid in enumerate(voters):
                    vid += 1
                    at = self._activity_time(idea)
                    yield (vid, i + 1, uid, 1 if k < idea.up else -1, at, at)

        return bulk_insert(connection, self.tables["votes"],
                           ("id", "idea_id", "user_id", "value", "created_at", "updated_at"),
                           rows())

    def _comment_times(self, idea: _Idea) -> list[datetime]:
        return sorted(self._activity_time(idea) for _ in idea.commenters)

    def _write_comments(self, connection) -> int:
        bodies = self.comment_bodies

        def rows() -> Iterator[tuple]:
            for idea_index, idea in enumerate(self.ideas):
                first = self.comment_ids[idea_index]
                pairs = zip(idea.commenters, idea.parents, strict=True)
                for k, (author, parent) in enumerate(pairs):
                    md, html = bodies[(first + k) % len(bodies)]
                    yield (first + k, idea_index + 1, author,
                           None if parent is None else first + parent, md, html,
                           self.comment_times[idea_index][k], None, None, False)

        return bulk_insert(connection, self.tables["comments"],
                           ("id", "idea_id", "author_id", "parent_id", "body_md", "body_html",
                            "created_at", "edited_at", "deleted_at", "hidden"), rows())

    def _write_follows(self, connection) -> int:
        def rows() -> Iterator[tuple]:
            for i, idea in enumerate(self.ideas):
                yield (idea.author_id, i + 1, idea.created_at)
                seen = {idea.author_id}
                for author, at in zip(idea.commenters, self.comment_times[i], strict=True):
                    if author not in seen:
                        seen.add(author)
                        yield (author, i + 1, at)

        return bulk_insert(connection, self.tables["follows"], ("user_id", "idea_id", "created_at"),
                           rows())

    def _plan_notifications(self) -> None:
        """Who hears of each comment, as the comment service tells them; counts the unread.

        The idea's author hears of every comment by someone else, a comment's author of
        every reply by someone else. Notifications older than a week have been read.
        """
        self.comment_ids: list[int] = []
        self.comment_times: list[list[datetime]] = []
        self.notifications: list[tuple] = []
        self.unread = [0] * (self.size["users"] + 1)
        next_id = 1
        week_ago = self.now - timedelta(days=7)
        for i, idea in enumerate(self.ideas):
            self.comment_ids.append(next_id)
            times = self._comment_times(idea)
            self.comment_times.append(times)
            for k, (author, parent) in enumerate(zip(idea.commenters, idea.parents, strict=True)):
                told = []
                if author != idea.author_id:
                    told.append((idea.author_id, "comment", "commented on"))
                if parent is not None:
                    parent_author = idea.commenters[parent]
                    if parent_author not in (author, idea.author_id):
                        told.append((parent_author, "reply", "replied to your comment on"))
                for uid, kind, verb in told:
                    at = times[k]
                    read = at + timedelta(hours=self.rng.randint(1, 72)) \
                        if at < week_ago or self.rng.random() < 0.3 else None
                    if read is not None and read > self.now:
                        read = self.now
                    if read is None:
                        self.unread[uid] += 1
                    message = f"{self.names[author]} {verb} \u201c{idea.title}\u201d"
                    self.notifications.append((uid, kind, i + 1, next_id + k, message[:300],
                                               at, read))
            next_id += len(idea.commenters)

    def _write_notifications(self, connection) -> int:
        return bulk_insert(connection, self.tables["notifications"],
                           ("id", "user_id", "kind", "idea_id", "comment_id", "message",
                            "created_at", "read_at", "emailed"),
                           ((n + 1, *row, row[-1] is not None)
                            for n, row in enumerate(self.notifications)))


def _sqlite_pragmas(connection: sa.Connection, **pragmas) -> None:
    driver = connection.connection.driver_connection
    for name, value in pragmas.items():
        driver.execute(f"PRAGMA {name}={value}")


def _fts_rebuild(connection: sa.Connection) -> None:
    connection.exec_driver_sql("INSERT INTO ideas_fts(ideas_fts) VALUES ('rebuild')")
    # Rankings kept by running workers (ideaboard.ideas.search) belong to the old index.
    connection.exec_driver_sql("UPDATE ideas_fts_version SET version = version + 1 WHERE id = 1")


def _vacuum_analyze(engine: sa.Engine) -> None:
    """What autovacuum does soon after a load: planner statistics and a visibility map."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def _slug(name: str) -> str:
    from ideaboard.org.services import slugify

    return slugify(name)


def generate(engine: sa.Engine, *, scale: float = 1.0, seed: int = 2026,
             now: datetime | None = None, log: Callable[[str], None] = print) -> Report:
    """Fill the (migrated, empty) database behind ``engine``; returns what was written."""
    return Generator(scale=scale, seed=seed, now=now, log=log).run(engine)


def prepare_database(url: str):
    """An application on ``url`` with the schema migrated to head (its context is pushed)."""
    from flask_migrate import upgrade

    from ideaboard import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="testing")
    context = app.app_context()
    context.push()
    upgrade()
    return app, context


def work_out_snapshots(log: Callable[[str], None] = print) -> None:
    """What a running worker keeps beside the data: the analytics' snapshots
    (``ideaboard.analytics.services``), worked out as the worker's job does, once. The
    benchmark's servers run with a long IDEABOARD_INSIGHT_REFRESH_SECONDS, so they stay
    fresh for the run."""
    from ideaboard.analytics.services import refresh_snapshots
    from ideaboard.database import utcnow

    started = time.perf_counter()
    written = refresh_snapshots(utcnow())
    log(f"  insight snapshots: {time.perf_counter() - started:.1f}s ({written} written)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", required=True,
                        help="sqlite:////path/file.sqlite or postgresql://user@host/db")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1 = 100,000 ideas; 0.01 = 1,000 ideas")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--snapshots-only", action="store_true",
                        help="migrate a generated database and work its snapshots out again")
    args = parser.parse_args(argv)
    from ideaboard.extensions import db

    _app, context = prepare_database(args.db_url)
    try:
        if args.snapshots_only:
            work_out_snapshots()
            return
        report = generate(db.engine, scale=args.scale, seed=args.seed)
        work_out_snapshots()
    finally:
        db.engine.dispose()
        context.pop()
    print(report.summary())
    print(f"Log in as {USER_EMAIL}, {MANAGER_EMAIL} or {ADMIN_EMAIL} with "
          f"the password {BENCH_PASSWORD!r}.")


if __name__ == "__main__":
    main()

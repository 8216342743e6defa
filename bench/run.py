"""The benchmark: serve Ideaboard and the floor app with gunicorn and drive them with wrk.

For each database kind (SQLite, PostgreSQL) and each size (100,000 ideas and 1,000),
it generates a company (bench.generate), starts both servers (2 sync workers each on
127.0.0.1, ``IDEABOARD_ENV=production`` with a generated secret key), logs in, and runs
wrk on every page that exists, interleaved with the floor: floor, A, floor, B, ..., in
three rounds (``--rounds``). Per endpoint it reports the workers' CPU milliseconds per
request (utime+stime of the gunicorn master's children from /proc, before and after each
run, divided by the requests wrk completed), p50/p99 latency, requests per second, the
CPU ratio to the floor run just before it (the median of the rounds, and their spread),
the growth from 1,000 to 100,000 ideas, and each worker's peak memory. A budget is met
only when every round is within it: a verdict inside the noise is not called met.
Results go to bench/results/<timestamp>.md (git-ignored) and to standard output.

    python -m bench.run                      # both databases, 100,000 and 1,000 ideas
    python -m bench.run --db sqlite --scale 0.1 --small-scale 0.01 --duration 3

Needs wrk (Debian: ``apt-get install -y wrk``) and, for PostgreSQL, a server on
127.0.0.1:5432 that user postgres may use without a password.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from bench import floor_app
from bench import generate as gen

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
VOTE_SCRIPT = BENCH_DIR / "vote.lua"
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
USER_AGENT = "ideaboard-bench/1"  # the same for the login and wrk (Flask-Login's session id)
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Budgets from docs/PERFORMANCE.md: CPU per request as a multiple of the floor's.
# Issue 12 tightened the idea page (5x -> 4x) and the vote (3x -> 2.5x).
LIST_BUDGET, DETAIL_BUDGET, VOTE_BUDGET = 3.0, 4.0, 2.5
# Issue 16: /analytics and /impact aggregate a period's rows, within 5x.
INSIGHT_BUDGET = 5.0
# How deep the far-page endpoints are: the pager's "Next" link followed this many times
# (keyset paging: page 51 should cost what page 1 does; with OFFSET it read 1,000 rows).
FAR_PAGES = 50
_NEXT_LINK = re.compile(r'<a href="([^"]+)" rel="next">')


def next_link(page: str) -> str | None:
    """The path of the pager's "Next" link on ``page`` (HTML), or None on the last page."""
    found = _NEXT_LINK.search(page)
    return found.group(1).replace("&amp;", "&") if found else None
GROWTH_BUDGET = 1.25
MEMORY_BUDGET_MB = 150


# --- HTTP as a signed-in person --------------------------------------------------

@dataclass
class Session:
    """A signed-in user's cookies and a CSRF token valid for that session."""

    email: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def http_request(port: int, method: str, path: str, session: Session | None = None,
                 form: dict | None = None, accept: str = "text/html") -> tuple[int, str]:
    """One request to 127.0.0.1:port; keeps the cookies it sets (they are ``Secure`` in
    production, which a cookie jar would not send over plain HTTP). No redirects."""
    headers = {"User-Agent": USER_AGENT, "Accept": accept}
    body = None
    if session is not None and session.cookies:
        headers["Cookie"] = session.cookie_header
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        if session is not None:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, value = header.split(";", 1)[0].partition("=")
                session.cookies[name.strip()] = value.strip()
        return response.status, text
    finally:
        connection.close()


def log_in(port: int, email: str, password: str = gen.BENCH_PASSWORD) -> Session:
    """Log in through the real form; the CSRF token is read from a page after login."""
    session = Session(email)
    status, page = http_request(port, "GET", "/login", session)
    match = CSRF_PATTERN.search(page)
    if status != 200 or not match:
        raise RuntimeError(f"GET /login answered {status} without a CSRF token")
    status, page = http_request(port, "POST", "/login", session, form={
        "email": email, "password": password, "csrf_token": match.group(1)})
    if status != 302:
        raise RuntimeError(f"logging in as {email} answered {status}, not a redirect")
    status, page = http_request(port, "GET", "/notifications", session)
    match = CSRF_PATTERN.search(page) or CSRF_PATTERN.search(
        http_request(port, "GET", "/", session)[1])
    if not match:
        raise RuntimeError(f"no CSRF token on the pages {email} sees after logging in")
    session.csrf_token = match.group(1)
    return session


# --- servers and their CPU -------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A gunicorn master with its sync workers, on 127.0.0.1."""

    name: str
    port: int
    process: subprocess.Popen
    # PostgreSQL: the backends serving this server's connections are found by the
    # application_name its database URL sets; their CPU is the database's share.
    postgres_application: str | None = None

    def database_cpu_seconds(self) -> dict[int, float]:
        """utime+stime of each PostgreSQL backend serving this server (empty on SQLite)."""
        if self.postgres_application is None:
            return {}
        import psycopg

        with psycopg.connect(POSTGRES_SERVER) as connection:
            pids = [row[0] for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                (self.postgres_application,))]
        return {pid: cpu for pid in pids if (cpu := process_cpu_seconds(pid)) is not None}

    def workers(self) -> list[int]:
        pid = self.process.pid
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
            return sorted(int(p) for p in text.split())
        except OSError:
            children = []
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        stat = (entry / "stat").read_text()
                    except OSError:
                        continue
                    if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                        children.append(int(entry.name))
            return sorted(children)

    def cpu_seconds(self) -> dict[int, float]:
        """utime+stime of each worker, in seconds."""
        return {pid: process_cpu_seconds(pid) or 0.0 for pid in self.workers()}

    def peak_memory_mb(self) -> dict[int, float]:
        """VmHWM (peak resident set) of each worker, in MB."""
        peaks = {}
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = int(line.split()[1]) / 1024
        return peaks

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def process_cpu_seconds(pid: int) -> float | None:
    """utime+stime of a process from /proc/<pid>/stat, None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def start_server(name: str, app: str, env: dict[str, str], workers: int, log: Path,
                 postgres_application: str | None = None, port: int | None = None) -> Server:
    """A gunicorn server of ``app`` on ``port`` (a free one if None), once it answers."""
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers),
               "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", "--timeout", "60", app]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                                   stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, port, process, postgres_application)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} server exited; see {log}")
        try:
            status, _ = http_request(port, "GET",
                                     "/readyz" if name.startswith("ideaboard") else "/")
            if status == 200 and len(server.workers()) == workers:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"{name} server did not answer within 60s; see {log}")


# --- wrk -------------------------------------------------------------------------

@dataclass
class Endpoint:
    key: str
    label: str
    path: str
    session: Session | None = None
    budget: float | None = None
    vote_ideas: tuple[int, ...] = ()
    missing: str = ""  # why it was not measured
    far_pages: int = 0  # "Next" links to follow from ``path`` to the page measured

    @property
    def is_vote(self) -> bool:
        return bool(self.vote_ideas)


@dataclass
class Measure:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # worker CPU per request
    errors: int  # non-2xx/3xx responses and socket errors
    database_cpu_ms: float | None = None  # PostgreSQL backends' CPU per request


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict:
    """Requests, duration, requests/s, p50, p99 and errors from ``wrk --latency``."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if not done:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.M))
    return {
        "requests": int(done.group(1)),
        "seconds": _ms(done.group(2) + done.group(3)) / 1000,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "errors": errors,
    }


def run_wrk(server: Server, endpoint: Endpoint | None, *, duration: float, connections: int,
            threads: int) -> Measure:
    """One wrk run against ``endpoint`` (None: the floor page), with the workers' CPU."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency",
               "-H", f"User-Agent: {USER_AGENT}"]
    url = f"http://127.0.0.1:{server.port}"
    if endpoint is not None and endpoint.session is not None:
        command += ["-H", f"Cookie: {endpoint.session.cookie_header}"]
    if endpoint is not None and endpoint.is_vote:
        command += ["-H", "Accept: application/json", "-s", str(VOTE_SCRIPT), url, "--",
                    urllib.parse.quote(endpoint.session.csrf_token, safe=""),
                    *map(str, endpoint.vote_ideas)]
    else:
        command.append(url + (endpoint.path if endpoint is not None else "/"))
    before = server.cpu_seconds()
    database_before = server.database_cpu_seconds()
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60,
                            check=True)
    after = server.cpu_seconds()
    database_after = server.database_cpu_seconds()
    if set(after) != set(before):
        raise RuntimeError(f"{server.name}: a worker was replaced during the run "
                           f"({sorted(before)} -> {sorted(after)}); see the server log")
    stats = parse_wrk(result.stdout)
    requests = max(stats["requests"], 1)
    cpu = sum(after.values()) - sum(before.values())
    database_cpu = None
    if server.postgres_application is not None:
        # A backend opened during the run counts from zero; one closed during it is lost
        # (the pools keep their connections, so neither happens after the warm-up).
        database_cpu = 1000 * sum(after_cpu - database_before.get(pid, 0.0)
                                  for pid, after_cpu in database_after.items()) / requests
    return Measure(cpu_ms=1000 * cpu / requests, database_cpu_ms=database_cpu, **stats)


# --- what to measure ----------------------------------------------------------------

def discover(url: str) -> dict:
    """The ids and names the endpoints need, read from the generated database."""
    engine = sa.create_engine(floor_app._url(url))
    try:
        with engine.connect() as connection:
            def one(sql, **params):
                return connection.execute(sa.text(sql), params).one()

            detail = one("SELECT id FROM ideas WHERE title = :t", t=gen.DETAIL_TITLE)[0]
            busy = one("SELECT id FROM ideas WHERE title = :t", t=gen.BUSY_TITLE)[0]
            # Its third page of threads: the seek's cursor is the thread before it.
            # Imported here: config reads the environment when imported, and
            # bench.profile (which imports this module) sets it up first.
            from config import Config

            per_page = Config.COMMENT_THREADS_PER_PAGE
            busy_after = one("SELECT id FROM comments WHERE idea_id = :i AND parent_id IS NULL "
                             "ORDER BY created_at, id LIMIT 1 OFFSET :o",
                             i=busy, o=2 * per_page - 1)[0]
            votes = [one("SELECT id FROM ideas WHERE title = :t", t=t)[0]
                     for t in gen.VOTE_TITLES]
            manager = one("SELECT id FROM users WHERE email = :e", e=gen.MANAGER_EMAIL)[0]
            busy_id, busy_slug = one(
                "SELECT d.id, d.slug FROM departments d JOIN department_managers m "
                "ON m.department_id = d.id WHERE m.user_id = :u ORDER BY d.id LIMIT 1",
                u=manager)
            user = one("SELECT id FROM users WHERE email = :e", e=gen.USER_EMAIL)[0]
            # The person page of the most prolific named author: the longest such page.
            author = one("SELECT author_id FROM ideas WHERE NOT is_anonymous "
                         "GROUP BY author_id ORDER BY count(*) DESC, author_id LIMIT 1")[0]
    finally:
        engine.dispose()
    return {"detail": detail, "busy": busy, "busy_after": busy_after,
            "votes": tuple(votes), "department_id": busy_id,
            "department_slug": busy_slug, "user_id": user, "author_id": author}


def endpoints(found: dict, user: Session, manager: Session, admin: Session) -> list[Endpoint]:
    dept = found["department_id"]
    return [
        Endpoint("trending", "Idea list, Trending", "/?sort=trending", user, LIST_BUDGET),
        Endpoint("top", "Idea list, Top", "/?sort=top", user, LIST_BUDGET),
        Endpoint("trending-far", f"Idea list, Trending, far page ({FAR_PAGES} Next links in)",
                 "/?sort=trending", user, LIST_BUDGET, far_pages=FAR_PAGES),
        Endpoint("top-far", f"Idea list, Top, far page ({FAR_PAGES} Next links in)",
                 "/?sort=top", user, LIST_BUDGET, far_pages=FAR_PAGES),
        Endpoint("filtered", "Idea list, open ideas of one department",
                 f"/?status=open&department={dept}", user, LIST_BUDGET),
        Endpoint("search", f"Search \u201c{gen.SEARCH_WORD}\u201d",
                 f"/?q={gen.SEARCH_WORD}", user, LIST_BUDGET),
        Endpoint("department", "Department page (busiest)",
                 f"/departments/{found['department_slug']}", user, LIST_BUDGET),
        Endpoint("campaign", "Campaign page (every idea of the busiest department)",
                 f"/campaigns/{gen.CAMPAIGN_ID}", user, LIST_BUDGET),
        Endpoint("detail", f"Idea with {gen.DETAIL_COMMENTS} comments",
                 f"/ideas/{found['detail']}", user, DETAIL_BUDGET),
        Endpoint("busy", f"Idea with {gen.BUSY_COMMENTS} comments (first page)",
                 f"/ideas/{found['busy']}", user, DETAIL_BUDGET),
        Endpoint("busy_later", f"Idea with {gen.BUSY_COMMENTS} comments (third page)",
                 f"/ideas/{found['busy']}?after={found['busy_after']}", user, DETAIL_BUDGET),
        Endpoint("review", "Review queue (manager of the busiest department)", "/review",
                 manager, LIST_BUDGET),
        Endpoint("worklist", "Worklist, accepted and waiting to start (same manager)",
                 "/review?list=accepted", manager, LIST_BUDGET),
        Endpoint("person", "A person's page, their ideas (the most prolific author)",
                 f"/people/{found['author_id']}", user, LIST_BUDGET),
        Endpoint("person-comments", "A person's page, their comments",
                 f"/people/{found['author_id']}?show=comments", user, LIST_BUDGET),
        Endpoint("help", "Help page (with every department's threshold)", "/help", user,
                 LIST_BUDGET),
        Endpoint("notifications", "Notifications", "/notifications", user, LIST_BUDGET),
        Endpoint("analytics", "Analytics, last 90 days (the manager's subtree)", "/analytics",
                 manager, INSIGHT_BUDGET),
        Endpoint("analytics-company", "Analytics, last 90 days (an admin: the whole company)",
                 "/analytics", admin, INSIGHT_BUDGET),
        Endpoint("impact", "Impact ledger (every implemented idea, totals)", "/impact", user,
                 INSIGHT_BUDGET),
        Endpoint("vote", "Vote (POST, toggling +1 and 0)",
                 "/ideas/{id}/vote", user, VOTE_BUDGET, vote_ideas=found["votes"]),
    ]


def reset_votes(port: int, endpoint: Endpoint) -> None:
    """Take the bench user's votes back, so each wrk thread starts from "no vote"."""
    for idea_id in endpoint.vote_ideas:
        status, text = http_request(port, "POST", f"/ideas/{idea_id}/vote", endpoint.session,
                                    form={"csrf_token": endpoint.session.csrf_token,
                                          "value": "0"}, accept="application/json")
        if status != 200:
            raise RuntimeError(f"vote reset answered {status}: {text[:200]}")


def check(port: int, endpoint: Endpoint) -> None:
    """Mark the endpoint missing unless it answers 200 as the signed-in user."""
    if endpoint.is_vote:
        try:
            reset_votes(port, endpoint)
        except RuntimeError as error:
            endpoint.missing = str(error)
        return
    status, page = http_request(port, "GET", endpoint.path, endpoint.session)
    for _ in range(endpoint.far_pages if status == 200 else 0):
        link = next_link(page)
        if link is None:  # a small database: its last page is as far as it goes
            break
        endpoint.path = link
        status, page = http_request(port, "GET", endpoint.path, endpoint.session)
    if status != 200:
        endpoint.missing = f"GET {endpoint.path} answered {status}"


# --- one database at one size -------------------------------------------------------

def _median_measure(measures: list[Measure]) -> Measure:
    """One measure made of the medians of ``measures`` (the rounds of one endpoint)."""
    def median(name: str):
        values = [getattr(m, name) for m in measures]
        return None if None in values else statistics.median(values)

    return Measure(requests=sum(m.requests for m in measures),
                   seconds=sum(m.seconds for m in measures), rps=median("rps"),
                   p50_ms=median("p50_ms"), p99_ms=median("p99_ms"), cpu_ms=median("cpu_ms"),
                   errors=sum(m.errors for m in measures),
                   database_cpu_ms=median("database_cpu_ms"))


@dataclass
class SizeResult:
    """The runs at one size: every floor run, and per endpoint each round's run with the
    floor run just before it. A ratio is taken within a round (endpoint over its floor
    run), and the rounds' median is reported with their spread."""

    scale: float
    ideas: int
    generation: gen.Report
    floor: list[Measure] = field(default_factory=list)
    runs: dict[str, list[tuple[Measure, Measure]]] = field(default_factory=dict)
    # With --cold: the same, from the server that keeps no fragment (every one a miss).
    cold_runs: dict[str, list[tuple[Measure, Measure]]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    memory_mb: dict[str, float] = field(default_factory=dict)  # server -> worst worker peak
    endpoints: dict[str, Endpoint] = field(default_factory=dict)

    @property
    def floor_cpu_ms(self) -> float:
        return statistics.median(m.cpu_ms for m in self.floor)

    @property
    def measures(self) -> dict[str, Measure]:
        """Per endpoint, the medians of its rounds."""
        return {key: _median_measure([run for run, _ in runs]) for key, runs in self.runs.items()}

    def ratios(self, key: str, *, cold: bool = False) -> list[float]:
        """Each round's CPU per request over the floor run before it (``cold``: of the
        server that keeps no fragment)."""
        runs = (self.cold_runs if cold else self.runs).get(key, [])
        return [run.cpu_ms / floor.cpu_ms for run, floor in runs]

    def ratio(self, key: str) -> float | None:
        ratios = self.ratios(key)
        return statistics.median(ratios) if ratios else None

    @property
    def floor_total_ms(self) -> float | None:
        """The floor's median CPU per request, workers and PostgreSQL backends together."""
        if any(m.database_cpu_ms is None for m in self.floor):
            return None
        return statistics.median(m.cpu_ms + m.database_cpu_ms for m in self.floor)

    def total_ratios(self, key: str) -> list[float]:
        """Each round's ratio with the PostgreSQL backends' CPU on both sides."""
        return [(run.cpu_ms + run.database_cpu_ms) / (floor.cpu_ms + floor.database_cpu_ms)
                for run, floor in self.runs.get(key, [])
                if run.database_cpu_ms is not None and floor.database_cpu_ms is not None]

    def total_ratio(self, key: str) -> float | None:
        ratios = self.total_ratios(key)
        return statistics.median(ratios) if ratios else None


class Database:
    """A fresh database of one kind: a SQLite file or a uniquely named PostgreSQL one."""

    def __init__(self, kind: str, tag: str, workdir: Path):
        self.kind = kind
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / f'bench-{tag}.sqlite'}"
            self.name = None
        else:
            self.name = (f"ideaboard_bench_{datetime.now():%Y%m%d%H%M%S}"
                         f"_{secrets.token_hex(3)}_{tag}")
            self.url = POSTGRES_SERVER.rsplit("/", 1)[0] + "/" + self.name
            self._admin(f'CREATE DATABASE "{self.name}"')

    @staticmethod
    def _admin(sql: str) -> None:
        import psycopg

        with psycopg.connect(POSTGRES_SERVER, autocommit=True) as connection:
            connection.execute(sql)

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            path = Path(self.url.removeprefix("sqlite:///"))
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_SERVER, connect_timeout=3):
            return True
    except Exception:
        return False


def fill(url: str, scale: float, log) -> gen.Report:
    from ideaboard.extensions import db

    log(f"Generating scale {scale:g} into {url}")
    _app, context = gen.prepare_database(url)
    try:
        report = gen.generate(db.engine, scale=scale, log=log)
        gen.work_out_snapshots(log)
    finally:
        db.engine.dispose()
        context.pop()
    log(report.summary())
    floor_app.fill(url)
    return report


def measure_size(kind: str, scale: float, args, workdir: Path, log, *,
                 cold: bool = False) -> SizeResult:
    database = Database(kind, f"{scale:g}".replace(".", "_"), workdir)
    servers: list[Server] = []
    try:
        report = fill(database.url, scale, log)
        result = SizeResult(scale, gen.sizes(scale)["ideas"], report)
        server_log = workdir / f"gunicorn-{kind}-{scale:g}.log"
        names = {"ideaboard": None, "floor": None, "cold": None}
        urls = dict.fromkeys(names, database.url)
        if kind == "postgresql":
            names = {name: f"{database.name}_{name}"[-63:] for name in names}
            urls = {name: f"{database.url}?application_name={names[name]}" for name in names}
        app_env = {"IDEABOARD_ENV": "production", "IDEABOARD_SECRET_KEY": secrets.token_hex(32),
                   "IDEABOARD_DATABASE_URL": urls["ideaboard"],
                   "IDEABOARD_INSTANCE_PATH": str(workdir),
                   # The analytics' snapshots worked out after generating stay fresh for the
                   # run, as a running worker would keep them (bench.generate).
                   "IDEABOARD_INSIGHT_REFRESH_SECONDS": "86400",
                   # Production needs its address; the port does not matter to the Host check.
                   "IDEABOARD_BASE_URL": "http://127.0.0.1",
                   # One person votes hundreds of times a second here: the limiter still
                   # counts each vote (its cost is measured) but must not refuse them.
                   "IDEABOARD_RATELIMIT_VOTES": "1000000 per minute"}
        app = start_server("ideaboard", "ideaboard:create_app()", app_env, args.workers,
                           server_log, names["ideaboard"])
        servers.append(app)
        floor = start_server("floor", "bench.floor_app:create_app()",
                             {"BENCH_FLOOR_DATABASE_URL": urls["floor"]}, args.workers,
                             server_log, names["floor"])
        servers.append(floor)
        cold_server = None
        if cold:
            # The same app and secret (a session signed in on one is good on the other),
            # keeping no rendered fragment: what each page costs when every one misses.
            cold_server = start_server("ideaboard-cold", "ideaboard:create_app()",
                                       {**app_env, "IDEABOARD_DATABASE_URL": urls["cold"],
                                        "IDEABOARD_KEEP_FRAGMENTS": "false"},
                                       args.workers, server_log, names["cold"])
            servers.append(cold_server)
        user = log_in(app.port, gen.USER_EMAIL)
        manager = log_in(app.port, gen.MANAGER_EMAIL)
        admin = log_in(app.port, gen.ADMIN_EMAIL)
        found = discover(database.url)
        todo = endpoints(found, user, manager, admin)
        for endpoint in todo:
            check(app.port, endpoint)
            if endpoint.missing:
                result.missing[endpoint.key] = endpoint.missing
                log(f"  skipping {endpoint.label}: {endpoint.missing}")
        todo = [e for e in todo if not e.missing]
        wrk = {"connections": args.connections, "threads": args.threads}
        # Warm up: templates compiled, connections open, caches filled, in every worker.
        run_wrk(floor, None, duration=1, **wrk)
        for endpoint in todo:
            for server in (app, cold_server):
                if server is not None:
                    run_wrk(server, endpoint, duration=1, **wrk)
        # Rounds, each over every endpoint (floor, A, floor, B, ...): a page's rounds lie
        # minutes apart, so their spread shows how much the machine moved meanwhile.
        for round_number in range(1, args.rounds + 1):
            for endpoint in todo:
                floor_run = run_wrk(floor, None, duration=args.duration, **wrk)
                result.floor.append(floor_run)
                if endpoint.is_vote:
                    reset_votes(app.port, endpoint)
                measure = run_wrk(app, endpoint, duration=args.duration, **wrk)
                result.runs.setdefault(endpoint.key, []).append((measure, floor_run))
                log(f"  round {round_number}, {endpoint.label}: {measure.cpu_ms:.2f} ms "
                    "CPU/request "
                    + (f"+ {measure.database_cpu_ms:.2f} ms in PostgreSQL "
                       if measure.database_cpu_ms is not None else "")
                    + f"({measure.cpu_ms / floor_run.cpu_ms:.1f}x the floor run before), "
                    f"p50 {measure.p50_ms:.1f} ms, {measure.rps:.0f} req/s"
                    + (f", {measure.errors} errors" if measure.errors else ""))
                if not endpoint.is_vote:
                    status, _ = http_request(app.port, "GET", endpoint.path, endpoint.session)
                    if status != 200:
                        raise RuntimeError(f"{endpoint.path} answered {status} after the run")
                if cold_server is not None:
                    # Right after the warm run, against the same floor run.
                    if endpoint.is_vote:
                        reset_votes(cold_server.port, endpoint)
                    missed = run_wrk(cold_server, endpoint, duration=args.duration, **wrk)
                    result.cold_runs.setdefault(endpoint.key, []).append((missed, floor_run))
                    log(f"    cold: {missed.cpu_ms:.2f} ms CPU/request "
                        f"({missed.cpu_ms / floor_run.cpu_ms:.1f}x)")
        result.floor.append(run_wrk(floor, None, duration=args.duration, **wrk))
        result.memory_mb = {s.name: max(s.peak_memory_mb().values()) for s in servers}
        result.endpoints = {e.key: e for e in endpoints(found, user, manager, admin)}
        return result
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            log(f"Kept the database: {database.url}")
        else:
            database.drop()


# --- the report ---------------------------------------------------------------------

def _fmt(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "\u2013" if value is None else f"{value:.{digits}f}{suffix}"


def _spread(ratios: list[float]) -> str:
    """The lowest and highest of the rounds' ratios."""
    return f"{min(ratios):.1f}\u2013{max(ratios):.1f}" if len(ratios) > 1 else ""


def _judge(low: float, high: float, budget: float) -> str:
    """Met only when the whole spread is within the budget; a budget inside the spread is
    within the noise, which is not met either."""
    if high <= budget:
        return "met"
    return "**not met**" if low > budget else "**within the noise, not met**"


def _growth(large: list[float], small: list[float]) -> list[str]:
    """The small size's ratio and how much the large one grew over it (the medians), with
    the verdict over the spread: from the lowest large round over the highest small one
    to the highest over the lowest."""
    if not large or not small:
        return [_fmt(statistics.median(small) if small else None, 1), "\u2013"]
    growth = statistics.median(large) / statistics.median(small)
    verdict = _judge(min(large) / max(small), max(large) / min(small), GROWTH_BUDGET)
    return [f"{statistics.median(small):.1f}", f"{growth:.2f} {verdict}"]


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{cpu}, {os.cpu_count()} cores{memory}; Linux {platform.release()}; "
            f"Python {platform.python_version()}")


def database_version(kind: str) -> str:
    if kind == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(POSTGRES_SERVER) as connection:
        return "PostgreSQL " + connection.execute("SHOW server_version").fetchone()[0]


def report_markdown(results: dict[str, tuple[SizeResult, SizeResult | None]], args) -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    lines = [
        f"# Ideaboard benchmark, {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"- Machine: {machine()}",
        f"- Commit: {commit or '?'}; gunicorn {args.workers} sync workers on 127.0.0.1, "
        f"IDEABOARD_ENV=production; wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration:g}s per run, {args.rounds} rounds, floor and endpoint runs "
        "interleaved.",
        "- CPU = the gunicorn workers' utime+stime per completed request (the median of the "
        "rounds); \u00d7 floor = each round's over the floor run just before it, the median "
        "of the rounds, and their spread (lowest\u2013highest). A budget is met only when "
        "every round is within it.",
        "",
    ]
    for kind, (large, small) in results.items():
        lines += [f"## {database_version(kind)}", ""]
        for size in (large, small):
            if size is not None:
                counts = ", ".join(f"{n:,} {k}" for k, n in size.generation.counts.items()
                                   if k in ("users", "ideas", "votes", "comments",
                                            "notifications"))
                lines.append(f"- {size.ideas:,} ideas: generated in "
                             f"{size.generation.total_seconds:.0f}s ({counts}); "
                             f"floor {size.floor_cpu_ms:.2f} ms CPU/request "
                             f"(runs: {', '.join(f'{m.cpu_ms:.2f}' for m in size.floor)})")
        lines.append("")
        with_database = large.floor_total_ms is not None
        columns = ["endpoint", "CPU ms/req", "\u00d7 floor", "spread", "budget", "p50 ms",
                   "p99 ms", "req/s"]
        if with_database:
            columns += ["DB CPU ms/req", "\u00d7 floor with DB"]
        has_cold = bool(large.cold_runs)
        if has_cold:
            columns += ["\u00d7 floor cold", "cold spread", "cold budget"]
        if small:
            columns += [f"\u00d7 floor at {small.ideas:,}", "growth"]
            if with_database:
                columns += [f"\u00d7 floor with DB at {small.ideas:,}", "growth with DB"]
        columns.append("errors")
        lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        medians = large.measures
        for key, endpoint in large.endpoints.items():
            measure = medians.get(key)
            if measure is None:
                cells = [endpoint.label, f"not measured: {large.missing.get(key, '?')}"]
                lines.append("| " + " | ".join(cells + [""] * (len(columns) - 2)) + " |")
                continue
            ratios = large.ratios(key)
            # A page that answered with errors measured its refusals, not itself.
            verdict = ("**not met** (errors)" if measure.errors
                       else _judge(min(ratios), max(ratios), endpoint.budget))
            cells = [endpoint.label, f"{measure.cpu_ms:.2f}", f"{large.ratio(key):.1f}",
                     _spread(ratios), f"\u2264{endpoint.budget:g}\u00d7 {verdict}",
                     f"{measure.p50_ms:.1f}", f"{measure.p99_ms:.1f}", f"{measure.rps:.0f}"]
            if with_database:
                cells += [_fmt(measure.database_cpu_ms), _fmt(large.total_ratio(key), 1)]
            if has_cold:
                cold = large.ratios(key, cold=True)
                cells += ([f"{statistics.median(cold):.1f}", _spread(cold),
                           f"\u2264{endpoint.budget:g}\u00d7 "
                           f"{_judge(min(cold), max(cold), endpoint.budget)}"]
                          if cold else ["\u2013"] * 3)
            if small:
                cells += _growth(ratios, small.ratios(key))
                if with_database:
                    cells += _growth(large.total_ratios(key), small.total_ratios(key))
            lines.append("| " + " | ".join([*cells, str(measure.errors)]) + " |")
        floor = ["Floor (20 rows, Flask + Flask-SQLAlchemy)", f"{large.floor_cpu_ms:.2f}",
                 "1.0", "", "", f"{statistics.median(m.p50_ms for m in large.floor):.1f}",
                 f"{statistics.median(m.p99_ms for m in large.floor):.1f}",
                 f"{statistics.median(m.rps for m in large.floor):.0f}"]
        if with_database:
            floor += [_fmt(large.floor_total_ms - large.floor_cpu_ms), "1.0"]
        floor += [""] * (len(columns) - len(floor))
        lines += ["| " + " | ".join(floor) + " |", ""]
        for size in (large, small):
            if size is not None:
                app_mb = size.memory_mb.get("ideaboard", 0)
                lines.append(
                    f"- Peak memory per worker at {size.ideas:,} ideas (VmHWM): Ideaboard "
                    f"{app_mb:.0f} MB ({_verdict(app_mb <= MEMORY_BUDGET_MB)}, budget "
                    f"{MEMORY_BUDGET_MB} MB), floor {size.memory_mb.get('floor', 0):.0f} MB")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgres"],
                        help="database kinds (default both; PostgreSQL is skipped with a "
                             "note when no server answers, unless named explicitly)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="the large size (1 = 100,000 ideas)")
    parser.add_argument("--small-scale", type=float, default=0.01,
                        help="the small size to compare with (0 to skip)")
    parser.add_argument("--duration", type=float, default=3, help="seconds per wrk run")
    parser.add_argument("--cold", action="store_true",
                        help="also measure each page with no rendered fragment kept "
                             "(every one a miss), against the same floor runs, at the "
                             "large size")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds over every endpoint (the spread shows the noise)")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        print("wrk is not installed. On Debian or Ubuntu: apt-get install -y wrk "
              "(elsewhere, build it from its source).", file=sys.stderr)
        return 2
    kinds = ["postgresql" if k == "postgres" else k for k in args.db or ["sqlite", "postgres"]]
    if "postgresql" in kinds and not postgres_available():
        if args.db:
            print(f"PostgreSQL does not answer at {POSTGRES_SERVER}.", file=sys.stderr)
            return 2
        print("PostgreSQL does not answer on 127.0.0.1:5432: measuring SQLite only.")
        kinds.remove("postgresql")

    def log(line: str) -> None:
        print(line, flush=True)

    started = time.monotonic()
    results: dict[str, tuple[SizeResult, SizeResult | None]] = {}
    with tempfile.TemporaryDirectory(prefix="ideaboard-bench-") as tmp:
        workdir = Path(tmp)
        for kind in kinds:
            log(f"== {kind} ==")
            # The cold pass at the large size only: what a miss costs where it costs most.
            large = measure_size(kind, args.scale, args, workdir, log, cold=args.cold)
            small = measure_size(kind, args.small_scale, args, workdir, log) \
                if args.small_scale else None
            results[kind] = (large, small)
    text = report_markdown(results, args)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{datetime.now():%Y%m%d-%H%M%S}.md"
    path.write_text(text + f"\nTotal time: {time.monotonic() - started:.0f}s.\n")
    print()
    print(text)
    print(f"Written to {path.relative_to(ROOT)} ({time.monotonic() - started:.0f}s in all).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Several app servers behind a real load balancer: what a company's deployment looks like.

Two gunicorn app servers (``IDEABOARD_ENV=production``, one secret key, sync workers) on
two ports of 127.0.0.1 share one PostgreSQL database and one Redis, behind Debian's
haproxy. The balancer sends each request to the next server (round robin), checks each
server's ``/readyz`` several times a second, and retries a request whose connection a
server refused on the other one (``retry-on conn-failure``, ``option redispatch``): a
request that never reached an app server is safe to send again, whatever its method.

``tests/ops/test_two_servers.py`` starts this cluster to show that two servers behave
as one; ``python -m bench.cluster`` drives it with the launch of a campaign (wrk, a mix
of lists, idea pages, votes and comments from many people at once) and reports the
latency percentiles, the errors and whether every vote was counted exactly:

    python -m bench.cluster --scale 0.01 --duration 120

Needs haproxy and wrk (Debian: ``apt-get install -y haproxy wrk``), PostgreSQL on
127.0.0.1:5432 (user postgres, no password) and Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.run import USER_AGENT, Database, Server, Session, free_port, start_server

REDIS_URL = "redis://127.0.0.1:6379/0"
# How often the balancer asks each server whether it is ready, and how many failed
# checks take it out of the rotation. A stopped server refuses the check's connection
# at once; a busy one may take a while to answer it, which must not count as down (a
# launch would take every server out at once and answer 503 to everyone).
CHECK_INTERVAL_MS = 250
CHECK_TIMEOUT = "5s"
CHECK_FALL = 2
CHECK_RISE = 2
BALANCER_START_TIMEOUT = 20
CHECK_PATH = "/readyz"


def haproxy_available() -> bool:
    """Whether Debian's haproxy (or another on PATH) is installed."""
    return shutil.which("haproxy") is not None


def haproxy_config(port: int, backends: dict[str, int], admin_socket: Path,
                   check_path: str = CHECK_PATH, workers: int = 2) -> str:
    """The balancer's configuration: one frontend on ``port``, round robin over ``backends``.

    Each server is given at most two requests per sync worker at once; the rest wait in
    the balancer's queue (not in the server's listen queue, where a stopping server
    would drop them), and go to whichever server is free first.
    """
    servers = "\n".join(
        f"    server {name} 127.0.0.1:{backend_port} check maxconn {2 * workers}"
        for name, backend_port in backends.items())
    return f"""\
global
    maxconn 1024
    stats socket {admin_socket} mode 600 level admin
    log stdout format raw local0 notice

defaults
    mode http
    log global
    option httplog
    # Only what went wrong: a request retried, refused or cut (its termination flags).
    option dontlog-normal
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout queue 30s
    timeout check {CHECK_TIMEOUT}
    # A request whose connection a server refused (it is stopping, or gone) never
    # reached the app: it goes to another server, whatever its method. A GET or HEAD
    # that a server took and dropped unanswered (a stopping server resets the
    # connections still waiting in its listen queue) is sent again too: reading twice
    # is harmless. Any other method is never sent twice once a server had it: a vote or
    # a comment might be written twice.
    retries 3
    retry-on conn-failure empty-response junk-response response-timeout
    option redispatch 1

frontend ideaboard
    bind 127.0.0.1:{port}
    http-request disable-l7-retry if !METH_GET
    default_backend app

backend app
    balance roundrobin
    option httpchk GET {check_path}
    http-check expect status 200
    default-server inter {CHECK_INTERVAL_MS}ms fastinter {CHECK_INTERVAL_MS}ms \
fall {CHECK_FALL} rise {CHECK_RISE}
{servers}
"""


@dataclass
class Balancer:
    """A running haproxy and its runtime API (the admin socket)."""

    port: int
    process: subprocess.Popen
    admin_socket: Path

    def command(self, line: str) -> str:
        """One command on haproxy's runtime API, and its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.admin_socket))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def _servers_stat(self) -> dict[str, dict[str, str]]:
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "app" and row.get("svname") not in ("BACKEND", None):
                rows[row["svname"]] = row
        return rows

    def server_states(self) -> dict[str, str]:
        """Each app server's state as the balancer sees it: ``UP``, ``DOWN``, ``DRAIN``..."""
        return {name: row["status"].split()[0] for name, row in self._servers_stat().items()}

    def wait_for_idle(self, name: str, timeout: float = 30) -> None:
        """Wait until the balancer has no request in progress on server ``name``."""
        deadline = time.monotonic() + timeout
        while int(self._servers_stat()[name]["scur"] or 0) > 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"server {name} still has requests after {timeout} s")
            time.sleep(0.02)

    def wait_for(self, expected: dict[str, str], timeout: float = 10) -> None:
        """Wait until the servers named are in the states given."""
        deadline = time.monotonic() + timeout
        while True:
            states = self.server_states()
            if all(states.get(name) == state for name, state in expected.items()):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the balancer shows {states}, not {expected}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_haproxy(backends: dict[str, int], workdir: Path, log: Path,
                  check_path: str = CHECK_PATH, workers: int = 2) -> Balancer:
    """haproxy in the foreground on a free port, balancing ``backends`` (name: port)."""
    port = free_port()
    admin_socket = workdir / "haproxy.sock"
    config = workdir / "haproxy.cfg"
    config.write_text(haproxy_config(port, backends, admin_socket, check_path, workers))
    subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], check=True)
    with log.open("ab") as out:
        process = subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=out,
                                   stderr=subprocess.STDOUT)
    balancer = Balancer(port, process, admin_socket)
    deadline = time.monotonic() + BALANCER_START_TIMEOUT
    while not admin_socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            balancer.stop()
            raise RuntimeError(f"haproxy did not start; see {log}")
        time.sleep(0.05)
    balancer.wait_for(dict.fromkeys(backends, "UP"), timeout=BALANCER_START_TIMEOUT)
    return balancer


@dataclass
class Cluster:
    """Two app servers and the balancer in front of them, on one database and one Redis."""

    database_url: str
    servers: dict[str, Server]
    balancer: Balancer
    env: dict[str, str]
    log: Path
    workdir: Path
    stopped: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        """The balancer's port: where people's requests go."""
        return self.balancer.port

    def app_cpu_seconds(self) -> float:
        """utime+stime of every app server's workers so far (wrk's requests divide it)."""
        return sum(sum(server.cpu_seconds().values()) for server in self.servers.values())

    def stop_server(self, name: str, *, drain: bool = True) -> None:
        """Stop one app server, as docs/DEPLOY.md tells an operator to: first drain it
        (the balancer sends it no new request and waits for those it has), then SIGTERM
        (gunicorn finishes what it holds). Without ``drain``, the SIGTERM alone: the
        connections still queued on its socket are reset (see haproxy_config)."""
        if drain:
            self.balancer.command(f"set server app/{name} state drain")
            self.balancer.wait_for_idle(name)
        self.servers[name].stop()
        self.stopped.append(name)

    def start_server(self, name: str) -> None:
        """Start a stopped app server again on its port and wait until the balancer has it."""
        old = self.servers[name]
        self.servers[name] = _start_app_server(name, self.env, old.port, self.log)
        self.balancer.command(f"set server app/{name} state ready")
        self.balancer.wait_for({name: "UP"})


def _start_app_server(name: str, env: dict[str, str], port: int | None, log: Path,
                      workers: int = 2) -> Server:
    return start_server(f"ideaboard-{name}", "ideaboard:create_app()", env, workers, log,
                        port=port)


def cluster_env(database_url: str, workdir: Path, base_url: str, redis_url: str = REDIS_URL,
                **extra: str) -> dict[str, str]:
    """The environment both app servers share: one database, one Redis, one secret key."""
    return {
        "IDEABOARD_ENV": "production",
        "IDEABOARD_SECRET_KEY": secrets.token_hex(32),
        "IDEABOARD_DATABASE_URL": database_url,
        "IDEABOARD_REDIS_URL": redis_url,
        # Counts of this cluster only, whatever else uses the same Redis.
        "IDEABOARD_RATELIMIT_KEY_PREFIX": f"cluster-{secrets.token_hex(6)}",
        "IDEABOARD_INSTANCE_PATH": str(workdir),
        "IDEABOARD_BASE_URL": base_url,
        **extra,
    }


@contextmanager
def running_cluster(database_url: str, workdir: Path, *, workers: int = 2,
                    redis_url: str = REDIS_URL, **extra_env: str) -> Iterator[Cluster]:
    """Two app servers ``a`` and ``b`` behind haproxy, stopped and cleaned up afterwards."""
    log = workdir / "cluster.log"
    # The balancer's port is the site's address; it is chosen before the servers start.
    env = cluster_env(database_url, workdir, "http://127.0.0.1", redis_url, **extra_env)
    with ExitStack() as stack:
        servers = {}
        for name in ("a", "b"):
            servers[name] = _start_app_server(name, env, None, log, workers)
            stack.callback(lambda name=name: cluster.servers[name].stop())
        balancer = start_haproxy({name: s.port for name, s in servers.items()}, workdir, log,
                                 workers=workers)
        stack.callback(balancer.stop)
        cluster = Cluster(database_url, servers, balancer, env, log, workdir)
        yield cluster


# --- the launch load test ---------------------------------------------------------

LAUNCH_SCRIPT = Path(__file__).resolve().parent / "launch.lua"
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class LaunchRequest:
    """One request of the mix, as wrk's Lua script sends it."""

    method: str
    path: str
    cookie: str
    body: str = ""


def launch_mix(pairs: list[tuple[Session, int]]) -> list[LaunchRequest]:
    """Per person and the idea given them: the Trending list, the idea's page, an up-vote
    on it, the home page and a comment on it.

    A vote sets a value (it does not toggle), so however often wrk sends the same
    request, each person has exactly one up-vote on their idea afterwards.
    """
    requests: list[LaunchRequest] = []
    for session, idea in pairs:
        cookie = session.cookie_header
        token = urllib.parse.quote(session.csrf_token, safe="")
        requests += [
            LaunchRequest("GET", "/?sort=trending", cookie),
            LaunchRequest("GET", f"/ideas/{idea}", cookie),
            LaunchRequest("POST", f"/ideas/{idea}/vote", cookie,
                          f"csrf_token={token}&value=1"),
            LaunchRequest("GET", "/", cookie),
            LaunchRequest("POST", f"/ideas/{idea}/comments", cookie,
                          f"csrf_token={token}&body=Count+me+in+for+the+launch."),
        ]
    return requests


def assign_ideas(people: list[tuple[str, int]], ideas: list[tuple[int, int]]
                 ) -> dict[str, int]:
    """Each person (e-mail, id) gets an idea (id, author id) of someone else, in turn."""
    given = {}
    for number, (email, person) in enumerate(people):
        for offset in range(len(ideas)):
            idea, author = ideas[(number + offset) % len(ideas)]
            if author != person:
                given[email] = idea
                break
    return given


def write_launch_requests(requests: list[LaunchRequest], path: Path) -> None:
    """The mix as a tab-separated file the Lua script reads (method, path, cookie, body)."""
    path.write_text("".join(f"{r.method}\t{r.path}\t{r.cookie}\t{r.body}\n" for r in requests))


def parse_latency_percentiles(output: str) -> dict[str, float]:
    """wrk --latency's percentiles, in milliseconds (``{"50": 3.1, "99": 20.4, ...}``)."""
    return {p: float(value) * _UNITS[unit] for p, value, unit in _PERCENTILE.findall(output)}


def wrk_counts(output: str) -> dict[str, int]:
    """wrk's totals: requests completed, answers that were not 2xx or 3xx, socket errors."""
    counts = {"requests": 0, "non_2xx_3xx": 0, "socket_errors": 0}
    if match := re.search(r"(\d+) requests in", output):
        counts["requests"] = int(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        counts["non_2xx_3xx"] = int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                          r"timeout (\d+)", output):
        counts["socket_errors"] = sum(int(n) for n in match.groups())
    return counts


def _sign_in_many(port: int, emails: list[str], password: str) -> list[Session]:
    from bench.run import log_in

    return [log_in(port, email, password) for email in emails]


def main(argv: list[str] | None = None) -> int:
    import psycopg

    from bench import generate as gen
    from bench.run import fill

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01,
                        help="company size (1 = 100,000 ideas); default 1,000 ideas")
    parser.add_argument("--duration", type=int, default=120, help="seconds of load")
    parser.add_argument("--people", type=int, default=200, help="people signed in")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="sync workers per app server")
    args = parser.parse_args(argv)
    if not (haproxy_available() and shutil.which("wrk")):
        print("Needs haproxy and wrk: apt-get install -y haproxy wrk", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="ideaboard-cluster-"))
    database = Database("postgresql", "cluster", workdir)
    try:
        fill(database.url, args.scale, print)
        with psycopg.connect(database.url) as connection:
            people = connection.execute(
                "SELECT email, id FROM users WHERE role = 'employee' AND active ORDER BY id "
                "LIMIT %s", (args.people,)).fetchall()
            open_ideas = connection.execute(
                "SELECT id, author_id FROM ideas WHERE status = 'open' AND NOT hidden "
                "ORDER BY id LIMIT 50").fetchall()
        given = assign_ideas(people, open_ideas)
        # The launch: everyone votes and comments within minutes; no person is refused
        # for going fast (the limiter still counts each write, in Redis).
        limits = {"IDEABOARD_RATELIMIT_VOTES": "100000 per minute",
                  "IDEABOARD_RATELIMIT_COMMENTS": "100000 per minute",
                  "IDEABOARD_RATELIMIT_LOGIN_ADDRESS": "100000 per minute"}
        with running_cluster(database.url, workdir, workers=args.workers, **limits) as cluster:
            sessions = _sign_in_many(cluster.port, list(given), gen.BENCH_PASSWORD)
            requests = launch_mix([(s, given[s.email]) for s in sessions])
            requests_file = workdir / "launch.tsv"
            write_launch_requests(requests, requests_file)
            app_cpu = cluster.app_cpu_seconds()
            database_cpu = database_cpu_seconds(database.name)
            started = time.monotonic()
            output = subprocess.run(
                ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
                 "--latency", "--timeout", "30s", "-s", str(LAUNCH_SCRIPT),
                 "-H", f"User-Agent: {USER_AGENT}", "-H", "Accept: text/html",
                 f"http://127.0.0.1:{cluster.port}"],
                env={**os.environ, "LAUNCH_REQUESTS": str(requests_file)},
                capture_output=True, text=True, check=True).stdout
            elapsed = time.monotonic() - started
            app_cpu = cluster.app_cpu_seconds() - app_cpu
            database_cpu = database_cpu_seconds(database.name) - database_cpu
        print(output)
        counts = wrk_counts(output)
        if counts["non_2xx_3xx"] or counts["socket_errors"]:
            print("The balancer's and servers' log, last lines:")
            print(cluster.log.read_text()[-3000:])
        percentiles = parse_latency_percentiles(output)
        exact = votes_exact(database.url, given)
        print(f"Launch: {counts['requests']} requests in {elapsed:.0f} s "
              f"({counts['requests'] / elapsed:.0f}/s) through haproxy to 2 app servers × "
              f"{args.workers} workers; errors: {counts['non_2xx_3xx']} non-2xx/3xx, "
              f"{counts['socket_errors']} socket; latency p50 {percentiles.get('50', 0):.1f} ms, "
              f"p90 {percentiles.get('90', 0):.1f} ms, p99 {percentiles.get('99', 0):.1f} ms; "
              f"CPU per request: app servers {1000 * app_cpu / max(counts['requests'], 1):.2f} "
              f"ms, PostgreSQL {1000 * database_cpu / max(counts['requests'], 1):.2f} ms; "
              f"votes exact: {exact}")
        return 0 if exact and not counts["non_2xx_3xx"] and not counts["socket_errors"] else 1
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def database_cpu_seconds(name: str) -> float:
    """utime+stime of the PostgreSQL backends connected to database ``name`` now (the app
    servers keep their connections open for the whole run)."""
    import psycopg

    from bench.run import POSTGRES_SERVER, process_cpu_seconds

    with psycopg.connect(POSTGRES_SERVER) as connection:
        pids = [pid for (pid,) in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))]
    return sum(process_cpu_seconds(pid) or 0.0 for pid in pids)


def votes_exact(url: str, given: dict[str, int]) -> bool:
    """Whether every person has their one up-vote on the idea given them, and each of
    those ideas' kept counters equals the votes it has."""
    import psycopg

    with psycopg.connect(url) as connection:
        voted = set(connection.execute(
            "SELECT u.email, v.idea_id FROM votes v JOIN users u ON u.id = v.user_id "
            "WHERE u.email = ANY(%s) AND v.value = 1", (list(given),)).fetchall())
        drift = connection.execute(
            "SELECT count(*) FROM ideas i WHERE i.id = ANY(%s) AND (i.upvotes, i.downvotes) "
            "<> (SELECT count(*) FILTER (WHERE v.value = 1), count(*) FILTER "
            "(WHERE v.value = -1) FROM votes v WHERE v.idea_id = i.id)",
            (sorted(set(given.values())),)).fetchone()[0]
    return drift == 0 and all((email, idea) in voted for email, idea in given.items())


if __name__ == "__main__":
    sys.exit(main())

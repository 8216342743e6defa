"""Profile one page in-process: CPU per request through Flask's test client, and where it goes.

The real benchmark (``bench.run``) measures gunicorn workers under wrk; this is the tool
for working on one page between such runs. It loads the app in production configuration
on a database filled by ``bench.generate`` (``bench.run --keep`` leaves one behind), signs
in through the real login form, and reports the CPU milliseconds per request of each page
next to the floor app's, in the same process:

    python -m bench.profile --db-url sqlite:////tmp/bench.sqlite
    python -m bench.profile --db-url URL --page trending --profile 25   # top 25 functions

The vote page POSTs, so it changes the database; the others only read it.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import secrets
import time

import sqlalchemy as sa

from bench import floor_app
from bench import generate as gen
from bench.run import FAR_PAGES, next_link

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _pages(url: str) -> dict[str, tuple[str, str]]:
    """Page key -> (path, e-mail of the person who views it). A path ending in
    ``FAR`` is a list page reached by following its "Next" link ``FAR_PAGES`` times
    (``_far_page``)."""
    engine = sa.create_engine(floor_app._url(url))
    with engine.connect() as connection:
        def one(sql, **params):
            return connection.execute(sa.text(sql), params).scalar_one()

        detail = one("SELECT id FROM ideas WHERE title = :t", t=gen.DETAIL_TITLE)
        manager = one("SELECT id FROM users WHERE email = :e", e=gen.MANAGER_EMAIL)
        department = one("SELECT department_id FROM department_managers WHERE user_id = :u "
                         "ORDER BY department_id LIMIT 1", u=manager)
        slug = one("SELECT slug FROM departments WHERE id = :d", d=department)
        vote_target = one("SELECT id FROM ideas WHERE title = :t", t=gen.VOTE_TITLES[0])
    engine.dispose()
    user, boss, admin = gen.USER_EMAIL, gen.MANAGER_EMAIL, gen.ADMIN_EMAIL
    return {
        "trending": ("/?sort=trending", user),
        "top": ("/?sort=top", user),
        "trending-far": ("/?sort=trending" + FAR, user),
        "top-far": ("/?sort=top" + FAR, user),
        "filtered": (f"/?status=open&department={department}", user),
        "search": (f"/?q={gen.SEARCH_WORD}", user),
        "department": (f"/departments/{slug}", user),
        "campaign": (f"/campaigns/{gen.CAMPAIGN_ID}", user),
        "detail": (f"/ideas/{detail}", user),
        "review": ("/review", boss),
        "worklist": ("/review?list=accepted", boss),
        "notifications": ("/notifications", user),
        "help": ("/help", user),
        # Insight (issue 16): the manager's subtree, the whole company, the ledger.
        "analytics": ("/analytics", boss),
        "analytics-company": ("/analytics", admin),
        "impact": ("/impact", user),
        "vote": (f"/ideas/{vote_target}/vote", user),  # POSTs: writes to the database
        # Single sign-on and provisioning (issue 14): the admins' pages, and the SCIM
        # list an identity provider pages through (a page of 100, as Entra ID asks).
        "admin-sso": ("/admin/single-sign-on", admin),
        "admin-provisioning": ("/admin/provisioning/", admin),
        "scim-users": ("/scim/v2/Users?startIndex=1&count=100", SCIM),
        # What Entra ID and Okta ask before each create: is this userName there?
        "scim-lookup": ('/scim/v2/Users?filter=userName%20eq%20%22' + _scim_name(7) + '%22',
                        SCIM),
        # Operations (issue 19): a load balancer's readiness check and a scrape, anonymous
        # (the metrics allow 127.0.0.1 by default).
        "readyz": ("/readyz", ANONYMOUS),
        "metrics": ("/metrics", ANONYMOUS),
        # The REST API (issue 15), with a bearer token of the same people: the idea list
        # (20, as the page), the idea with its timeline, its comments, the review queue.
        "api-ideas": ("/api/v1/ideas?sort=trending&limit=20", API + user),
        "api-search": (f"/api/v1/ideas?q={gen.SEARCH_WORD}&limit=20", API + user),
        "api-idea": (f"/api/v1/ideas/{detail}", API + user),
        "api-comments": (f"/api/v1/ideas/{detail}/comments", API + user),
        "api-queue": ("/api/v1/review/queue", API + boss),
        "api-vote": (f"/api/v1/ideas/{vote_target}/vote", API + user),  # POSTs, as "vote"
    }


FAR = "#far"  # marks a path whose far page is measured (see _pages)
ANONYMOUS = ""  # the viewer of a page nobody signs in to
SCIM = "scim"  # the viewer of a SCIM page: a provisioning token (_client_for)
API = "api:"  # before an e-mail: that person's API token (_client_for)


def _far_page(client, path: str) -> str:
    """The path of the page ``FAR_PAGES`` "Next" links beyond ``path``, or of its last
    page in a database too small for that."""
    for _ in range(FAR_PAGES):
        link = next_link(client.get(path).get_data(as_text=True))
        if link is None:
            break
        path = link
    return path


def _signed_in_client(app, email: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_PATTERN.search(page).group(1)
    response = client.post("/login", data={"email": email, "password": gen.BENCH_PASSWORD,
                                           "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"logging in as {email} answered {response.status_code}")
    return client


def _client_for(app, viewer: str):
    """A test client that views pages as ``viewer``: signed in by e-mail, anonymous, or
    sending a SCIM token's ``Authorization`` header (a token made here, in production's
    way, and revoked when the process ends with the database's other rows)."""
    if viewer == ANONYMOUS:
        return app.test_client()
    if viewer != SCIM and not viewer.startswith(API):
        return _signed_in_client(app, viewer)
    from ideaboard.core.transactions import unit_of_work

    with app.app_context(), unit_of_work():
        if viewer == SCIM:
            from ideaboard.identity.scim.tokens import create_token

            _token, secret = create_token("bench.profile", None)
        else:
            from ideaboard.accounts.models import find_by_email
            from ideaboard.api.services import allowed_scopes
            from ideaboard.api.services import create_token as api_token

            person = find_by_email(viewer.removeprefix(API))
            _api_token, secret = api_token(person, "bench.profile", allowed_scopes(person),
                                           expires_in_days=1)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    if viewer == SCIM:
        _provision(client)
    return client


SCIM_PEOPLE = 200  # provisioned through SCIM before its pages are measured


def _scim_name(number: int) -> str:
    return f"scim-{number}@{gen.BENCH_DOMAIN}"


def _provision(client) -> None:
    """Provision people through SCIM itself, as an identity provider's first sync does,
    until ``SCIM_PEOPLE`` are there (this writes to the database, once)."""
    there = client.get("/scim/v2/Users?count=0").get_json()["totalResults"]
    for number in range(there, SCIM_PEOPLE):
        response = client.post("/scim/v2/Users", json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": _scim_name(number), "displayName": f"Provisioned Person {number}",
            "emails": [{"value": _scim_name(number), "primary": True}], "active": True})
        if response.status_code != 201:
            raise SystemExit(f"SCIM create answered {response.status_code}: "
                             f"{response.get_data(as_text=True)[:300]}")


def _requester(client, path: str):
    """A function making one request of ``path``: a GET, or for a vote a POST that toggles
    between +1 and 0 (as ``bench/vote.lua`` does), so every request changes the vote."""
    if not path.endswith("/vote"):
        return lambda: client.get(path)
    state = {"value": 1}
    if path.startswith("/api/"):
        def api_vote():
            response = client.post(path, json={"value": state["value"]})
            state["value"] = 1 - state["value"]
            return response

        return api_vote
    page = client.get("/notifications").get_data(as_text=True)
    token = CSRF_PATTERN.search(page).group(1)

    def vote():
        response = client.post(path, data={"csrf_token": token, "value": state["value"]},
                               headers={"Accept": "application/json"})
        state["value"] = 1 - state["value"]
        return response

    return vote


def cpu_ms_per_request(client, path: str, requests: int) -> float:
    """Mean process CPU time of ``requests`` requests of ``path`` after four warm-up ones."""
    request = _requester(client, path)
    for _ in range(4):
        response = request()
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    start = time.process_time()
    for _ in range(requests):
        request()
    return (time.process_time() - start) * 1000 / requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--page", action="append", help="page keys (default: all)")
    parser.add_argument("--requests", type=int, default=200, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="also print the N functions with the most cumulative time")
    parser.add_argument("--dump", metavar="FILE",
                        help="with --profile, also write the profile there (for pstats)")
    args = parser.parse_args(argv)

    os.environ.update({"IDEABOARD_ENV": "production",
                       "IDEABOARD_SECRET_KEY": secrets.token_hex(32),
                       "IDEABOARD_DATABASE_URL": args.db_url,
                       # As in bench.run: the snapshots worked out after generating stay fresh.
                       "IDEABOARD_INSIGHT_REFRESH_SECONDS": "86400",
                       # Production needs its address: the test client's host.
                       "IDEABOARD_BASE_URL": "http://localhost",
                       # As in bench.run: every vote counted by the limiter, none refused.
                       "IDEABOARD_RATELIMIT_VOTES": "1000000 per minute",
                       "IDEABOARD_RATELIMIT_API": "1000000 per minute"})
    from ideaboard import create_app

    app = create_app()
    # Production cookies are Secure, which the test client would not send over "http".
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    floor_app.fill(args.db_url)  # the floor's table, unless bench.run left it there
    floor = floor_app.create_app(args.db_url).test_client()
    pages = _pages(args.db_url)
    clients: dict[str, object] = {}
    for key in args.page or pages:
        path, viewer = pages[key]
        if viewer not in clients:
            clients[viewer] = _client_for(app, viewer)
        client = clients[viewer]
        if path.endswith(FAR):
            path = _far_page(client, path.removesuffix(FAR))
        # Floor and page alternate, and the median ratio of the rounds is reported, so
        # that whatever else runs on the machine weighs on both sides alike.
        rounds = []
        for _ in range(args.rounds):
            floor_ms = cpu_ms_per_request(floor, "/", args.requests)
            rounds.append((cpu_ms_per_request(client, path, args.requests), floor_ms))
        ranked = sorted(rounds, key=lambda r: r[0] / r[1])
        ms, floor_ms = ranked[len(rounds) // 2]
        spread = f"{ranked[0][0] / ranked[0][1]:.2f}-{ranked[-1][0] / ranked[-1][1]:.2f}x"
        print(f"{key:14} {ms:6.2f} ms CPU/request  {ms / floor_ms:5.2f}x floor "
              f"({floor_ms:.2f} ms; rounds {spread})  {path}")
        if args.profile:
            request = _requester(client, path)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                request()
            profiler.disable()
            if args.dump:
                profiler.dump_stats(args.dump)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

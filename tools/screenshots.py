"""Screenshots of the main pages at desktop and phone sizes, into docs/screenshots/.

Seeds the demo company into a temporary SQLite database, serves the app on
127.0.0.1 and photographs each page in headless Chromium (Playwright).

    .venv/bin/python tools/screenshots.py      # or: make screenshots
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("IDEABOARD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
# (file name, demo login, path or a callable finding it)
PAGES = [
    ("ideas", "employee", "/"),
    ("idea", "employee", "idea:Solar panels on the warehouse roof"),
    ("idea-open", "employee", "open-idea"),
    ("submit", "employee", "/ideas/new"),
    ("help", "employee", "/help"),
    ("person", "employee", "person:peer"),
    ("review-queue", "manager", "/review"),
    ("review-worklist", "ops.manager", "/review?list=accepted"),
    ("review-form", "manager", "review:Company password manager for shared accounts"),
    ("notifications", "employee", "/notifications"),
    ("admin-departments", "admin", "/admin/departments"),
    ("audit", "admin", "/admin/audit"),
]

# The same in German and in Arabic (right to left): f"{name}-{language}-{size}.png".
LANGUAGES = ("de", "ar")
LANGUAGE_PAGES = [("ideas", "employee", "/"),
                  ("idea", "employee", "idea:Solar panels on the warehouse roof"),
                  ("review-queue", "manager", "/review")]


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    import logging

    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright

    from ideaboard import create_app
    from ideaboard.accounts.models import User
    from ideaboard.cli.demo import DEMO_DOMAIN, DEMO_PASSWORD, seed
    from ideaboard.extensions import db
    from ideaboard.ideas.models import Idea

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="ideaboard-shots-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'demo.sqlite'}",
                      "RATELIMIT_ENABLED": False}, env="development")
    with app.app_context():
        upgrade()
        seed()
        db.session.commit()
        ids = {title: id_ for id_, title in db.session.execute(db.select(Idea.id, Idea.title))}
        # The open idea closest to review: its page shows the threshold progress.
        open_idea = db.session.scalar(db.select(Idea.id).where(Idea.status == "open")
                                      .order_by(Idea.net_score.desc()).limit(1))
        people = {email.split("@")[0]: id_ for id_, email
                  in db.session.execute(db.select(User.id, User.email))}
    server = _serve(app)
    base = f"http://127.0.0.1:{server.server_port}"

    def resolve(target: str) -> str:
        kind, _, title = target.partition(":")
        if kind == "open-idea":
            return f"/ideas/{open_idea}"
        if kind == "person":
            return f"/people/{people[title]}"
        if kind == "idea":
            return f"/ideas/{ids[title]}"
        if kind == "review":
            return f"/review/ideas/{ids[title]}"
        return target

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        shots = [(name, login, target, None) for name, login, target in PAGES] + [
            (name, login, target, language) for language in LANGUAGES
            for name, login, target in LANGUAGE_PAGES]
        for size, (width, height) in SIZES.items():
            sessions = {}
            for name, login, target, language in shots:
                if login not in sessions:
                    context = browser.new_context(viewport={"width": width, "height": height},
                                                  base_url=base, device_scale_factor=1)
                    page = context.new_page()
                    page.goto("/login")
                    page.get_by_label("E-mail").fill(f"{login}@{DEMO_DOMAIN}")
                    page.get_by_label("Password").fill(DEMO_PASSWORD)
                    page.get_by_role("button", name="Log in").click()
                    page.wait_for_url(lambda url: "/login" not in url)
                    sessions[login] = page
                page = sessions[login]
                # Signed in in English (the form's labels); then the browser asks for it.
                page.context.set_extra_http_headers(
                    {"Accept-Language": language} if language else {})
                page.goto(resolve(target))
                path = OUT / (f"{name}-{language}-{size}.png" if language else
                              f"{name}-{size}.png")
                page.screenshot(path=str(path), full_page=size == "desktop",
                                clip=None if size == "desktop" else
                                {"x": 0, "y": 0, "width": width, "height": height * 2})
                print(path.relative_to(ROOT))
        browser.close()
    server.shutdown()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""One date style everywhere (issue 13, item 11): a relative time in a ``<time>`` element
with the exact time in its title, written by one filter, ``when``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ideaboard.core.templating import exact_time, time_ago, when
from tests.helpers.paths import ROOT

NOW = datetime(2026, 12, 1, 15, 4, 5, tzinfo=UTC)


def test_relative_times_past_and_future():
    assert time_ago(NOW - timedelta(seconds=20), NOW) == "just now"
    assert time_ago(NOW - timedelta(minutes=1), NOW) == "1 minute ago"
    assert time_ago(NOW - timedelta(days=3, hours=2), NOW) == "3 days ago"
    assert time_ago(NOW + timedelta(days=2, hours=1), NOW) == "in 2 days"
    assert time_ago(NOW + timedelta(hours=1, minutes=1), NOW) == "in 1 hour"


def test_when_writes_a_time_element_with_the_exact_time_as_its_title():
    html = str(when(NOW - timedelta(days=3), now=NOW))
    assert html == ('<time datetime="2026-11-28T15:04:05+00:00" title="28 Nov 2026, 15:04 UTC">'
                    "3 days ago</time>")
    # The audit trail: the exact time, to the second, as the text.
    assert str(when(NOW, exact=True, now=NOW)) == (
        '<time datetime="2026-12-01T15:04:05+00:00" title="just now">'
        "1 Dec 2026, 15:04:05 UTC</time>")
    assert str(when(None)) == ""
    assert exact_time(NOW) == "1 Dec 2026, 15:04 UTC"


def test_no_template_writes_a_date_another_way():
    """Dates go through ``|when``: not the old filters, not a hand-written ``<time>``."""
    old_style = re.compile(r"\|\s*(time_ago|date)\b|<time\b")
    allowed: set[str] = set()
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        if name not in allowed and old_style.search(path.read_text()):
            offenders.append(name)
    assert offenders == []


def test_pages_show_dates_in_the_one_style(employee_client, employee, it_department):
    from tests.helpers.factories import IdeaFactory

    idea = IdeaFactory(author=employee, department=it_department,
                       created_at=datetime.now(UTC) - timedelta(days=3, minutes=5))
    for url in ("/", f"/ideas/{idea.id}"):
        page = employee_client.get(url).get_data(as_text=True)
        assert re.search(r'<time datetime="[^"]+" title="\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC">'
                         r"3 days ago</time>", page), url

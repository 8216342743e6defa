"""The independent checker: scim2-tester (the scim2-models project's RFC 7643/7644
compliance suite) against this app served over HTTP on 127.0.0.1, with zero failures.

It discovers the server from its ServiceProviderConfig, ResourceTypes and Schemas, then
creates, reads, lists, searches, replaces, PATCHes (add, replace, remove on every
attribute) and deletes Users and Groups with random values. A test dependency: it
skips only where the package cannot be imported, and never under
IDEABOARD_REQUIRE_SCIM=1 (CI)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.helpers.postgres import require_or_skip
from tests.helpers.scim import new_token
from tests.helpers.servers import served

# About 800 requests over HTTP: 10-25 s on a loaded two-core machine.
pytestmark = pytest.mark.slow

try:
    import httpx2
    import scim2_tester
except ImportError:  # a checkout without the test extra; CI sets IDEABOARD_REQUIRE_SCIM=1
    httpx2 = scim2_tester = None


@pytest.fixture
def live_scim(app):
    """The test app over HTTP on a free port of 127.0.0.1, and a SCIM token for it."""
    if scim2_tester is None or httpx2 is None:
        require_or_skip("scim2-tester and httpx2 are not installed (pip install -e '.[test]')",
                        "IDEABOARD_REQUIRE_SCIM")
    secret = new_token("scim2-tester")
    with served(app) as base_url:
        yield f"{base_url}/scim/v2", secret


def test_scim2_tester_finds_no_failure(live_scim, company):
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_tester import Status, check_server

    base_url, secret = live_scim
    with httpx2.Client(base_url=base_url, timeout=10,
                       headers={"Authorization": f"Bearer {secret}"}) as http:
        results = check_server(SyncSCIMClient(http))

    statuses = Counter(result.status for result in results)
    failures = [f"{r.title} {getattr(r, 'resource_type', '') or ''}: {r.reason}"
                for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    assert not failures, "\n".join(failures)
    # It really exercised the server: discovery, and the CRUD of both resource types.
    assert statuses[Status.SUCCESS] >= 100, statuses
    checked = {getattr(r, "resource_type", None) for r in results
               if r.status == Status.SUCCESS}
    assert {"User", "Group"} <= checked

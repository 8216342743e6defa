"""A valid CSRF token for a test client, read from a real page (CSRF stays on in tests)."""

from __future__ import annotations

import re

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str = "/login") -> str:
    """A valid CSRF token for this client's session, read from a real page."""
    response = client.get(url, follow_redirects=True)
    match = CSRF_PATTERN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)

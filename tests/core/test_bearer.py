"""Bearer secrets (core.bearer): fresh, recognisable, stored as SHA-256, bounded."""

from __future__ import annotations

import hashlib

from ideaboard.core import bearer


def test_a_secret_is_fresh_prefixed_and_kept_as_its_sha256():
    first, second = bearer.new_secret("ib_"), bearer.new_secret("ib_")
    assert first != second and first.startswith("ib_") and len(first) == 3 + 43
    assert bearer.digest(first) == hashlib.sha256(first.encode()).hexdigest()


def test_only_bounded_secrets_with_the_prefix_are_looked_up():
    assert bearer.looks_like(bearer.new_secret("scim_"), "scim_")
    assert not bearer.looks_like(bearer.new_secret("scim_"), "ib_")
    assert not bearer.looks_like(None, "ib_")
    assert not bearer.looks_like("", "ib_")
    assert not bearer.looks_like("ib_" + "x" * bearer.MAX_LENGTH, "ib_")

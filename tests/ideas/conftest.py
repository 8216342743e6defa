"""Fixtures of the idea tests."""

from __future__ import annotations

import pytest

from tests.helpers.factories import UserFactory


@pytest.fixture
def peer(it_department):
    """A colleague of the employee, in the same department."""
    return UserFactory(display_name="Pat Peer", department=it_department)

"""Fixtures the moderation tests share: an idea and a colleague who reports things."""

import pytest

from tests.helpers.factories import IdeaFactory, UserFactory


@pytest.fixture
def idea(employee, it_department):
    return IdeaFactory(author=employee, department=it_department, title="Four-day week")


@pytest.fixture
def reporter(it_department):
    return UserFactory(email="rita@example.com", display_name="Rita Reporter",
                       department=it_department)

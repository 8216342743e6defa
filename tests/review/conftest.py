"""Fixtures the review tests share: an org tree three levels deep with a manager each."""

import pytest

from ideaboard.extensions import db
from tests.helpers.factories import DepartmentFactory, UserFactory


@pytest.fixture
def tree(company):
    """company (SLA 14) > operations (SLA 7) > field-ops (SLA 3), each with a manager."""
    company.review_sla_days = 14
    ops = DepartmentFactory(name="Operations", slug="operations", parent=company,
                            review_sla_days=7)
    field = DepartmentFactory(name="Field ops", slug="field-ops", parent=ops, review_sla_days=3)
    managers = {
        "company": UserFactory(email="ceo@example.com", manages=[company]),
        "ops": UserFactory(email="ops.boss@example.com", manages=[ops]),
        "field": UserFactory(email="field.boss@example.com", manages=[field]),
    }
    admin = UserFactory(email="root@example.com", role="admin")
    db.session.commit()
    return {"company": company, "ops": ops, "field": field, "managers": managers,
            "admin": admin}

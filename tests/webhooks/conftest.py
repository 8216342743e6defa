"""The webhooks tests deliver to real receivers on 127.0.0.1."""

import pytest

from tests.helpers.webhooks import allow_loopback


@pytest.fixture(autouse=True)
def _loopback_receivers(app):
    allow_loopback(app)

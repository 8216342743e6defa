"""The test client the suite uses."""

from __future__ import annotations

from flask.testing import FlaskClient

from ideaboard.extensions import db


class IsolatedClient(FlaskClient):
    """Runs each request in its own application context, as a real server does.

    The ``app`` fixture keeps a context open for the test's own database work;
    without this, requests would reuse it and share ``g`` (the logged-in user)
    and the database session with the test and with each other.

    Before each request the test's own session commits: what the test set up is
    visible to the request, the test holds no transaction (and so no lock or old
    snapshot) while the request runs, and its objects reload afterwards.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)

"""Signing a test client in and out through the real forms."""

from __future__ import annotations

from tests.helpers.csrf import csrf_token
from tests.helpers.factories import PASSWORD


class AuthActions:
    """Log a test client in and out through the real forms (CSRF on)."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **extra):
        data = {"email": email, "password": password, "csrf_token": csrf_token(self.client)}
        data.update(extra)
        return self.client.post("/login", data=data)

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client)})


def signed_in(app, user):
    """A new test client signed in as ``user`` (through the login form)."""
    client = app.test_client()
    response = AuthActions(client).login(user.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client

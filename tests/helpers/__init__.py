"""What tests share, one module per kind of help.

- ``factories``: factory_boy factories for the models (and the tests' ``PASSWORD``).
- ``csrf``: a valid CSRF token read from a real page.
- ``login``: signing a test client in through the real form (``AuthActions``, ``signed_in``).
- ``clients``: the test client that runs each request in its own app context.
- ``queries``: counting the SQL a page runs, for the query budgets.
- ``discussions``: comment threads and people commenting while a test runs.
- ``review``: ideas in a given review state.
- ``xss``: the cross-site-scripting corpus and the checks on what a page executes.
- ``browser``: steps of the browser journeys (signing in, axe checks).
- ``postgres``: a PostgreSQL server for tests that need one of their own.
- ``paths``: the repository's root.

Fixtures are not here: they live in ``tests/conftest.py`` (shared by all) or in a
folder's ``conftest.py`` (shared by one capability's tests).
"""

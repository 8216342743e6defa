"""An Ideaboard without single sign-on does not load the protocol libraries: pysaml2
and Authlib together cost a worker about 33 MB (the worker's budget is 150 MB), so they
are imported only by an app that has SAML or OpenID Connect configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.helpers.paths import ROOT

PROBE = """
import json, sys
from ideaboard import create_app
app = create_app()
with app.test_client() as client:
    status = client.get("/login").status_code
print(json.dumps({"status": status,
                  "loaded": sorted(name for name in ("saml2", "authlib") if name in sys.modules)}))
"""


def test_a_worker_without_single_sign_on_loads_neither_pysaml2_nor_authlib():
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("IDEABOARD_", "FLASK_"))}
    env.update({"IDEABOARD_ENV": "testing", "IDEABOARD_DATABASE_URL": "sqlite://"})
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=True)
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {"status": 200, "loaded": []}

"""A wheel built from the repository works on its own: pages, static files, migrations."""

import os
import secrets
import subprocess
import sys
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

from tests.helpers.i18n import shipped_catalogues
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(out), str(ROOT)], check=True, capture_output=True, text=True)
    [built] = out.glob("ideaboard-*.whl")
    return built


def test_wheel_carries_templates_static_migrations_and_config(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ["ideaboard/templates/base.html", "ideaboard/static/css/app.css",
                     "ideaboard/migrations/env.py", "ideaboard/migrations/alembic.ini",
                     "ideaboard/config.py"]:
        assert expected in names, expected
    assert any(n.startswith("ideaboard/migrations/versions/") for n in names)
    # Each shipped language compiled by the build (hatch_build.py), not taken from git.
    for po in shipped_catalogues().values():
        compiled = po.relative_to(ROOT).with_suffix(".mo").as_posix()
        assert compiled in names, compiled
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_serves_pages_and_upgrades_a_database(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True,
                   capture_output=True, text=True)
    workdir = tmp_path / "elsewhere"  # not the checkout: nothing may come from there
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDEABOARD_", "PYTHON"))}
    env.update({
        "IDEABOARD_ENV": "production",
        "IDEABOARD_SECRET_KEY": secrets.token_hex(32),
        # The probe's test client names localhost; production trusts only this host.
        "IDEABOARD_BASE_URL": "http://localhost",
        "IDEABOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'wheel.sqlite'}",
    })
    flask = str(env_dir / "bin" / "flask")
    upgrade = subprocess.run([flask, "--app", "ideaboard", "db", "upgrade"],
                             cwd=workdir, env=env, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "Running upgrade" in upgrade.stderr
    # The console script the wheel declares (it named a missing function once).
    script = subprocess.run([str(env_dir / "bin" / "ideaboard"), "--help"], cwd=workdir,
                            env=env, capture_output=True, text=True)
    assert script.returncode == 0, script.stderr
    assert "escalate" in script.stdout and "send-mail" in script.stdout
    probe = textwrap.dedent("""
        import ideaboard, sys
        from ideaboard import create_app
        assert "site-packages" in ideaboard.__file__, ideaboard.__file__
        app = create_app()
        client = app.test_client()
        page = client.get("/login")
        css = client.get("/static/css/app.css")
        health = client.get("/readyz")
        print(page.status_code, css.status_code, health.status_code, b"Log in" in page.data)
    """)
    result = subprocess.run([str(python), "-c", probe], cwd=workdir, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "200", "200", "True"]

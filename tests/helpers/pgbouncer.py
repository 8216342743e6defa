"""A real PgBouncer (Debian's /usr/sbin/pgbouncer) in front of a test database.

Started in the foreground in a temporary folder of its own (ini, user list, unix
socket, pid file and log), listening on a free port of 127.0.0.1, and stopped
afterwards. Tests that need it skip without it under `make test`; with
``IDEABOARD_REQUIRE_PGBOUNCER=1`` (CI) they fail instead.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from tests.helpers.ports import free_port
from tests.helpers.postgres import require_or_skip

REQUIRE_VARIABLE = "IDEABOARD_REQUIRE_PGBOUNCER"
STARTUP_TIMEOUT = 10.0  # seconds for PgBouncer to listen
STOP_TIMEOUT = 10.0
# The database name clients ask PgBouncer for; it maps it to the real one.
ALIAS = "ideaboard"


def pgbouncer_binary() -> str | None:
    """The pgbouncer executable (Debian installs it in /usr/sbin), or None."""
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/bin")


def require_pgbouncer_or_skip(reason: str) -> NoReturn:
    """Skip for a missing PgBouncer or PostgreSQL; fail when CI requires PgBouncer."""
    require_or_skip(reason, REQUIRE_VARIABLE)


@dataclass
class PgBouncer:
    """A running PgBouncer: where it listens and what it logged."""

    port: int
    directory: Path
    process: subprocess.Popen

    def url(self) -> str:
        """The URL the app connects to: PgBouncer's port and database alias."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{ALIAS}"

    def log(self) -> str:
        path = self.directory / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _ini(database_url: str, port: int, directory: Path, pool_size: int) -> str:
    target = urlsplit(database_url)
    return f"""\
[databases]
{ALIAS} = host={target.hostname or "127.0.0.1"} port={target.port or 5432} \
dbname={target.path.lstrip("/")} user={target.username or "postgres"}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir = {directory}
pidfile = {directory}/pgbouncer.pid
logfile = {directory}/pgbouncer.log
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 50
; Consecutive transactions of one client take the server connection idle longest,
; not the one it just used: they change servers as they do under load.
server_round_robin = 1
"""


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _start(binary: str, database_url: str, pool_size: int) -> PgBouncer:
    directory = Path(tempfile.mkdtemp(prefix="ideaboard-pgbouncer-"))
    port = free_port()
    (directory / "pgbouncer.ini").write_text(_ini(database_url, port, directory, pool_size))
    (directory / "userlist.txt").write_text('"postgres" ""\n')
    command = [binary]
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root; it drops to this user, who must own the folder.
        nobody = pwd.getpwnam("nobody")
        for path in (directory, *directory.iterdir()):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        command += ["-u", "nobody"]
    command.append(str(directory / "pgbouncer.ini"))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bouncer = PgBouncer(port, directory, process)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not _listening(port):
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(bouncer)
            raise RuntimeError(f"PgBouncer did not start on port {port}:\n{bouncer.log()}")
        time.sleep(0.05)
    return bouncer


def _stop(bouncer: PgBouncer) -> None:
    if bouncer.process.poll() is None:
        bouncer.process.terminate()  # SIGTERM: PgBouncer's fast shutdown
        try:
            bouncer.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            bouncer.process.kill()
            bouncer.process.wait(timeout=STOP_TIMEOUT)
    shutil.rmtree(bouncer.directory, ignore_errors=True)


@contextmanager
def running_pgbouncer(database_url: str, *, pool_size: int = 2) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode in front of ``database_url``, for the block.

    ``pool_size`` is its ``default_pool_size``: the most server connections it opens to
    the database, however many clients connect. A port taken between choosing it and
    PgBouncer binding it (another test's server) is tried again with a new one.
    """
    binary = pgbouncer_binary()
    if binary is None:
        require_pgbouncer_or_skip("needs PgBouncer (Debian: apt-get install pgbouncer)")
    for attempt in range(3):
        try:
            bouncer = _start(binary, database_url, pool_size)
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        yield bouncer
    finally:
        _stop(bouncer)

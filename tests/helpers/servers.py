"""The test app served over real HTTP on 127.0.0.1, for clients that must talk to a
live server (schemathesis, scim2-tester, a script with requests)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server


@contextmanager
def served(app) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 in a thread; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

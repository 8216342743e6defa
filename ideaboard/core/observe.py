"""What every request leaves for the people who run the site: an id, its metrics and
one access-log line.

**The request id** comes from the incoming ``X-Request-ID`` header when it is
well-formed (1 to 128 characters of letters, digits and ``. _ : + = / -``, what load
balancers and tracing headers use), so one id follows a request from haproxy through
the app to its log lines; anything else, or none, gets a fresh random one. It is in
``g.request_id``, on every log record of the request (``core.logs``), on error pages
(for a person to quote), and sent back as ``X-Request-ID``.

**Timing** starts when Flask begins the request (``request_started``, before every
before-request hook) and ends in the last after-request hook, so it covers the view,
the commit and every other hook, but not the time a streamed body takes to send.
:func:`register` must therefore be the factory's first step that adds hooks.

**The access log** is one INFO record of the ``ideaboard.access`` logger a request:
method, path (tokens redacted: ``core.logs.logged_path``), status, endpoint, duration
and person.
"""

from __future__ import annotations

import logging
import re
import secrets
from time import perf_counter

from flask import Flask, g, request, request_started
from werkzeug.wrappers import Response

from ideaboard.core import metrics
from ideaboard.core.logs import logged_path, signed_in_user_id

REQUEST_ID_HEADER = "X-Request-ID"
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+=/-]{1,128}")

access_log = logging.getLogger("ideaboard.access")


def request_id_from(header: str | None) -> str:
    """The id a request goes by: the caller's, if well-formed, else a new random one."""
    if header and WELL_FORMED_REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)


def begin(sender: Flask, **_extra) -> None:
    """As a request starts: its id and its clock."""
    g.request_started_at = perf_counter()
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))


def finish(response: Response, requests: metrics.RequestMetrics) -> Response:
    """The last after-request hook: echo the id, count the request, log it."""
    started = g.get("request_started_at")
    seconds = perf_counter() - started if started is not None else 0.0
    request_id = g.get("request_id")
    if request_id is not None:
        response.headers[REQUEST_ID_HEADER] = request_id
    endpoint = request.endpoint or metrics.UNMATCHED
    requests.record(endpoint, request.method, response.status_code, seconds)
    if access_log.isEnabledFor(logging.INFO):
        duration_ms = round(seconds * 1000, 2)
        path = logged_path()
        access_log.info(
            "%s %s %s %.2fms", request.method, path, response.status_code, duration_ms,
            extra={"request_id": request_id, "method": request.method, "path": path,
                   "endpoint": endpoint, "status": response.status_code,
                   "duration_ms": duration_ms, "user_id": signed_in_user_id()})
    return response


def register(app: Flask) -> None:
    """Bracket every request of ``app`` (whose metrics are registered); call it before
    any other step adds a hook."""
    # Held by the app (blinker keeps receivers weakly) and sent only for this app.
    app.extensions["ideaboard.observe"] = begin
    request_started.connect(begin, app)
    requests = metrics.of(app).requests

    @app.after_request
    def finish_request(response: Response) -> Response:
        return finish(response, requests)

"""What entry points do around their one service call: log a failure once (the
framework's server is silent about a 500), bind the request's trace, and decode Sigap's
event messages, dropping (with an ERROR line) one that can never be processed.
Scheduled ticks need only ``logs.reported``."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from shared import logs
from shared.entrypoints.messages import BadMessage, event_message

logs.install()  # Python's logging (Flask's tracebacks included) as JSON lines, before any app exists


def http_entry(handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Binds the trace; an HTML answer that did not come through ``html_response`` still
    gets the security headers (shared/web/responses.py), as a safety net."""
    @functools.wraps(handler)
    def entry(request):
        logs.bind_trace(request.headers.get("traceparent") or request.headers.get("X-Cloud-Trace-Context"))
        response = handler(request)
        if getattr(response, "mimetype", None) == "text/html" and "Content-Security-Policy" not in response.headers:
            from shared.web.responses import html_headers
            for name, value in html_headers().items():
                response.headers.setdefault(name, value)
        return response
    return logs.reported(entry)


def event_entry(handler: Callable[[dict], Any]) -> Callable[[Any], Any]:
    """The handler receives the decoded event ({id, type, case_id, occurred_at, data})."""
    @functools.wraps(handler)
    def entry(cloud_event):
        try:
            event = event_message(cloud_event)
        except BadMessage as exc:
            logs.error(f"{handler.__name__}: message dropped", reason=str(exc), message_id=cloud_event["id"])
            return None
        return handler(event)
    return logs.reported(entry)


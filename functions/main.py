"""Sigap's Cloud Functions. Each entry point only decodes its trigger, makes one
service call and translates the outcome; the work lives in ``shared``."""
from __future__ import annotations

import sys
from pathlib import Path

import functions_framework

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root holds shared/

from shared import bootstrap, logs  # noqa: E402
from shared.pubsub_messages import BadMessage, event_message  # noqa: E402
from shared.services.outbox import drain_outbox  # noqa: E402
from shared.services.routing import route_case  # noqa: E402
from shared.web import cases as cases_web, intake as intake_web, open311 as open311_web  # noqa: E402


@functions_framework.http
@logs.reported
def intake(request):
    logs.bind_trace(request.headers.get("traceparent") or request.headers.get("X-Cloud-Trace-Context"))
    return intake_web.handle(request, bootstrap.app())


@functions_framework.http
@logs.reported
def cases(request):
    logs.bind_trace(request.headers.get("traceparent") or request.headers.get("X-Cloud-Trace-Context"))
    return cases_web.handle(request, bootstrap.app())


@functions_framework.http
@logs.reported
def open311(request):
    logs.bind_trace(request.headers.get("traceparent") or request.headers.get("X-Cloud-Trace-Context"))
    return open311_web.handle(request, bootstrap.app())


@functions_framework.cloud_event
@logs.reported
def route(cloud_event):
    try:
        case_id = event_message(cloud_event)["case_id"]
    except BadMessage as exc:
        logs.error("route: message dropped", reason=str(exc), message_id=cloud_event["id"])
        return
    app = bootstrap.app()
    route_case(case_id, repo=app.repo, outbox=app.outbox, publisher=app.publisher,
               catalog=app.catalog, rules=app.rules, clock=app.clock)


@functions_framework.cloud_event
@logs.reported
def sweep_outbox(cloud_event):
    app = bootstrap.app()
    drain_outbox(outbox=app.outbox, publisher=app.publisher, clock=app.clock,
                 grace_seconds=app.settings.outbox_grace_seconds)

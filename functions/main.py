"""Sigap's Cloud Functions. Each entry point only decodes its trigger, makes one
service call and translates the outcome; the work lives in ``shared``."""
from __future__ import annotations

import sys
from pathlib import Path

import functions_framework

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root holds shared/

from shared import bootstrap, logs  # noqa: E402
from shared.entrypoints import event_entry, http_entry  # noqa: E402
from shared.services.outbox import drain_outbox  # noqa: E402
from shared.services.routing import route_case  # noqa: E402
from shared.services import lapor_push, lapor_sync  # noqa: E402
from shared.services.escalation import daily_digest, escalate_due  # noqa: E402
from shared.entrypoints.ticks import tick_instant  # noqa: E402
from shared.services.notify import queue_notifications  # noqa: E402
from shared.services.webhooks import DeliveryLimits, deliver_due, queue_deliveries  # noqa: E402
from shared.web import cases as cases_web, intake as intake_web, open311 as open311_web  # noqa: E402
from shared.web import units as units_web, webhooks_admin  # noqa: E402
from shared.web import reports as reports_web  # noqa: E402


@functions_framework.http
@http_entry
def intake(request):
    return intake_web.handle(request, bootstrap.app())


@functions_framework.http
@http_entry
def cases(request):
    return cases_web.handle(request, bootstrap.app())


@functions_framework.http
@http_entry
def open311(request):
    return open311_web.handle(request, bootstrap.app())


@functions_framework.cloud_event
@event_entry
def route(event):
    case_id = event["case_id"]
    app = bootstrap.app()
    route_case(case_id, repo=app.repo, outbox=app.outbox, publisher=app.publisher,
               catalog=app.catalog, rules=app.rules, clock=app.clock, escalation=app.escalation,
               lapor=app.lapor_store)


@functions_framework.cloud_event
@logs.reported
def sweep_outbox(cloud_event):
    app = bootstrap.app()
    drain_outbox(outbox=app.outbox, publisher=app.publisher, clock=app.clock,
                 grace_seconds=app.settings.outbox_grace_seconds)


@functions_framework.cloud_event
@logs.reported
def escalate(cloud_event):
    app = bootstrap.app()
    as_of = tick_instant(cloud_event, allow_override=app.settings.allow_clock_override, clock=app.clock)
    escalate_due(queue=app.due_cases, repo=app.repo, outbox=app.outbox, publisher=app.publisher,
                 catalog=app.catalog, escalation=app.escalation, as_of=as_of, lapor=app.lapor_store)


@functions_framework.cloud_event
@logs.reported
def digest(cloud_event):
    app = bootstrap.app()
    as_of = tick_instant(cloud_event, allow_override=app.settings.allow_clock_override, clock=app.clock)
    daily_digest(queue=app.due_cases, publisher=app.publisher, catalog=app.catalog,
                 escalation=app.escalation, as_of=as_of)


@functions_framework.http
@http_entry
def units(request):
    return units_web.handle(request, bootstrap.app())


@functions_framework.http
@http_entry
def reports(request):
    return reports_web.handle(request, bootstrap.app())


@functions_framework.http
@http_entry
def webhooks(request):
    return webhooks_admin.handle(request, bootstrap.app())


@functions_framework.cloud_event
@event_entry
def dispatch_webhooks(event):
    app = bootstrap.app()
    queue_deliveries(event, store=app.webhook_store, publisher=app.publisher, clock=app.clock)


@functions_framework.cloud_event
@logs.reported
def deliver_webhooks(cloud_event):
    app = bootstrap.app()
    deliver_due(store=app.webhook_store, sender=app.webhook_sender, clock=app.clock,
                limits=DeliveryLimits(schedule=app.settings.webhook_retry_schedule))


@functions_framework.cloud_event
@event_entry
def notify(event):
    app = bootstrap.app()
    queue_notifications(event, store=app.notification_store, publisher=app.publisher, clock=app.clock,
                        catalog=app.catalog, escalation=app.escalation, repo=app.repo,
                        link_base=app.settings.public_base_url, channels=app.notification_sender.channels())


@functions_framework.cloud_event
@logs.reported
def deliver_notifications(cloud_event):
    app = bootstrap.app()
    deliver_due(store=app.notification_store, sender=app.notification_sender, clock=app.clock,
                limits=DeliveryLimits(schedule=app.settings.notify_retry_schedule))


@functions_framework.cloud_event
@logs.reported
def sync_lapor(cloud_event):
    app = bootstrap.app()
    if app.lapor_client is None:
        logs.warning("sync_lapor: SIGAP_LAPOR_BASE_URL is not set; nothing synced")
        return
    settings = app.settings
    lapor_sync.sync_from_lapor(client=app.lapor_client, store=app.lapor_store, outbox=app.outbox,
                               publisher=app.publisher, clock=app.clock, catalog=app.catalog,
                               rules=app.escalation.rules if app.escalation else None,
                               limits=lapor_sync.SyncLimits(page_size=settings.lapor_page_size,
                                                            budget_seconds=settings.lapor_run_seconds))


@functions_framework.cloud_event
@logs.reported
def push_lapor(cloud_event):
    app = bootstrap.app()
    if app.lapor_client is None:
        logs.warning("push_lapor: SIGAP_LAPOR_BASE_URL is not set; nothing pushed")
        return
    lapor_push.push_to_lapor(client=app.lapor_client, store=app.lapor_store, repo=app.repo, publisher=app.publisher,
                             clock=app.clock, backoff=lapor_push.Backoff(max_attempts=app.settings.lapor_max_attempts),
                             catalog=app.catalog)


@functions_framework.cloud_event
@event_entry
def queue_lapor_submission(event):
    case_id = event["case_id"]
    app = bootstrap.app()
    lapor_push.queue_submission(case_id, repo=app.repo, store=app.lapor_store, publisher=app.publisher,
                                clock=app.clock, sources=app.settings.lapor_submit_sources)

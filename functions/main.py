"""Sigap's Cloud Functions. Each entry point only decodes its trigger, makes one
service call and translates the outcome; the work lives in ``shared``.

Every function is deployed with this whole file, so each entry point imports its own
modules inside its body: a cold start loads only what that function uses (and its
adapters are built lazily by ``shared.bootstrap`` on first use)."""
from __future__ import annotations

import functions_framework

from shared import bootstrap, logs
from shared.entrypoints import event_entry, http_entry

bootstrap.start()  # production only: a missing setting fails the start (shared/config.py)


@functions_framework.http
@http_entry
def intake(request):
    from shared.web import intake as intake_web
    return intake_web.handle(request, bootstrap.app())


@functions_framework.http
@http_entry
def cases(request):
    from shared.web import cases as cases_web
    return cases_web.handle(request, bootstrap.app())


@functions_framework.http
@http_entry
def open311(request):
    from shared.web import open311 as open311_web
    return open311_web.handle(request, bootstrap.app())


@functions_framework.cloud_event
@event_entry
def route(event):
    from shared.services.routing import route_case
    case_id = event["case_id"]
    app = bootstrap.app()
    route_case(case_id, uow=app.uow, publisher=app.publisher, catalog=app.catalog, rules=app.rules,
               clock=app.clock, escalation=app.escalation, tell_lapor=True, model=app.routing_model())


@functions_framework.cloud_event
@logs.reported
def learn_routing(cloud_event):
    from shared.services.routing_learning import learn
    app = bootstrap.app()
    learn(app.routing_learning, app.repo, catalog=app.catalog, rules=app.rules, clock=app.clock)


@functions_framework.cloud_event
@logs.reported
def sweep_outbox(cloud_event):
    from shared.services.outbox import drain_outbox
    app = bootstrap.app()
    drain_outbox(outbox=app.outbox, publisher=app.publisher, clock=app.clock,
                 grace_seconds=app.settings.outbox_grace_seconds)


@functions_framework.cloud_event
@logs.reported
def escalate(cloud_event):
    from shared.entrypoints.ticks import tick_instant
    from shared.services.escalation import escalate_due
    app = bootstrap.app()
    as_of = tick_instant(cloud_event, allow_override=app.settings.allow_clock_override, clock=app.clock)
    escalate_due(queue=app.due_cases, uow=app.uow, publisher=app.publisher, catalog=app.catalog,
                 escalation=app.escalation, as_of=as_of, tell_lapor=True)


@functions_framework.cloud_event
@logs.reported
def digest(cloud_event):
    from shared.entrypoints.ticks import tick_instant
    from shared.services.escalation import daily_digest
    app = bootstrap.app()
    as_of = tick_instant(cloud_event, allow_override=app.settings.allow_clock_override, clock=app.clock)
    daily_digest(queue=app.due_cases, publisher=app.publisher, catalog=app.catalog,
                 escalation=app.escalation, as_of=as_of)


@functions_framework.http
@http_entry
def units(request):
    from shared.web import units as units_web
    return units_web.handle(request, bootstrap.app())


@functions_framework.http
@http_entry
def reports(request):
    from shared.web import reports as reports_web
    return reports_web.handle(request, bootstrap.app())


@functions_framework.http
@http_entry
def webhooks(request):
    from shared.web import webhooks_admin
    return webhooks_admin.handle(request, bootstrap.app())


@functions_framework.http
@http_entry
def telegram_webhook(request):
    from shared.web import telegram_webhook as telegram_web
    return telegram_web.handle(request, bootstrap.app())


@functions_framework.cloud_event
@event_entry
def dispatch_webhooks(event):
    from shared.services.webhooks import queue_deliveries
    app = bootstrap.app()
    queue_deliveries(event, store=app.webhook_store, publisher=app.publisher, clock=app.clock)


@functions_framework.cloud_event
@logs.reported
def deliver_webhooks(cloud_event):
    from shared.delivery.policy import RetryPolicy
    from shared.services.webhooks import deliver_due
    app = bootstrap.app()
    deliver_due(store=app.webhook_store, sender=app.webhook_sender, clock=app.clock,
                policy=RetryPolicy.scheduled(app.settings.webhook_retry_schedule))


@functions_framework.cloud_event
@event_entry
def notify(event):
    from shared.services.notify import queue_notifications
    app = bootstrap.app()
    queue_notifications(event, store=app.notification_store, publisher=app.publisher, clock=app.clock,
                        catalog=app.catalog, escalation=app.escalation, repo=app.repo,
                        link_base=app.settings.public_base_url, channels=app.notification_sender.channels(),
                        case_link=app.case_link, people=app.people)


@functions_framework.cloud_event
@logs.reported
def deliver_notifications(cloud_event):
    from shared.delivery.policy import RetryPolicy
    from shared.services.webhooks import deliver_due
    app = bootstrap.app()
    deliver_due(store=app.notification_store, sender=app.notification_sender, clock=app.clock,
                policy=RetryPolicy.scheduled(app.settings.notify_retry_schedule))


@functions_framework.cloud_event
@logs.reported
def sync_lapor(cloud_event):
    from shared.services import lapor_sync
    app = bootstrap.app()
    if app.lapor_client is None:
        logs.warning("sync_lapor: SIGAP_LAPOR_BASE_URL is not set; nothing synced")
        return
    settings = app.settings
    lapor_sync.sync_from_lapor(client=app.lapor_client, store=app.lapor_store, uow=app.uow,
                               publisher=app.publisher, clock=app.clock, catalog=app.catalog,
                               rules=app.escalation.rules if app.escalation else None,
                               limits=lapor_sync.SyncLimits(page_size=settings.lapor_page_size,
                                                            budget_seconds=settings.lapor_run_seconds))


@functions_framework.cloud_event
@logs.reported
def push_lapor(cloud_event):
    from shared.domain.integrations.lapor import PUSH_RETRY
    from shared.services import lapor_push
    app = bootstrap.app()
    if app.lapor_client is None:
        logs.warning("push_lapor: SIGAP_LAPOR_BASE_URL is not set; nothing pushed")
        return
    lapor_push.push_to_lapor(client=app.lapor_client, store=app.lapor_store, uow=app.uow, publisher=app.publisher,
                             clock=app.clock, policy=PUSH_RETRY.with_max_attempts(app.settings.lapor_max_attempts),
                             catalog=app.catalog)


@functions_framework.cloud_event
@event_entry
def queue_lapor_submission(event):
    from shared.services import lapor_push
    case_id = event["case_id"]
    app = bootstrap.app()
    lapor_push.queue_submission(case_id, uow=app.uow, publisher=app.publisher, clock=app.clock,
                                sources=app.settings.lapor_submit_sources)


@functions_framework.cloud_event
@event_entry
def reports_ingest(event):
    from shared.services.reports_ingest import ingest_case
    app = bootstrap.app()
    if event["case_id"]:  # issue 15: the report aggregates follow the case (docs/reports.md)
        ingest_case(event["case_id"], cases=app.report_source, store=app.aggregate_store,
                    policy=app.escalation.rules.policy, calendar=app.escalation.rules.calendar,
                    publisher=app.publisher, clock=app.clock)

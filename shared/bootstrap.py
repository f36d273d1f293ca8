"""Builds the real adapters lazily, once per instance (nothing at import time)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

from shared import logs
from shared.adapters.catalog_files import load_catalog, load_routing_rules
from shared.config import Settings
from shared.domain.catalog import Catalog
from shared.domain.routing import RoutingRules


@dataclass
class App:
    """Everything an entry point hands to a service: settings, catalog and ports."""
    settings: Settings

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(self.settings.catalog_dir)

    @cached_property
    def rules(self) -> RoutingRules:
        return load_routing_rules(self.catalog, self.settings.catalog_dir)

    @cached_property
    def firestore(self):
        from google.cloud import firestore
        return firestore.Client(project=self.settings.project_id)

    @cached_property
    def repo(self):
        from shared.adapters.firestore_cases import FirestoreCaseRepository
        return FirestoreCaseRepository(self.firestore)

    @cached_property
    def outbox(self):
        from shared.adapters.firestore_cases import FirestoreOutbox
        return FirestoreOutbox(self.firestore)

    @cached_property
    def publisher(self):
        from google.cloud import pubsub_v1
        from shared.adapters.pubsub_events import PubSubEventPublisher
        # Each event is awaited before the HTTP answer: a 1 ms batching window instead of
        # the client's default 10 ms keeps that wait short (measured in tests/benchmarks).
        batching = pubsub_v1.types.BatchSettings(max_messages=100, max_latency=0.001)
        return PubSubEventPublisher(pubsub_v1.PublisherClient(batch_settings=batching),
                                    self.settings.project_id)

    @cached_property
    def webhook_store(self):
        from shared.adapters.firestore_webhooks import FirestoreWebhookStore
        return FirestoreWebhookStore(self.firestore)

    @cached_property
    def webhook_sender(self):
        from shared.adapters.http_webhooks import HttpWebhookSender
        from shared.domain.integrations.url_safety import UrlPolicy
        return HttpWebhookSender(UrlPolicy.parse(self.settings.webhook_allow_http, self.settings.webhook_allowlist))

    @cached_property
    def notification_store(self):
        from shared.adapters.firestore_webhooks import FirestoreNotificationStore
        from shared.domain.integrations.notifications import channel_subscriptions
        return FirestoreNotificationStore(self.firestore, channel_subscriptions())

    @cached_property
    def notification_sender(self):
        from shared.adapters.notification_senders import NotificationSender, SmtpSettings
        s = self.settings
        smtp = SmtpSettings(s.smtp_host, s.smtp_port, s.smtp_from, s.smtp_user, s.smtp_password,
                            s.smtp_starttls) if s.smtp_host else None
        return NotificationSender(smtp=smtp, telegram_base=s.telegram_api_base, telegram_token=s.telegram_bot_token,
                                  webhook_sender=self.webhook_sender)

    @cached_property
    def api_keys(self):
        from shared.adapters.firestore_api_keys import FirestoreApiKeyStore
        return FirestoreApiKeyStore(self.firestore)

    @cached_property
    def clock(self):
        from shared.adapters.clock import SystemClock
        return SystemClock()

    @cached_property
    def escalation(self):
        """Policy, working-day calendar and unit contacts (escalation.yaml, contacts.yaml)."""
        from shared.adapters.escalation_files import load_escalation
        return load_escalation(self.catalog, self.settings.catalog_dir)

    @cached_property
    def lapor_client(self):
        """The national platform's API, or None when SIGAP_LAPOR_BASE_URL is not set."""
        if not self.settings.lapor_base_url:
            return None
        from shared.adapters.lapor_client import HttpLaporClient
        return HttpLaporClient(self.settings.lapor_base_url, self.settings.lapor_token)

    @cached_property
    def lapor_store(self):
        from shared.adapters.firestore_lapor import FirestoreLaporStore
        return FirestoreLaporStore(self.firestore)

    @cached_property
    def report_source(self):
        from shared.adapters.firestore_reports import FirestoreReportSource
        return FirestoreReportSource(self.firestore)

    @cached_property
    def due_cases(self):
        from shared.adapters.firestore_escalation import FirestoreDueCases
        return FirestoreDueCases(self.firestore)


_lock = threading.Lock()
_app: App | None = None


def app() -> App:
    global _app
    with _lock:
        if _app is None:
            settings = Settings.from_env()
            logs.configure(settings.project_id)
            _app = App(settings)
            # Fail fast on a bad catalog instead of on the first request that needs it.
            _app.rules
            _app.escalation
        return _app

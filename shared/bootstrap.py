"""Builds the real adapters lazily, once per instance (nothing at import time)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

from shared import logs
from shared.catalog_files import load_catalog, load_routing_rules
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
    def api_keys(self):
        from shared.adapters.firestore_api_keys import FirestoreApiKeyStore
        return FirestoreApiKeyStore(self.firestore)

    @cached_property
    def clock(self):
        from shared.adapters.clock import SystemClock
        return SystemClock()


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
        return _app

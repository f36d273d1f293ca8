"""What every feature shares: settings, the catalog and its rules, the clock, the
Firestore client and the event publisher."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from shared.config import Settings

if TYPE_CHECKING:
    from google.cloud import firestore

    from shared.adapters.clock import SystemClock
    from shared.adapters.coalesced_limits import CoalescedLimits
    from shared.adapters.pubsub_events import PubSubEventPublisher
    from shared.domain.catalog import Catalog
    from shared.domain.clock.escalation import Escalation
    from shared.domain.routing import RoutingRules


@dataclass
class Core:
    settings: Settings

    @cached_property
    def catalog(self) -> Catalog:
        from shared.adapters.catalog_files import load_catalog
        return load_catalog(self.settings.catalog_dir)

    @cached_property
    def rules(self) -> RoutingRules:
        """Routing rules (routing.yaml and the Indonesian stemmer): only functions that route."""
        from shared.adapters.catalog_files import load_routing_rules
        return load_routing_rules(self.catalog, self.settings.catalog_dir)

    @cached_property
    def escalation(self) -> Escalation:
        """Policy, working-day calendar and unit contacts (escalation.yaml, contacts.yaml)."""
        from shared.adapters.escalation_files import load_escalation
        return load_escalation(self.catalog, self.settings.catalog_dir)

    @cached_property
    def clock(self) -> SystemClock:
        from shared.adapters.clock import SystemClock
        return SystemClock()

    @cached_property
    def firestore(self) -> firestore.Client:
        from google.cloud import firestore
        return firestore.Client(project=self.settings.project_id)

    @cached_property
    def publisher(self) -> PubSubEventPublisher:
        import google.cloud.pubsub_v1 as pubsub_v1

        from shared.adapters.pubsub_events import PubSubEventPublisher
        # Each event is awaited before the HTTP answer: a 1 ms batching window instead of
        # the client's default 10 ms keeps that wait short (measured in tests/benchmarks).
        batching = pubsub_v1.types.BatchSettings(max_messages=100, max_latency=0.001)
        return PubSubEventPublisher(pubsub_v1.PublisherClient(batch_settings=batching),
                                    self.settings.project_id)

    @cached_property
    def limits(self) -> CoalescedLimits:
        """Abuse limits and auth-failure lockouts (issue 14), shared by every instance; hits
        and lock checks coalesced per instance (shared/adapters/coalesced_limits.py), the
        window writes behind the requests."""
        from shared.adapters.coalesced_limits import CoalescedLimits, write_behind
        from shared.adapters.firestore_limits import FirestoreLimits
        return CoalescedLimits(FirestoreLimits(self.firestore, self.clock), self.clock, write_behind=write_behind())

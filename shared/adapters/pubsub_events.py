"""PubSubEventPublisher: domain events onto their Pub/Sub topics."""
from __future__ import annotations

import json
from collections.abc import Sequence

from google.cloud import pubsub_v1

from shared.domain.events import DomainEvent


class PubSubEventPublisher:
    def __init__(self, client: pubsub_v1.PublisherClient, project_id: str, timeout: float = 10.0):
        self._client, self._project, self._timeout = client, project_id, timeout

    def publish(self, event: DomainEvent) -> str:
        future = self._client.publish(
            self._client.topic_path(self._project, event.topic),
            json.dumps(event.to_message(), default=str).encode(),
            event_id=event.id, event_type=event.type, case_id=event.case_id,
        )
        return future.result(timeout=self._timeout)

    def publish_signal(self, topic: str, payload: dict) -> str:
        """A plain message on one of Sigap's own topics (e.g. a kick to a worker)."""
        future = self._client.publish(self._client.topic_path(self._project, topic), json.dumps(payload).encode())
        return future.result(timeout=self._timeout)

    def publish_signals(self, topic: str, payloads: Sequence[dict]) -> list[str]:
        """Sent before any is awaited, so the client batches them: one round trip, not one each."""
        path = self._client.topic_path(self._project, topic)
        futures = [self._client.publish(path, json.dumps(payload).encode()) for payload in payloads]
        return [future.result(timeout=self._timeout) for future in futures]

"""PubSubEventPublisher: domain events onto their Pub/Sub topics."""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from google.cloud import pubsub_v1

from shared.domain.events import DomainEvent


class PubSubEventPublisher:
    def __init__(self, client: pubsub_v1.PublisherClient, project_id: str, timeout: float = 10.0):
        self._client, self._project, self._timeout = client, project_id, timeout

    def publish(self, event: DomainEvent) -> str:
        return self._send(event).result(timeout=self._timeout)

    def publish_all(self, events: Sequence[DomainEvent]) -> list[str | BaseException]:
        """Sent before any is awaited: one batch per topic, not one round trip each. The
        timeout runs from the last send, not per event."""
        futures = [self._send(event) for event in events]
        deadline = time.monotonic() + self._timeout
        outcomes: list[str | BaseException] = []
        for future in futures:
            try:
                outcomes.append(future.result(timeout=max(0.0, deadline - time.monotonic())))
            except Exception as exc:  # this event's failure only: the others may have gone out
                outcomes.append(exc)
        return outcomes

    def _send(self, event: DomainEvent) -> Any:
        return self._client.publish(
            self._client.topic_path(self._project, event.topic),
            json.dumps(event.to_message(), default=str).encode(),
            event_id=event.id, event_type=event.type, case_id=event.case_id,
        )

    def publish_signal(self, topic: str, payload: dict) -> str:
        """A plain message on one of Sigap's own topics (e.g. a kick to a worker)."""
        future = self._client.publish(self._client.topic_path(self._project, topic), json.dumps(payload).encode())
        return future.result(timeout=self._timeout)

    def publish_signals(self, topic: str, payloads: Sequence[dict]) -> list[str]:
        """Sent before any is awaited, so the client batches them: one round trip, not one each."""
        path = self._client.topic_path(self._project, topic)
        futures = [self._client.publish(path, json.dumps(payload).encode()) for payload in payloads]
        return [future.result(timeout=self._timeout) for future in futures]

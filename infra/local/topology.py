"""Reads infra/topology.yaml and creates its topics and push subscriptions on Pub/Sub."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TOPOLOGY_FILE = Path(__file__).resolve().parent.parent / "topology.yaml"


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    trigger: str  # http, topic or schedule
    topic: str | None = None
    every_seconds: float | None = None
    cron: str | None = None

    @property
    def signature_type(self) -> str:
        return "http" if self.trigger == "http" else "cloudevent"


def load_topology(path: Path = TOPOLOGY_FILE) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text())
    raw["functions"] = [FunctionSpec(**f) for f in raw["functions"]]
    return raw


def provision(project: str, gateway_url: str, topology: dict[str, Any]) -> None:
    """Creates topics and push subscriptions (idempotent). Needs PUBSUB_EMULATOR_HOST set."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud import pubsub_v1
    from google.protobuf import duration_pb2

    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    dead = topology["dead_letter"]
    for topic in [*topology["topics"], dead["topic"]]:
        try:
            publisher.create_topic(name=publisher.topic_path(project, topic))
        except AlreadyExists:
            pass
    subscriptions = [{"name": subscriber.subscription_path(project, dead["hold_subscription"]),
                      "topic": publisher.topic_path(project, dead["topic"])}]
    retry = topology["retry"]
    for spec in topology["functions"]:
        if spec.topic is None:
            continue
        subscriptions.append({
            "name": subscriber.subscription_path(project, f"{spec.name}-push"),
            "topic": publisher.topic_path(project, spec.topic),
            "push_config": {"push_endpoint": f"{gateway_url}/{spec.name}"},
            "ack_deadline_seconds": topology["ack_deadline_seconds"],
            "retry_policy": {
                "minimum_backoff": duration_pb2.Duration(seconds=retry["minimum_backoff_seconds"]),
                "maximum_backoff": duration_pb2.Duration(seconds=retry["maximum_backoff_seconds"])},
            "dead_letter_policy": {
                "dead_letter_topic": publisher.topic_path(project, dead["topic"]),
                "max_delivery_attempts": dead["max_delivery_attempts"]},
        })
    for request in subscriptions:
        try:
            subscriber.create_subscription(request=request)
        except AlreadyExists:
            pass
    subscriber.close()

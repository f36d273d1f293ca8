"""Creates the topics and push subscriptions of infra/topology.yaml on the Pub/Sub
emulator (the file itself is read by ``infra.topology``, shared with deployment)."""
from __future__ import annotations

from typing import Any

from infra.topology import FunctionSpec


def provision(project: str, gateway_url: str, topology: dict[str, Any]) -> None:
    """Creates topics and push subscriptions (idempotent). Needs PUBSUB_EMULATOR_HOST set."""
    import google.cloud.pubsub_v1 as pubsub_v1
    from google.api_core.exceptions import AlreadyExists

    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    dead = topology["dead_letter"]
    for topic in [*topology["topics"], dead["topic"]]:
        try:
            publisher.create_topic(name=publisher.topic_path(project, topic))
        except AlreadyExists:
            pass
    subscriptions = [{"name": subscriber.subscription_path(project, dead["hold_subscription"]),
                      "topic": publisher.topic_path(project, dead["topic"])}]
    for spec in topology["functions"]:
        feeds = [(f"{spec.name}-push", spec.topic)] if spec.topic else []
        feeds += [(f"{spec.name}-{topic}", topic) for topic in spec.topics]
        subscriptions += [_push_subscription(subscriber, publisher, project, gateway_url, topology, spec,
                                             name, topic) for name, topic in feeds]
    for request in subscriptions:
        try:
            subscriber.create_subscription(request=request)
        except AlreadyExists:
            pass
    subscriber.close()


def _push_subscription(subscriber, publisher, project: str, gateway_url: str, topology: dict[str, Any],
                       spec: FunctionSpec, name: str, topic: str) -> dict[str, Any]:
    from google.protobuf import duration_pb2
    retry, dead = topology["retry"], topology["dead_letter"]
    return {
        "name": subscriber.subscription_path(project, name),
        "topic": publisher.topic_path(project, topic),
        "push_config": {"push_endpoint": f"{gateway_url}/{spec.name}"},
        "ack_deadline_seconds": spec.ack_deadline_seconds or topology["ack_deadline_seconds"],
        "retry_policy": {
            "minimum_backoff": duration_pb2.Duration(seconds=retry["minimum_backoff_seconds"]),
            "maximum_backoff": duration_pb2.Duration(seconds=retry["maximum_backoff_seconds"])},
        "dead_letter_policy": {
            "dead_letter_topic": publisher.topic_path(project, dead["topic"]),
            "max_delivery_attempts": dead["max_delivery_attempts"]},
    }

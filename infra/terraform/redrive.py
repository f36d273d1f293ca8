"""Re-drive what the dead-letter hold keeps (docs/deploy.md, "Re-drive dead letters").

    .venv/bin/python infra/terraform/redrive.py --project P                  # list, change nothing
    .venv/bin/python infra/terraform/redrive.py --project P --subscription route-push --apply

Each held message names the subscription it failed on (attribute
CloudPubSubDeadLetterSourceSubscription); its topic follows from infra/topology.yaml with
the naming the local stack and Terraform share ("<function>-push", "<function>-<topic>").
With --apply, an event is published again to its topic with its data and attributes, then
acknowledged on the hold; every consumer is idempotent, so the others that already had it
change nothing. A tick or wake-up (a schedule's topic) is acknowledged without a re-publish:
it carries no state, and the next tick does its work. The hold keeps acknowledged messages
for 31 days, so `gcloud pubsub subscriptions seek` undoes a re-drive.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

TOPOLOGY = Path(__file__).resolve().parent.parent / "topology.yaml"
SOURCE = "CloudPubSubDeadLetterSourceSubscription"


def subscription_topics(topology: dict[str, Any]) -> dict[str, str]:
    """Push subscription name -> the topic it reads, as Terraform and the local stack name them."""
    names: dict[str, str] = {}
    for f in topology["functions"]:
        if f.get("topic"):
            names[f"{f['name']}-push"] = f["topic"]
        for topic in f.get("topics", ()):
            names[f"{f['name']}-{topic}"] = topic
    return names


def schedule_topics(topology: dict[str, Any]) -> set[str]:
    return {f["topic"] for f in topology["functions"] if f["trigger"] == "schedule"}


def plan(source_subscription: str, topology: dict[str, Any]) -> tuple[str, str | None]:
    """('republish', topic), ('drop', topic) for a tick or wake-up, or ('keep', None) when unknown."""
    topic = subscription_topics(topology).get(source_subscription.rsplit("/", 1)[-1])
    if topic is None:
        return "keep", None
    return ("drop" if topic in schedule_topics(topology) else "republish"), topic


def _pull(subscriber: Any, hold: str, count: int) -> list[Any]:
    """Up to ``count`` held messages; none once the hold has nothing more to give."""
    from google.api_core.exceptions import DeadlineExceeded

    try:
        return list(subscriber.pull(subscription=hold, max_messages=count, timeout=20, retry=None).received_messages)
    except DeadlineExceeded:
        return []


def _republish(publisher: Any, topic_path: str, message: Any) -> None:
    """The held message again on its topic: its data and attributes, without the dead-letter ones."""
    attributes = {k: v for k, v in message.attributes.items() if not k.startswith("CloudPubSubDeadLetter")}
    publisher.publish(topic_path, message.data, **attributes).result(60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="redrive")
    parser.add_argument("--project", required=True)
    parser.add_argument("--subscription", help="only messages that failed on this push subscription")
    parser.add_argument("--max", type=int, default=1000, help="at most this many messages")
    parser.add_argument("--apply", action="store_true", help="re-publish and acknowledge (default: only list)")
    args = parser.parse_args(argv)
    import google.cloud.pubsub_v1 as pubsub_v1

    topology = yaml.safe_load(TOPOLOGY.read_text())
    hold = f"projects/{args.project}/subscriptions/{topology['dead_letter']['hold_subscription']}"
    subscriber, publisher = pubsub_v1.SubscriberClient(), pubsub_v1.PublisherClient()
    seen: Counter[tuple[str, str]] = Counter()
    ids: set[str] = set()
    held: list[str] = []  # looked at, not handled: leased for the run, back to the hold at the end
    while (batch := _pull(subscriber, hold, min(100, args.max - len(ids)))) and len(ids) < args.max:
        done, kept, before = [], [], len(ids)
        for received in batch:
            message = received.message
            if message.message_id in ids:  # a lease ran out and the hold gave it again: seen it
                kept.append(received.ack_id)
                continue
            ids.add(message.message_id)
            source = message.attributes.get(SOURCE, "?").rsplit("/", 1)[-1]
            action, topic = plan(source, topology)
            if args.subscription and source != args.subscription:
                action = "skip"
            seen[(source, action)] += 1
            if not args.apply or action in ("keep", "skip"):
                kept.append(received.ack_id)
            else:
                if action == "republish" and topic is not None:
                    _republish(publisher, publisher.topic_path(args.project, topic), message)
                done.append(received.ack_id)
        if done:
            subscriber.acknowledge(subscription=hold, ack_ids=done)
        if kept:
            subscriber.modify_ack_deadline(subscription=hold, ack_ids=kept, ack_deadline_seconds=600)
            held += kept
        if len(ids) == before:
            break  # only messages already seen: the hold has nothing new for this run
    for start in range(0, len(held), 1000):
        subscriber.modify_ack_deadline(subscription=hold, ack_ids=held[start:start + 1000], ack_deadline_seconds=0)
    for (source, action), count in sorted(seen.items()):
        print(f"{count:6d}  {action:9s}  {source}")
    if not args.apply:
        print("listed only; --apply re-publishes events and drops ticks and wake-ups")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The cold-start baseline: the smallest functions-framework HTTP function that makes the
Firestore and Pub/Sub calls Sigap's ``intake`` makes for a new case, and nothing else.

One batch commit that creates the case, its delivery key, its first timeline entry and
its outbox event (4 writes); one publish awaited until the broker acknowledges it; one
delete of the outbox entry. Clients are created lazily, once per instance (docs-samples'
``tips-lazy-globals``), as Sigap's bootstrap does. Served by
``functions-framework --target intake --source tests/benchmarks/minimal_intake.py``.

Two smaller handlers bound what any intake can reach on a machine (``make bench`` modes
``commit`` and ``noop``): ``intake_commit_only``, the same commit and nothing after it (no
publish, no outbox delete), and ``intake_noop``, which only parses the JSON body.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

import functions_framework
import google.cloud.pubsub_v1 as pubsub_v1
from google.cloud import firestore

_clients: dict[str, Any] = {}


def _client(name: str) -> Any:
    if name not in _clients:
        if name == "firestore":
            _clients[name] = firestore.Client(project=os.environ["SIGAP_PROJECT_ID"])
        else:
            batching = pubsub_v1.types.BatchSettings(max_messages=100, max_latency=0.001)
            _clients[name] = pubsub_v1.PublisherClient(batch_settings=batching)
    return _clients[name]


def _commit(body: dict[str, Any]) -> tuple[str, str]:
    """The case, its delivery key, its first timeline entry and its outbox event: one commit."""
    case_id = hashlib.sha256(f"demo:{body['external_id']}".encode()).hexdigest()[:20]
    now = datetime.now(UTC)
    db = _client("firestore")
    batch = db.batch()
    case = db.collection("cases").document(case_id)
    batch.create(case, {"title": body["title"], "description": body["description"], "status": "received",
                        "source": "demo", "created_at": now})
    batch.create(db.collection("deliveries").document(hashlib.sha256(case_id.encode()).hexdigest()),
                 {"source": "demo", "case_id": case_id, "created_at": now})
    batch.create(case.collection("timeline").document("00001"), {"seq": 1, "kind": "received", "at": now})
    event_id = f"{case_id}.received"
    batch.create(db.collection("outbox").document(event_id), {"type": "complaint.received", "case_id": case_id,
                                                               "created_at": now})
    batch.commit()
    return case_id, event_id


@functions_framework.http
def intake(request: Any) -> tuple[dict[str, str], int]:
    return intake_with(request.get_json())


def intake_with(body: dict[str, Any]) -> tuple[dict[str, str], int]:
    """The commit, the awaited publish and the delete for one complaint's body."""
    case_id, event_id = _commit(body)
    publisher = _client("pubsub")
    topic = publisher.topic_path(os.environ["SIGAP_PROJECT_ID"], "complaint-received")
    publisher.publish(topic, json.dumps({"case_id": case_id}).encode(), event_id=event_id).result(timeout=10)
    _client("firestore").collection("outbox").document(event_id).delete()
    return {"id": case_id, "status": "received"}, 201


@functions_framework.http
def intake_commit_only(request: Any) -> tuple[dict[str, str], int]:
    case_id, _ = _commit(request.get_json())
    return {"id": case_id, "status": "received"}, 201


@functions_framework.http
def intake_noop(request: Any) -> tuple[dict[str, str], int]:
    request.get_json()
    return {"id": "-", "status": "received"}, 201

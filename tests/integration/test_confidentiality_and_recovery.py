"""Nothing is lost when the process dies between the Firestore write and the publish;
an anonymous reporter and a secret report's text never reach the logs or the API."""
from __future__ import annotations

import json
import time

from google.cloud import firestore, pubsub_v1

from shared.adapters.clock import SystemClock
from shared.adapters.firestore_uow import FirestoreUnitOfWork
from shared.services.intake import receive_complaint
from shared.web.schemas import ComplaintIn
from tests.integration.conftest import PROJECT, count


class CrashingPublisher:
    def publish(self, event):
        raise SystemError("process died before the publish")

    def publish_signal(self, topic, payload):
        raise SystemError("process died before the publish")

    def publish_signals(self, topic, payloads):
        raise SystemError("process died before the publish")

    def publish_all(self, events):
        raise SystemError("process died before the publish")


def test_crash_between_write_and_publish_loses_nothing(api, db):
    client = firestore.Client(project=PROJECT)
    receipt = receive_complaint(
        ComplaintIn(external_id="crash-1", title="Sampah menumpuk di TPS Pasar",
                    description="Sampah tidak diangkut seminggu dan baunya sampai ke rumah warga."),
        source="demo", delivery_id="crash-msg", uow=FirestoreUnitOfWork(client), publisher=CrashingPublisher(),
        clock=SystemClock())
    assert count(db, "outbox") == 1
    time.sleep(1.0)
    assert api.case(receipt.case_id).json()["status"] == "received"  # nobody was told yet
    publisher = pubsub_v1.PublisherClient()   # Cloud Scheduler's tick
    publisher.publish(publisher.topic_path(PROJECT, "outbox-sweep"), b'{"schedule": "sweep_outbox"}').result()
    case = api.wait_routed(receipt.case_id)
    assert case["unit"]["id"] == "dlh" and count(db, "outbox") == 0


def test_anonymous_and_secret_reports_stay_out_of_logs_and_api(api, db, stack):
    name, phone, text = "Sulastri Wijayakusuma", "081299887766", "Kepala seksi meminta uang pelicin 500 ribu"
    created = api.submit({"external_id": "secret-1", "title": "Dugaan pungli pelayanan izin",
                          "description": f"{text} untuk mempercepat izin usaha saya.",
                          "secret": True, "reporter": {"name": name, "phone": phone, "anonymous": True}})
    case = api.wait_routed(created.json()["id"])
    assert case["reporter"] == {"anonymous": True} and name not in json.dumps(case)
    stored = db.collection("cases").document(case["id"]).get().to_dict()
    assert name not in json.dumps(stored, default=str) and phone not in json.dumps(stored, default=str)
    private = db.collection("cases").document(case["id"]).collection("private").document("reporter").get()
    assert private.get("name") == name  # kept for the national platform, apart from the case
    logs = (stack.log_dir / "gateway.log").read_text()
    assert case["id"] in logs  # the log is there and mentions the case ...
    for leaked in (name, phone, text):  # ... but never who reported it or what the secret says
        assert leaked not in logs

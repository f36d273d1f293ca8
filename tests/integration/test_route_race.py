"""The route vs LAPOR! push race on the Firestore emulator (issue 14, item 6): two writers,
two clients; routing retries inside the handler and never logs ERROR for it."""
import json

from google.cloud import firestore

from shared.adapters.firestore_uow import FirestoreUnitOfWork
from tests.integration.conftest import PROJECT
from tests.route_race import race


def test_route_retries_on_fresh_state_when_the_push_writes_the_tracking_id_first(stack, db, capsys):
    other = FirestoreUnitOfWork(firestore.Client(project=PROJECT))
    outcome, racing = race(FirestoreUnitOfWork(db), other, "race-emulator", races=2)
    assert outcome == "assigned" and racing.commits == 3
    (doc,) = list(db.collection("cases").stream())
    stored = doc.to_dict()
    assert stored["status"] == "assigned" and stored["lapor_tracking_id"] == "LAP-2"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert not [e for e in lines if e["severity"] == "ERROR"]
    assert sum("routing again on fresh state" in e["message"] for e in lines) == 2

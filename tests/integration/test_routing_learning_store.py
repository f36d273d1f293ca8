"""FirestoreRoutingLearning on the emulator (issue 12): corrections kept without any
complaint text, read back oldest first, the model stored and read back, reset forgets
both; and the daily job fits on cases read from the real case store."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from shared.adapters.catalog_files import load_catalog, load_routing_rules
from shared.adapters.clock import SystemClock
from shared.adapters.firestore_cases import FirestoreCaseRepository
from shared.adapters.firestore_routing_model import CORRECTIONS, FirestoreRoutingLearning
from shared.adapters.firestore_uow import FirestoreUnitOfWork
from shared.domain.routing.learning import Correction
from shared.services import routing_learning
from shared.services.intake import receive_complaint
from shared.web.schemas import ComplaintIn
from tests.fakes import FakePublisher

CATALOG = load_catalog()
RULES = load_routing_rules(CATALOG)
AT = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def test_corrections_and_the_model_round_trip_and_reset(db):
    store = FirestoreRoutingLearning(db)
    for n in range(3):
        store.add_correction(Correction(f"c-{n}", "change_category", None, "drainase", "admin",
                                        AT + timedelta(minutes=n)))
    store.add_correction(Correction("c-0", "change_category", None, "drainase", "admin", AT))  # a repeat
    got = store.corrections(10)
    assert [c.case_id for c in got] == ["c-0", "c-1", "c-2"] and got[0].at == AT
    assert store.corrections(2)[-1].case_id == "c-2"
    stored = [d.to_dict() for d in db.collection(CORRECTIONS).stream()]
    assert all(set(d) == {"case_id", "action", "unit_id", "category", "actor", "at"} for d in stored)
    assert store.model() is None
    store.put_model({"version": 1, "counts": {"drainase": {"got": 2.0}}, "documents": {"drainase": 3.0},
                     "learned": {"drainase": 1}, "alpha": 1.0, "min_examples": 3, "fitted_at": AT})
    model = store.model()
    assert model is not None and model["counts"] == {"drainase": {"got": 2.0}}
    assert store.reset() == 3 and store.corrections(10) == [] and store.model() is None


def test_the_daily_job_learns_from_cases_in_the_store_and_never_copies_text(db):
    uow, publisher, clock = FirestoreUnitOfWork(db), FakePublisher(), SystemClock()
    store = FirestoreRoutingLearning(db)
    texts = ["wifi publik di taman tidak bisa konek", "website pemkot tidak bisa dibuka",
             "aplikasi layanan online tidak bisa login"]
    for n, text in enumerate(texts):
        case_id = receive_complaint(ComplaintIn(external_id=f"w-{n}", title="Layanan digital", description=text),
                                    source="demo", delivery_id=None, uow=uow, publisher=publisher,
                                    clock=clock).case_id
        routing_learning.record_correction(store, case_id=case_id, action="change_category", unit_id=None,
                                           category="lainnya", actor="admin", at=clock.now())
    summary = routing_learning.learn(store, FirestoreCaseRepository(db), catalog=CATALOG, rules=RULES,
                                     clock=clock)
    assert summary["examples"] == 3 and summary["categories"]["lainnya"]["eligible"]
    model = routing_learning.current_model(store)
    assert model is not None and model.predict(["wifi", "konek"])[0][0] == "lainnya"
    corrections = json.dumps([d.to_dict() for d in db.collection(CORRECTIONS).stream()], default=str)
    assert "taman" not in corrections and "website" not in corrections

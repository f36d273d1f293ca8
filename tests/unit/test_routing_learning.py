"""Learning routing from coordinators' corrections (issue 12): the labels, the naive Bayes
model, how routing uses it beside the rules, the daily job, the coordinator's view and
reset, and the replay (tests/data/routing_replay.jsonl)."""
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.tools import routing_eval
from shared.adapters.catalog_files import load_catalog, load_routing_rules
from shared.adapters.escalation_files import load_escalation
from shared.domain.routing import content_stems, route
from shared.domain.routing.learning import Correction, Example, fit, from_document, label_of, to_document
from shared.domain.unit_actions import Actor
from shared.services import routing_learning
from shared.services.intake import receive_complaint
from shared.services.routing import route_case
from shared.services.unit_actions import act_on_case
from shared.web.schemas import ComplaintIn
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork
from tests.routing_fakes import FakeRoutingLearning

CATALOG = load_catalog()
RULES = load_routing_rules(CATALOG)
ESCALATION = load_escalation(CATALOG)
REPLAY = [json.loads(line) for line in (Path(__file__).resolve().parents[1] / "data" / "routing_replay.jsonl")
          .read_text(encoding="utf-8").splitlines() if line.strip()]
AT = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
COORDINATOR = Actor("admin", None, True)


def example(row) -> Example:
    return Example(row["category"], tuple(content_stems(RULES, row["title"], row["description"])))


def rows(role):
    return [r for r in REPLAY if r["role"] == role]


def decide(row, model):
    return route(CATALOG, RULES, title=row["title"], description=row["description"], model=model)


# --- labels ------------------------------------------------------------------------------

@pytest.mark.parametrize("action, unit, category, label", [
    ("change_category", None, "drainase", "drainase"),
    ("change_category", None, "no-such", None),
    ("reassign", "perumda-air-minum", None, "air-bersih"),        # the unit's one category
    ("reassign", "dinas-pupr", "drainase", "drainase"),           # the case's category fits the unit
    ("reassign", "dinas-pupr", "sampah-kebersihan", None),        # PUPR owns two categories: unsure
    ("reassign", "kel-yosodadi", None, "layanan-kelurahan"),
    ("reassign", "setda", None, None),
])
def test_a_correction_teaches_a_category_only_when_it_is_sure(action, unit, category, label):
    assert label_of(Correction("c-1", action, unit, category, "admin", AT), CATALOG) == label


# --- the model -----------------------------------------------------------------------------

def test_replay_accuracy_grows_as_corrections_accumulate():
    curve = routing_eval.replay(REPLAY, CATALOG, RULES)
    shares = [share for stage, _, share in curve if stage != "+ wrong"]
    assert shares[0] == 0.0 and shares[-1] == 1.0
    assert all(later >= earlier for earlier, later in zip(shares, shares[1:], strict=False))
    assert curve[-1][0] == "+ wrong" and curve[-1][2] == 1.0  # one wrong correction changes nothing


def test_one_wrong_correction_does_not_flip_a_category_even_when_its_label_is_eligible():
    correct = [example(r) for r in rows("correction")]
    pollution = [Example("pencemaran", tuple(content_stems(RULES, "Limbah pabrik", text)))
                 for text in ("limbah pabrik tahu dibuang ke kali", "asap pabrik karet pekat", "bau limbah peternakan")]
    wrong = [example(r) for r in rows("wrong")]
    model = fit(correct + pollution + wrong, RULES)
    assert "pencemaran" in model.eligible()
    for row in rows("test"):
        assert decide(row, model).category == row["category"], row["title"]


def test_a_category_with_too_few_corrections_is_never_proposed():
    model = fit([example(r) for r in rows("correction") if r["category"] == "lainnya"][:2], RULES)
    assert model.eligible() == [] and model.predict(["wifi"]) == []
    assert decide(rows("test")[0], model).status == "triage"


def test_confident_rules_are_never_overridden_by_the_model():
    wrong = [Example("sampah-kebersihan", tuple(content_stems(RULES, "Jalan berlubang", "aspal rusak berlubang")))] * 20
    model = fit(wrong, RULES)
    decision = route(CATALOG, RULES, title="Jalan berlubang di Jl. Pattimura", description="aspal rusak", model=model)
    assert (decision.unit_id, decision.decided_by, decision.rule) == ("dinas-pupr", "rules", "inferred-category")


def test_the_decision_says_the_model_decided_and_why():
    model = fit([example(r) for r in rows("correction")], RULES, fitted_at=AT)
    decision = decide(rows("test")[0], model)
    assert (decision.status, decision.unit_id, decision.category) == ("assigned", "diskominfo", "lainnya")
    assert decision.rule == "learned-model" and decision.decided_by == "model"
    assert "learned from 12 corrections" in decision.reason
    assert "catches what the rules found no term for" in decision.reason


def test_the_model_breaks_a_tie_only_between_the_rules_candidates():
    tie = "Got dan sampah"
    assert route(CATALOG, RULES, title=tie, description="").rule == "triage-ambiguous"
    stems = tuple(content_stems(RULES, tie, ""))
    model = fit([Example("drainase", stems)] * 4, RULES)
    decided = route(CATALOG, RULES, title=tie, description="", model=model)
    assert (decided.category, decided.rule, decided.decided_by) == ("drainase", "learned-model", "model")
    assert "breaks the rules' tie" in decided.reason
    outsider = fit([Example("bencana", stems)] * 6, RULES)  # not among the rules' top three
    assert route(CATALOG, RULES, title=tie, description="", model=outsider).status == "triage"


def test_the_model_round_trips_through_its_stored_document():
    model = fit([example(r) for r in rows("correction")], RULES, fitted_at=AT)
    again = from_document(json.loads(json.dumps(to_document(model), default=str)) | {"fitted_at": AT})
    assert again is not None and again.eligible() == model.eligible()
    for row in rows("test"):
        assert again.predict(content_stems(RULES, row["title"], row["description"]))[0][0] == row["category"]
    assert from_document({"version": 99}) is None


# --- the service: corrections recorded, the daily job, view and reset ---------------------------

class World:
    def __init__(self):
        self.cases, self.clock, self.publisher = FakeCaseStore(), FakeClock(), FakePublisher()
        self.uow, self.learning, self.keys = FakeUnitOfWork(self.cases), FakeRoutingLearning(), iter(range(1, 999))

    def new_case(self, external_id, title, description, secret=False):
        complaint = ComplaintIn(external_id=external_id, title=title, description=description)
        case_id = receive_complaint(complaint, source="demo", delivery_id=None, uow=self.uow,
                                    publisher=self.publisher, clock=self.clock).case_id
        if secret:
            self.cases.cases[case_id] = replace(self.cases.cases[case_id], secret=True)
        route_case(case_id, uow=self.uow, publisher=self.publisher, catalog=CATALOG, rules=RULES, clock=self.clock,
                   escalation=ESCALATION)
        return case_id

    def act(self, case_id, action, params, actor=COORDINATOR):
        key = f"k-{next(self.keys)}"
        return act_on_case(case_id, action, params, actor=actor, idempotency_key=key, fingerprint=key,
                           uow=self.uow, publisher=self.publisher, clock=self.clock, catalog=CATALOG,
                           rules=ESCALATION.rules, corrections=self.learning)


def test_coordinator_corrections_become_examples_without_the_text_and_the_job_learns_them():
    world = World()
    for n, row in enumerate(rows("correction")):
        case_id = world.new_case(f"r-{n}", row["title"], row["description"])
        world.act(case_id, "change_category", {"category": row["category"]})
    secret = world.new_case("s-1", "Wifi rahasia", "wifi publik tidak konek", secret=True)
    world.act(secret, "change_category", {"category": "lainnya"})
    assert len(world.learning.stored) == len(rows("correction")) + 1
    for correction in world.learning.stored.values():
        assert set(vars(correction)) == {"case_id", "action", "unit_id", "category", "actor", "at"}
    summary = routing_learning.learn(world.learning, world.cases, catalog=CATALOG, rules=RULES, clock=world.clock)
    assert summary["examples"] == len(rows("correction")) and summary["skipped"]["secret"] == 1
    model = routing_learning.current_model(world.learning)
    assert model is not None and decide(rows("test")[0], model).category == "lainnya"
    view = routing_learning.model_view(world.learning)
    assert view["learned"] and view["categories"]["lainnya"] == {"corrections": 6, "eligible": True}
    assert "wifi" not in json.dumps(view, default=str)  # counts only, never a complaint's words


def test_a_reassignment_is_recorded_and_a_unit_action_is_not():
    world = World()
    case_id = world.new_case("e-1", "Air PDAM mati", "tiga hari air tidak mengalir")
    world.act(case_id, "reassign", {"unit_id": "dinas-pupr", "reason": "pipa di bawah jalan"})
    world.act(case_id, "acknowledge", {}, actor=Actor("unit:dinas-pupr:k", "dinas-pupr"))
    (correction,) = world.learning.stored.values()
    assert (correction.case_id, correction.action, correction.unit_id) == (case_id, "reassign", "dinas-pupr")


def test_a_store_failure_does_not_fail_the_coordinators_action():
    world = World()
    world.learning.fail = True
    case_id = world.new_case("e-1", "Air PDAM mati", "tiga hari air tidak mengalir")
    answer = world.act(case_id, "change_category", {"category": "drainase"})
    assert answer.refused is None and world.learning.stored == {}


def test_reset_forgets_every_correction_and_the_model():
    world = World()
    case_id = world.new_case("e-1", "Air PDAM mati", "tiga hari air tidak mengalir")
    world.act(case_id, "change_category", {"category": "drainase"})
    routing_learning.learn(world.learning, world.cases, catalog=CATALOG, rules=RULES, clock=world.clock)
    assert routing_learning.reset(world.learning) == {"learned": False, "corrections_removed": 1}
    assert routing_learning.model_view(world.learning) == {"learned": False}
    assert routing_learning.current_model(world.learning) is None


def test_the_admin_routes_show_and_reset_what_was_learned():
    from flask import Flask

    from shared.web import cases as cases_web
    world = World()
    case_id = world.new_case("e-1", "Air PDAM mati", "tiga hari air tidak mengalir")
    world.act(case_id, "change_category", {"category": "drainase"})
    routing_learning.learn(world.learning, world.cases, catalog=CATALOG, rules=RULES, clock=world.clock)
    from types import SimpleNamespace

    from shared.config import Settings
    app = SimpleNamespace(settings=Settings(project_id="t", admin_token="admin-token-0123456789"),
                          catalog=CATALOG, repo=world.cases, routing_learning=world.learning)
    flask = Flask("t")
    auth = {"Authorization": "Bearer admin-token-0123456789"}
    with flask.test_request_context("/routing-model", headers=auth):
        from flask import request
        got = cases_web.handle(request, app)
    assert got.status_code == 200 and got.get_json()["categories"]["drainase"]["corrections"] == 1
    with flask.test_request_context("/routing-model", method="DELETE", headers=auth):
        from flask import request
        gone = cases_web.handle(request, app)
    assert gone.status_code == 200 and gone.get_json() == {"learned": False, "corrections_removed": 1}
    with flask.test_request_context("/routing-model", method="DELETE"):
        from flask import request
        assert cases_web.handle(request, app).status_code == 401

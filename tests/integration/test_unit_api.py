"""The unit API on the real stack: keys issued by the admin command, scoping, the
whole life of a case with what LAPOR! is told, and the required Idempotency-Key
(under concurrency, and refused when missing) on the emulator."""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from infra.local.stack import ROOT
from shared.adapters.catalog_files import load_catalog
from tests.integration.conftest import count


def issue(stack, unit_id):
    out = subprocess.run([sys.executable, "-m", "infra.tools.api_keys", "create", "--owner", f"SIMPEL {unit_id}",
                          "--scope", "unit", "--unit", unit_id], cwd=ROOT, env=stack.env, capture_output=True,
                         text=True, check=True)
    return {"X-Api-Key": out.stdout.strip().splitlines()[-1]}


@pytest.fixture
def case_at_dlh(api):
    created = api.submit({"external_id": f"u-{uuid.uuid4().hex[:8]}", "title": "Sampah menumpuk di TPS Pasar",
                          "description": "Sampah tidak diangkut seminggu, baunya menyengat ke rumah warga."})
    case = api.wait_routed(created.json()["id"])
    assert case["unit"]["id"] == "dlh"
    return case["id"]


def post(api, case_id, action, headers, body=None):
    """One action, with its own Idempotency-Key unless ``headers`` bring one."""
    headers = {"Idempotency-Key": uuid.uuid4().hex, **headers}
    return requests.post(f"{api.base}/units/cases/{case_id}/{action}", json=body or {}, headers=headers, timeout=30)


def lapor_items(db, case_id):
    """What the unit actions told LAPOR! of the case (after "received" and "routed"): (id, item) in delivery order."""
    return sorted((d.id, d.to_dict()) for d in db.collection("lapor_outbox").stream()
                  if d.to_dict()["case_id"] == case_id and d.to_dict()["seq"] > 2)


def test_the_life_of_a_case(api, stack, db, case_at_dlh):
    dlh, pupr, kominfo = issue(stack, "dlh"), issue(stack, "dinas-pupr"), issue(stack, "diskominfo")
    assert requests.get(f"{api.base}/units/cases/{case_at_dlh}", headers=pupr, timeout=30).status_code == 404
    assert post(api, case_at_dlh, "acknowledge", dlh, {"note": "Diterima"}).json()["status"] == "acknowledged"
    assert post(api, case_at_dlh, "follow_up", dlh, {"text": "Truk dijadwalkan besok pagi.",
                                                     "visibility": "public"}).status_code == 200
    resolved = post(api, case_at_dlh, "resolve", dlh, {"resolution": "Sampah sudah diangkut seluruhnya."})
    assert resolved.status_code == 200
    rejected = post(api, case_at_dlh, "reject", dlh, {"reason": "Belum ada foto bukti"})
    assert rejected.status_code == 403  # validation is the coordinator's
    assert post(api, case_at_dlh, "reject", kominfo, {"reason": "Belum ada foto bukti"}).json()["status"] == \
        "in_progress"
    post(api, case_at_dlh, "resolve", dlh, {"resolution": "Sampah sudah diangkut, foto terlampir.",
                                            "evidence": ["https://files.example/foto.jpg"]})
    assert post(api, case_at_dlh, "accept", kominfo, {"note": "Bukti cukup"}).json()["status"] == "closed"
    timeline = api.case(case_at_dlh).json()["timeline"]
    assert [e["action"] for e in timeline] == ["received", "routed", "acknowledged", "follow_up", "resolved",
                                               "resolution_rejected", "resolved", "resolution_accepted"]
    assert timeline[2]["actor"].startswith("unit:dlh:") and timeline[5]["actor"].startswith("unit:diskominfo:")
    assert timeline[2]["detail"]["note"] == "Diterima" and timeline[7]["detail"]["note"] == "Bukti cukup"
    told = [(item["seq"], item["kind"]) for _, item in lapor_items(db, case_at_dlh)]
    # each resolution is a tindak lanjut delivered before its status; a public follow-up carries "Proses"
    assert told == [(3, "status"), (4, "follow_up"), (4, "status"), (5, "follow_up"), (5, "status"),
                    (6, "status"), (7, "follow_up"), (7, "status"), (8, "status")]


def test_one_idempotency_key_from_ten_threads_applies_once(api, stack, db, case_at_dlh):
    headers = {**issue(stack, "dlh"), "Idempotency-Key": "tindak-lanjut-1"}
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: post(api, case_at_dlh, "follow_up", headers,
                                               {"text": "Petugas sudah ke lokasi.", "visibility": "public"}),
                                range(10)))
    assert {a.status_code for a in answers} == {200}
    assert len({json.dumps(a.json(), sort_keys=True) for a in answers}) == 1  # the same answer, replayed
    actions = [e["action"] for e in api.case(case_at_dlh).json()["timeline"]]
    assert actions.count("follow_up") == 1
    assert [item["kind"] for _, item in lapor_items(db, case_at_dlh)] == ["follow_up", "status"]  # one set


def test_an_action_without_an_idempotency_key_writes_nothing(api, stack, db, case_at_dlh):
    dlh = issue(stack, "dlh")
    refused = requests.post(f"{api.base}/units/cases/{case_at_dlh}/resolve", headers=dlh, timeout=30,
                            json={"resolution": "Sampah sudah diangkut seluruhnya."})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "missing_idempotency_key"
    assert refused.json()["error"]["field"] == "Idempotency-Key"
    assert [e["action"] for e in api.case(case_at_dlh).json()["timeline"]] == ["received", "routed"]
    assert lapor_items(db, case_at_dlh) == [] and count(db, "idempotency_keys") == 0


def test_reroute_sends_it_to_triage_where_the_coordinator_reassigns(api, stack, db, case_at_dlh):
    dlh, pupr = issue(stack, "dlh"), issue(stack, "dinas-pupr")
    moved = post(api, case_at_dlh, "request_reroute", dlh, {"reason": "Bukan kewenangan: saluran tersumbat",
                                                              "suggested_unit": "dinas-pupr"})
    assert moved.json() | {"entry": None} == {"id": case_at_dlh, "status": "triage", "unit_id": "diskominfo",
                                              "entry": None}
    account = load_catalog().unit("diskominfo").lapor_account  # the stack's catalog: disposed only with an account
    told = [(item["kind"], item["payload"].get("account")) for _, item in lapor_items(db, case_at_dlh)]
    assert told == ([("dispose", account)] if account else [])  # triage has no national status
    assert post(api, case_at_dlh, "reassign", {"Authorization": api.admin["Authorization"]},
                {"unit_id": "dinas-pupr"}).json()["unit_id"] == "dinas-pupr"
    listed = requests.get(f"{api.base}/units/cases", params={"status": "assigned"}, headers=pupr, timeout=30)
    assert [c["id"] for c in listed.json()["cases"]] == [case_at_dlh]
    assert count(db, "idempotency_keys") == 2  # each action recorded its answer under its key

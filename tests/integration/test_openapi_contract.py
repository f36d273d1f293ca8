"""Every HTTP function against its own OpenAPI document, on the real stack (gateway,
emulators), with schemathesis: generated requests (valid and invalid) with real
credentials from the stack's settings, and every answer must be no 5xx, a documented
status with a documented content type, documented headers, and a body that matches
its schema. Bounded: SIGAP_CONTRACT_EXAMPLES per operation (default 25) and
SIGAP_CONTRACT_SECONDS per function (default 60); derandomized, so a CI run is
repeatable (SIGAP_CONTRACT_SEED=N explores other requests). A failure names the
operation, the check and a curl command. (Schemathesis leaves out each document's
own GET /openapi.json: tests/functions/test_openapi_documents.py covers it.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from infra.local.stack import ROOT
from shared.domain.integrations.signature import signed_headers

EXAMPLES = int(os.environ.get("SIGAP_CONTRACT_EXAMPLES", "25"))
SEED = os.environ.get("SIGAP_CONTRACT_SEED")  # to explore: another seed finds other requests
SECONDS = float(os.environ.get("SIGAP_CONTRACT_SECONDS", "60"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
FUNCTIONS = ("intake", "cases", "units", "open311", "reports", "webhooks", "telegram_webhook")


@schemathesis.deserializer("text/xml", "text/csv", "text/html")
def _as_text(ctx: Any, response: Any) -> str:
    """Documented as strings; an XML answer must at least be well-formed."""
    text = response.content.decode(response.encoding or "utf-8")
    if "xml" in (response.headers.get("Content-Type") or [""])[0]:
        ElementTree.fromstring(response.content)
    return text


@dataclass
class Tally:
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # one per operation and kind of failure


def issue(stack, *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "infra.tools.api_keys", "create", "--owner", "contract", *args],
                         cwd=ROOT, env=stack.env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture
def world(api, stack) -> dict[str, Any]:
    """Real things for generated requests to find: a routed case, keys, a subscription."""
    created = api.submit({"external_id": f"c-{uuid.uuid4().hex[:8]}", "title": "Sampah menumpuk di TPS Pasar",
                          "description": "Sampah tidak diangkut seminggu, baunya menyengat ke rumah warga."})
    case_id = api.wait_routed(created.json()["id"])["id"]
    sub = requests.post(f"{api.base}/webhooks/subscriptions", headers=api.admin, timeout=30,
                        json={"url": "http://127.0.0.1:9/contract", "event_types": ["digest.daily"]})
    assert sub.status_code == 201, sub.text
    return {"case_id": case_id, "service_request_id": case_id, "sub_id": sub.json()["id"],
            "service_code": "sampah-kebersihan", "source": "demo",
            "dlh": issue(stack, "--scope", "unit", "--unit", "dlh"),
            "kominfo": issue(stack, "--scope", "unit", "--unit", "diskominfo"),
            "open311": issue(stack, "--scope", "open311")}


def _request(case: Any, function: str, api: Any, world: dict[str, Any], pick: int) -> dict[str, Any]:
    """The request to send. ``pick`` 0-2: real path values and credentials (units: a unit's key,
    the coordinator's key, the admin token); 3: real path values, no credentials; 4: as generated."""
    if pick < 4:
        for name in case.path_parameters or {}:
            if name in world:
                case.path_parameters[name] = world[name]
    kwargs = case.as_transport_kwargs(base_url=f"{api.base}/{function}")
    headers, credentials = kwargs.setdefault("headers", {}), pick < 3
    if function == "intake":
        raw = json.dumps(kwargs.pop("json")) if "json" in kwargs else kwargs.pop("data", b"") or b""
        kwargs["data"] = raw.encode() if isinstance(raw, str) else raw
        if credentials:
            source = (case.path_parameters or {}).get("source", "demo")
            headers.update(signed_headers(api.secrets.get(source, api.secrets["demo"]), kwargs["data"]))
    elif function == "units" and credentials:
        headers.update([{"X-Api-Key": world["dlh"]}, {"X-Api-Key": world["kominfo"]}, api.admin][pick])
    elif function == "open311" and credentials:
        kwargs["params"] = {**(kwargs.get("params") or {}), "api_key": world["open311"]}
    elif function == "telegram_webhook" and credentials:
        headers["X-Telegram-Bot-Api-Secret-Token"] = api.stack.settings["SIGAP_TELEGRAM_WEBHOOK_SECRET"]
    elif credentials:
        headers.update(api.admin)
    return kwargs


def _run_operation(operation: Any, function: str, api: Any, world: dict[str, Any], deadline: float,
                   tally: Tally) -> None:
    @given(case=operation.as_strategy(), pick=st.integers(0, 4))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=SEED is None, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @seed(int(SEED or 0))
    def run(case: Any, pick: int) -> None:
        if time.monotonic() > deadline:
            return
        kwargs = _request(case, function, api, world, pick)
        response = requests.request(**kwargs, timeout=30, allow_redirects=False)
        tally.cases += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)
        except (Exception, FailureGroup) as exc:  # one line per failing operation and kind is enough to act on
            key = f"{operation.label}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            tally.failures.setdefault(key, f"{exc}\n{response.status_code} {response.text[:300]}")
    run()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_answer_matches_the_openapi_document(function, api, world):
    schema = schemathesis.openapi.from_url(f"{api.base}/{function}/openapi.json", timeout=30)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the document lists no operation"
    started, tally = time.monotonic(), Tally()
    for operation in operations:
        _run_operation(operation, function, api, world, started + SECONDS, tally)
    elapsed = time.monotonic() - started
    print(f"\n{function}: {len(operations)} operations, {tally.cases} requests, {elapsed:.1f} s, "
          f"{len(tally.failures)} failures; statuses {dict(sorted(tally.statuses.items()))}")
    assert not tally.failures, "\n\n".join(f"{k}\n{v}" for k, v in tally.failures.items())
    assert tally.cases >= len(operations), "every operation was called at least once"

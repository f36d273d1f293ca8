"""Issue 14, item 2: under concurrent requests every line of the gateway's log is one
JSON object (no two glued together, no plain-text traceback), from every thread."""
import json
from concurrent.futures import ThreadPoolExecutor

import requests

VALID = {"title": "Lampu jalan mati di Jl. Imam Bonjol", "description": "Sudah tiga malam gelap total, rawan."}


def _mixed(api, n):
    base = api.base
    kind = n % 6
    if kind == 0:
        return api.submit({**VALID, "external_id": f"load-{n}"}).status_code
    if kind == 1:  # a bad signature: a WARNING line from the intake
        return api.submit({**VALID, "external_id": f"bad-{n}"}, headers={"Content-Type": "application/json",
                                                                       "webhook-id": "x", "webhook-timestamp": "1",
                                                                       "webhook-signature": "v1,AAAA"}).status_code
    if kind == 2:  # an unknown source (a failure of this address)
        return requests.post(f"{base}/intake/sources/nope/complaints", data="{}", timeout=60).status_code
    if kind == 3:
        return requests.get(f"{base}/open311/v2/requests.xml", timeout=60).status_code
    if kind == 4:
        return requests.get(f"{base}/reports/dashboard", timeout=60).status_code
    return requests.get(f"{base}/cases", headers=api.admin, timeout=60).status_code


def test_every_line_of_the_gateway_log_is_one_json_object_under_load(stack, api):
    log = stack.log_dir / "gateway.log"
    start = log.stat().st_size
    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(lambda n: _mixed(api, n), range(240)))
    assert 500 not in codes
    lines = log.read_bytes()[start:].decode("utf-8").split("\n")
    assert lines[-1] == ""  # every line ends
    entries = [json.loads(line) for line in lines[:-1]]  # each line parses as one object, or this raises
    assert all(isinstance(e, dict) and "severity" in e and "message" in e for e in entries)
    assert len(entries) >= 40  # the signature refusals alone (kind 1) log 40 lines

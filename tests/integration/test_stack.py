"""The local stack itself: a function served by the real functions-framework CLI, and
a stack that stops every process it started (the emulators' Java included)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import requests

from infra.local.stack import LocalStack, Process, free_port, port_open, wait_until
from shared.domain.integrations.signature import signed_headers


def test_intake_served_by_the_functions_framework_cli(stack, tmp_path):
    port = free_port()
    server = Process("ff-intake", [sys.executable, "-m", "functions_framework", "--target", "intake",
                                   "--source", "functions/main.py", "--port", str(port)], stack.env, tmp_path)
    try:
        wait_until(lambda: port_open(port), "functions-framework", server, 30)
        body = json.dumps({"external_id": "cli-1", "title": "Air PDAM keruh",
                           "description": "Air dari Perumda keruh dan berbau sejak tiga hari."})
        secret = json.loads(stack.settings["SIGAP_INTAKE_SECRETS"])["demo"]
        response = requests.post(f"http://127.0.0.1:{port}/sources/demo/complaints", data=body,
                                 headers=signed_headers(secret, body), timeout=30)
        assert response.status_code == 201, response.text
    finally:
        server.stop()
    assert not port_open(port)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_stop_leaves_no_process_and_no_port_behind(tmp_path):
    ports = [free_port() for _ in range(3)]
    local = LocalStack(project="sigap-stop", firestore_port=ports[0], pubsub_port=ports[1],
                       gateway_port=ports[2], settings={"SIGAP_ADMIN_TOKEN": "x" * 20},
                       log_dir=tmp_path, scheduler=True)
    local.start()
    groups = [p.popen.pid for p in local._processes]
    java = subprocess.run(["pgrep", "-g", ",".join(map(str, groups)), "java"], capture_output=True, text=True)
    assert java.stdout.split(), "the emulators run Java in their process groups"
    local.stop()
    time.sleep(0.2)
    assert not any(_group_alive(g) for g in groups)
    assert not any(port_open(p) for p in ports)

"""The README's `python -m infra.tools.api_keys create ...`, as a newcomer runs it beside `make run`:
no emulator variables in the shell, only what the stack writes to .stack/stack.env."""
from __future__ import annotations

import os
import subprocess
import sys

import requests

from infra.local import run
from infra.local.stack import ROOT

STACK_VARIABLES = ("SIGAP_PROJECT_ID", "GOOGLE_CLOUD_PROJECT", "FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST")


def tool(state_dir, *args):
    env = {k: v for k, v in os.environ.items() if k not in STACK_VARIABLES} | {"SIGAP_STATE_DIR": str(state_dir)}
    return subprocess.run([sys.executable, "-m", "infra.tools.api_keys", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_api_keys_create_finds_the_running_stack_and_the_key_works(stack, tmp_path):
    refused = tool(tmp_path, "create", "--owner", "Admin DLH", "--scope", "unit")
    assert refused.returncode == 2 and "--scope unit needs --unit" in refused.stderr
    stopped = tool(tmp_path, "list")  # no stack.env: the stack is not running here
    assert stopped.returncode == 1 and "make run" in stopped.stderr
    run.write_env_file(tmp_path / "stack.env", run.stack_location(stack))  # what `make run` writes

    created = tool(tmp_path, "create", "--owner", "Admin DLH", "--scope", "unit", "--unit", "dlh")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("sgp_")
    listed = tool(tmp_path, "list")
    assert listed.returncode == 0 and "Admin DLH\tunit\tdlh\tactive" in listed.stdout
    answer = requests.get(f"{stack.gateway_url}/units/cases", headers={"X-Api-Key": key}, timeout=30)
    assert answer.status_code == 200, answer.text

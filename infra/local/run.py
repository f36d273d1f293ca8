"""``make run``: the whole Sigap stack on this machine until Ctrl-C.

Local settings (a random webhook secret for the ``demo`` source and a random admin
token) are created once in .stack/local.env, which git ignores; any of them given in
the environment wins. Ports: SIGAP_GATEWAY_PORT (8080), SIGAP_FIRESTORE_PORT (8681),
SIGAP_PUBSUB_PORT (8682).
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import sys
import threading

from infra.local.stack import ROOT, LocalStack, StackError

STATE_DIR = ROOT / ".stack"
LOCAL_ENV = STATE_DIR / "local.env"
# Locally, webhook subscribers are servers on this machine: allow http and loopback.
LOCAL_WEBHOOK_POLICY = {"SIGAP_WEBHOOK_ALLOW_HTTP": "true", "SIGAP_WEBHOOK_ALLOWLIST": "127.0.0.0/8,::1/128"}


def local_settings() -> dict[str, str]:
    """Reads .stack/local.env, creating it with fresh random values the first time."""
    STATE_DIR.mkdir(exist_ok=True)
    if not LOCAL_ENV.exists():
        demo_secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        LOCAL_ENV.write_text(
            f"SIGAP_INTAKE_SECRETS={json.dumps({'demo': demo_secret})}\n"
            f"SIGAP_ADMIN_TOKEN={secrets.token_urlsafe(24)}\n")
        LOCAL_ENV.chmod(0o600)
    values = dict(line.split("=", 1) for line in LOCAL_ENV.read_text().splitlines() if "=" in line)
    return {key: os.environ.get(key, value) for key, value in values.items()}


def main() -> int:
    settings = {"SIGAP_OUTBOX_GRACE_SECONDS": "30", **LOCAL_WEBHOOK_POLICY, **local_settings()}
    stack = LocalStack(
        project=os.environ.get("SIGAP_PROJECT_ID", "sigap-local"),
        firestore_port=int(os.environ.get("SIGAP_FIRESTORE_PORT", 8681)),
        pubsub_port=int(os.environ.get("SIGAP_PUBSUB_PORT", 8682)),
        gateway_port=int(os.environ.get("SIGAP_GATEWAY_PORT", 8080)),
        settings=settings, log_dir=STATE_DIR / "logs")
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    try:
        stack.start()
    except StackError as exc:
        print(f"sigap: {exc}", file=sys.stderr)
        return 1
    print(f"Sigap is running on {stack.gateway_url}  (health: {stack.gateway_url}/healthz)\n"
          f"  intake: POST {stack.gateway_url}/intake/sources/demo/complaints\n"
          f"  cases:  GET  {stack.gateway_url}/cases  (Authorization: Bearer $SIGAP_ADMIN_TOKEN)\n"
          f"  local settings: {LOCAL_ENV.relative_to(ROOT)}; logs: {stack.log_dir.relative_to(ROOT)}/\n"
          f"  try it: make demo      stop: Ctrl-C", flush=True)
    print(f"  LAPOR!: {stack.lapor_url}  (sandbox admin: {stack.lapor_url}/_sandbox/received; "
          f"sync every 3 min, see docs/lapor-contract.md)", flush=True)
    stopped.wait()
    print("stopping Sigap ...", flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``make run``: the whole Sigap stack on this machine until Ctrl-C.

Local settings (a random webhook secret for the ``demo`` source and a random admin
token) are created once in .stack/local.env, which git ignores; any of them given in
the environment wins, and so does any default below (the webhook policy, the outbox
grace). While the stack runs, .stack/stack.env says where it is (project, emulator
hosts, gateway), for the admin tools (``infra.tools.api_keys``) and for a shell:

    set -a; source .stack/local.env; source .stack/stack.env; set +a

Both files are written shell-quoted, so sourcing them keeps the JSON secret intact.
Ports: SIGAP_GATEWAY_PORT (8080), SIGAP_FIRESTORE_PORT (8681), SIGAP_PUBSUB_PORT (8682),
SIGAP_OUTBOX_PORT (8025: what was sent to people, /_outbox), SIGAP_MAIL_PORT (1025, SMTP);
the folder: SIGAP_STATE_DIR (.stack).
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import shlex
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from infra.local.stack import ROOT, LocalStack, StackError

STATE_DIR = Path(os.environ.get("SIGAP_STATE_DIR") or ROOT / ".stack")
LOCAL_ENV = STATE_DIR / "local.env"
STACK_ENV = STATE_DIR / "stack.env"
# Locally, webhook subscribers are servers on this machine: allow http and loopback.
LOCAL_WEBHOOK_POLICY = {"SIGAP_WEBHOOK_ALLOW_HTTP": "true", "SIGAP_WEBHOOK_ALLOWLIST": "127.0.0.0/8,::1/128"}
LOCAL_DEFAULTS = {"SIGAP_OUTBOX_GRACE_SECONDS": "30", **LOCAL_WEBHOOK_POLICY}


def write_env_file(path: Path, values: Mapping[str, str]) -> None:
    """KEY='value' lines, shell-quoted: `set -a; source FILE` gives back exactly these values."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text("".join(f"{key}={shlex.quote(value)}\n" for key, value in values.items()))
    path.chmod(0o600)


def _entries(path: Path) -> list[tuple[str, str, str]]:
    """(key, value, as written) per KEY=value line; an unquoted value (older runs) is taken as is."""
    entries = []
    for line in path.read_text().splitlines():
        key, sep, raw = line.partition("=")
        if not sep or not key.strip() or key.lstrip().startswith("#"):
            continue
        quoted = len(raw) > 1 and raw.startswith("'") and raw.endswith("'")
        entries.append((key.strip(), "".join(shlex.split(raw)) if quoted else raw, raw))
    return entries


def read_env_file(path: Path) -> dict[str, str]:
    """The values of a file write_env_file wrote."""
    return {key: value for key, value, _ in _entries(path)}


def local_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Reads .stack/local.env, creating it with fresh random values the first time; the environment wins."""
    environ = os.environ if environ is None else environ
    if not LOCAL_ENV.exists():
        demo_secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        write_env_file(LOCAL_ENV, {"SIGAP_INTAKE_SECRETS": json.dumps({"demo": demo_secret}),
                                   "SIGAP_ADMIN_TOKEN": secrets.token_urlsafe(24)})
    values = read_env_file(LOCAL_ENV)
    if "SIGAP_LINK_SECRET" not in values:  # people's links and sessions (docs/people.md); older files lack it
        values["SIGAP_LINK_SECRET"] = secrets.token_urlsafe(32)
        write_env_file(LOCAL_ENV, values)
    if any(shlex.quote(value) != raw for _, value, raw in _entries(LOCAL_ENV)):
        write_env_file(LOCAL_ENV, values)  # written unquoted by an older run: quote it, so it can be sourced
    return {key: environ.get(key, value) for key, value in values.items()}


def stack_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings the stack hands its functions: the local defaults and .stack/local.env, each
    only where the environment gives no value (the stack's functions see the environment too)."""
    environ = os.environ if environ is None else environ
    defaults = {key: value for key, value in LOCAL_DEFAULTS.items() if key not in environ}
    return {**defaults, **local_settings(environ)}


def stack_location(stack: LocalStack) -> dict[str, str]:
    """What .stack/stack.env holds while the stack runs: where a client finds it."""
    return {"SIGAP_PROJECT_ID": stack.project, "FIRESTORE_EMULATOR_HOST": stack.firestore_host,
            "PUBSUB_EMULATOR_HOST": stack.pubsub_host, "SIGAP_GATEWAY_URL": stack.gateway_url}


def main() -> int:
    stack = LocalStack(
        project=os.environ.get("SIGAP_PROJECT_ID", "sigap-local"),
        firestore_port=int(os.environ.get("SIGAP_FIRESTORE_PORT", 8681)),
        pubsub_port=int(os.environ.get("SIGAP_PUBSUB_PORT", 8682)),
        gateway_port=int(os.environ.get("SIGAP_GATEWAY_PORT", 8080)),
        settings=stack_settings(), log_dir=STATE_DIR / "logs", standins=True,
        outbox_port=int(os.environ.get("SIGAP_OUTBOX_PORT", 8025)),
        mail_port=int(os.environ.get("SIGAP_MAIL_PORT", 1025)))
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    try:
        stack.start()
    except StackError as exc:
        print(f"sigap: {exc}", file=sys.stderr)
        return 1
    write_env_file(STACK_ENV, stack_location(stack))
    print(f"Sigap is running on {stack.gateway_url}  (health: {stack.gateway_url}/healthz)\n"
          f"  intake: POST {stack.gateway_url}/intake/sources/demo/complaints\n"
          f"  cases:  GET  {stack.gateway_url}/cases  (Authorization: Bearer $SIGAP_ADMIN_TOKEN)\n"
          f"  local settings: {_shown(LOCAL_ENV)}; where the stack is: {_shown(STACK_ENV)}; "
          f"logs: {_shown(stack.log_dir)}/\n"
          f"  in a shell: set -a; source {_shown(LOCAL_ENV)}; source {_shown(STACK_ENV)}; set +a\n"
          f"  try it: make demo      stop: Ctrl-C", flush=True)
    print(f"  LAPOR!: {stack.lapor_url}  (sandbox admin: {stack.lapor_url}/_sandbox/received; "
          f"sync every 3 min, see docs/lapor-contract.md)", flush=True)
    if stack.outbox_url:
        print(f"  sent to people (e-mail, Telegram, WhatsApp stand-ins): {stack.outbox_url}", flush=True)
    try:
        stopped.wait()
    finally:
        print("stopping Sigap ...", flush=True)
        STACK_ENV.unlink(missing_ok=True)
        stack.stop()
    return 0


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


if __name__ == "__main__":
    sys.exit(main())

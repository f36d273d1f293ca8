"""Admin command for API keys (Open311 clients, units' systems).

    python -m infra.tools.api_keys create --owner "Aplikasi Metro Smart City" --scope open311
    python -m infra.tools.api_keys create --owner "Admin DLH" --scope unit --unit dlh
    python -m infra.tools.api_keys list
    python -m infra.tools.api_keys revoke KEY_ID

Against the running ``make run`` stack it needs nothing more: the project and the
emulator hosts come from .stack/stack.env, which the stack writes while it runs (the
environment wins: SIGAP_PROJECT_ID, FIRESTORE_EMULATOR_HOST). Against production, give
SIGAP_PROJECT_ID and Google credentials (gcloud auth application-default login) and no
emulator host. The plaintext key is printed once and never stored.
"""
from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
from collections.abc import Mapping

from infra.local.run import STACK_ENV, read_env_file
from shared.bootstrap import App
from shared.config import PROJECT_VARIABLES, ConfigError, Settings
from shared.domain.api_keys import SCOPES, issue_key, key_digest

STACK_VARIABLES = ("SIGAP_PROJECT_ID", "FIRESTORE_EMULATOR_HOST")


def tool_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment, completed from .stack/stack.env when it names no project and no emulator."""
    environ = dict(os.environ if environ is None else environ)
    if any(environ.get(name) for name in (*PROJECT_VARIABLES, "FIRESTORE_EMULATOR_HOST")) or not STACK_ENV.exists():
        return environ
    stack = read_env_file(STACK_ENV)
    return {**{name: stack[name] for name in STACK_VARIABLES if name in stack}, **environ}


def _reachable(host_port: str) -> bool:
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=2):
            return True
    except (OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="api_keys")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create")
    create.add_argument("--owner", required=True)
    create.add_argument("--scope", action="append", choices=sorted(SCOPES), required=True)
    create.add_argument("--unit", help="the unit a key with --scope unit acts for (required with it)")
    commands.add_parser("list")
    revoke = commands.add_parser("revoke")
    revoke.add_argument("key_id")
    args = parser.parse_args(argv)
    if args.command == "create" and "unit" in args.scope and not args.unit:
        parser.error("--scope unit needs --unit UNIT_ID: a unit key acts for one unit (e.g. --unit dlh)")
    if args.command == "create" and args.unit and "unit" not in args.scope:
        parser.error("--unit is only for a key with --scope unit")
    environ = tool_environment()
    emulator = environ.get("FIRESTORE_EMULATOR_HOST")
    if emulator and not _reachable(emulator):
        print(f"api_keys: no Firestore emulator at {emulator}: is `make run` running? "
              f"(it writes {STACK_ENV} while it runs)", file=sys.stderr)
        return 1
    try:
        settings = Settings.from_env(environ)
    except ConfigError as exc:
        print(f"api_keys: {exc}. Start the local stack (`make run`), or set SIGAP_PROJECT_ID "
              f"(and FIRESTORE_EMULATOR_HOST for an emulator)", file=sys.stderr)
        return 1
    if emulator:
        os.environ["FIRESTORE_EMULATOR_HOST"] = emulator  # the Firestore client reads it from the process
    app = App(settings)
    if args.command == "create":
        if args.unit and args.unit not in app.catalog.units:
            parser.error(f"unknown unit '{args.unit}'")
        key, plaintext = issue_key(owner=args.owner, scopes=tuple(args.scope), now=app.clock.now(),
                                   key_id=secrets.token_hex(4), secret=secrets.token_urlsafe(32), unit_id=args.unit)
        app.api_keys.add(key_digest(plaintext), key)
        print(f"key id {key.key_id} for {key.owner} ({', '.join(key.scopes)}); shown once:\n{plaintext}")
    elif args.command == "list":
        for key in app.api_keys.list():
            state = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else "active"
            print(f"{key.key_id}\t{key.owner}\t{','.join(key.scopes)}\t{key.unit_id or '-'}\t{state}")
    elif not app.api_keys.revoke(args.key_id, app.clock.now()):
        print(f"no key with id {args.key_id}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Admin command for API keys (Open311 clients now, units' systems later).

    python -m infra.tools.api_keys create --owner "Aplikasi Metro Smart City" --scope open311
    python -m infra.tools.api_keys list
    python -m infra.tools.api_keys revoke KEY_ID

Uses the environment of the functions (SIGAP_PROJECT_ID, FIRESTORE_EMULATOR_HOST
locally). The plaintext key is printed once and never stored.
"""
from __future__ import annotations

import argparse
import secrets
import sys

from shared.bootstrap import App
from shared.config import Settings
from shared.domain.api_keys import SCOPES, issue_key, key_digest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="api_keys")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create")
    create.add_argument("--owner", required=True)
    create.add_argument("--scope", action="append", choices=sorted(SCOPES), required=True)
    create.add_argument("--unit")
    commands.add_parser("list")
    revoke = commands.add_parser("revoke")
    revoke.add_argument("key_id")
    args = parser.parse_args(argv)
    app = App(Settings.from_env())
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

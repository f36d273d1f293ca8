"""Operate the LAPOR! push outbox: list what waits or is dead, and re-drive dead items.

    python -m infra.lapor_outbox list
    python -m infra.lapor_outbox redrive [--case CASE_ID]

Uses the same settings as the functions (SIGAP_PROJECT_ID, FIRESTORE_EMULATOR_HOST locally).
"""
from __future__ import annotations

import argparse
import json
import sys

from shared import bootstrap
from shared.services.lapor_push import redrive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="items waiting or dead, in delivery order")
    again = sub.add_parser("redrive", help="put dead items back in line")
    again.add_argument("--case", dest="case_id")
    args = parser.parse_args(argv)
    app = bootstrap.app()
    if args.command == "list":
        for item in app.lapor_store.items(10_000):
            print(json.dumps({"id": item.id, "state": item.state.value, "attempts": item.attempts,
                              "next_attempt_at": item.next_attempt_at, "last_error": item.last_error}, default=str))
        return 0
    count = redrive(store=app.lapor_store, clock=app.clock, case_id=args.case_id)
    print(f"re-driven: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""python -m infra.lapor_sandbox --port 8690: the sandbox portal until killed."""
from __future__ import annotations

import argparse
import os

from werkzeug.serving import make_server

from infra.lapor_sandbox.app import create_app
from infra.lapor_sandbox.portal import Portal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8690)
    parser.add_argument("--reports", type=int, default=300, help="seeded reports")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    token = os.environ.get("SIGAP_LAPOR_TOKEN") or "sandbox-token"
    server = make_server(args.host, args.port, create_app(Portal(token, args.reports, args.seed)), threaded=True)
    print(f"LAPOR! sandbox on http://{args.host}:{args.port} ({args.reports} reports)", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

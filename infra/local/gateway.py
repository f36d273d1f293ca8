"""The local gateway: every function at /<name>/..., served by functions-framework's
own gunicorn server, plus GET /healthz. Run: python -m infra.local.gateway --port 8080"""
from __future__ import annotations

import argparse
import os
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import flask
from functions_framework import create_app
from functions_framework._http import create_server
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from infra.topology import load_topology

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

SOURCE = str(Path(__file__).resolve().parents[2] / "functions" / "main.py")


def _emulator_ready(host: str | None) -> bool:
    if not host:
        return False
    try:
        with urllib.request.urlopen(f"http://{host}/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class _Mounted:
    """A function mounted at /<name>: the bare /<name> reaches it as "/", as on Cloud
    Functions (Flask would otherwise answer a redirect, which Pub/Sub push treats as a failure)."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get("PATH_INFO"):
            environ["PATH_INFO"] = "/"
        return self.app(environ, start_response)


def build_gateway() -> flask.Flask:
    functions = load_topology()["functions"]
    mounts: dict[str, WSGIApplication] = {
        f"/{spec.name}": _Mounted(create_app(spec.name, SOURCE, spec.signature_type)) for spec in functions}
    from shared import bootstrap
    bootstrap.check()  # settings, catalog, routing rules and escalation are valid, or the gateway does not start

    gateway = flask.Flask("sigap-gateway")

    @gateway.get("/healthz")
    def healthz():
        checks = {
            "firestore": _emulator_ready(os.environ.get("FIRESTORE_EMULATOR_HOST")),
            "pubsub": _emulator_ready(os.environ.get("PUBSUB_EMULATOR_HOST")),
            **{f"function:{name.strip('/')}": True for name in mounts},
        }
        ok = all(checks.values())
        return flask.jsonify(status="ok" if ok else "unavailable", checks=checks), 200 if ok else 503

    gateway.wsgi_app = DispatcherMiddleware(gateway.wsgi_app, mounts)  # type: ignore[method-assign]
    return gateway


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SIGAP_GATEWAY_PORT", 8080)))
    args = parser.parse_args()
    from shared import logs
    logs.install()  # every line of the gateway's log is one JSON object (gunicorn's too)
    server = create_server(build_gateway(), debug=False, logger_class="shared.gunicorn_logs.GunicornLogger")
    server.run(args.host, args.port)


if __name__ == "__main__":
    main()

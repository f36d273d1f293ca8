"""The sandbox's HTTP face: the contract's endpoints under /api/v1 and the admin API under /_sandbox."""
from __future__ import annotations

import hmac
import json
import time
from datetime import datetime

from flask import Flask, Response, request

from infra.lapor_sandbox.portal import Portal

RESPONSE_FAULTS = ("timeout", "error", "rate_limit", "expired_token", "truncated", "malformed")


def _json(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json",
                    headers=headers)


def _error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return _json({"error": {"code": code, "message": message}}, status, headers)


def _body() -> dict:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def create_app(portal: Portal) -> Flask:
    app = Flask("lapor-sandbox")

    def serve(endpoint: str, work):
        """Runs one contract call through the faults switched on for its endpoint."""
        faults = portal.take_faults(endpoint)
        for fault in faults:
            if fault.kind == "latency":
                time.sleep(fault.seconds)
        kinds = {f.kind: f for f in faults}
        if "expired_token" in kinds:
            return _error(401, "token_expired", "access token expired", {"WWW-Authenticate": "Bearer"})
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), portal.token.encode()):
            return _error(401, "invalid_token", "send Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"})
        if "rate_limit" in kinds:
            return _error(429, "rate_limited", "too many requests",
                          {"Retry-After": str(int(kinds["rate_limit"].retry_after))})
        if "error" in kinds:
            return _error(kinds["error"].status, "server_error", "the portal failed")
        try:
            response = work(kinds)
        except KeyError:
            return _error(404, "not_found", "no such report")
        except (ValueError, TypeError) as exc:
            return _error(422, "invalid", str(exc)[:200])
        if "timeout" in kinds:  # the work is done; the answer comes too late (the client gave up)
            time.sleep(kinds["timeout"].seconds)
        if "truncated" in kinds:
            return Response(response.get_data()[: max(1, len(response.get_data()) // 2)], status=response.status_code,
                            mimetype="application/json")
        if "malformed" in kinds:
            return Response(b'{"data": [ {"tracking_id": oops', status=response.status_code,
                            mimetype="application/json")
        return response

    @app.get("/api/v1/reports")
    def list_reports():
        def work(kinds):
            raw = request.args.get("cursor") or "c0"
            if not raw.startswith("c") or not raw[1:].isdigit():
                raise ValueError("invalid cursor")
            limit = min(max(int(request.args.get("limit", 100)), 1), 100)
            return _json(portal.page(int(raw[1:]), limit, "duplicate" in kinds, "out_of_order" in kinds))
        return serve("list", work)

    @app.get("/api/v1/reports/<tracking_id>")
    def get_report(tracking_id):
        return serve("get", lambda kinds: _json({"data": portal.public(portal.reports[tracking_id])}))

    @app.post("/api/v1/reports/<tracking_id>/tindak-lanjut")
    def post_follow_up(tracking_id):
        def work(kinds):
            body = _body()
            result, created = portal.follow_up(tracking_id, body.get("isi"), body.get("client_ref"),
                                               body.get("sub_instansi"))
            return _json({"data": result}, 201 if created else 200)
        return serve("follow_up", work)

    @app.post("/api/v1/reports/<tracking_id>/status")
    def change_status(tracking_id):
        def work(kinds):
            body = _body()
            portal.change_status(tracking_id, body.get("status"), body.get("catatan"), body.get("client_ref"))
            return _json({"data": {"tracking_id": tracking_id, "status": body["status"]}})
        return serve("status", work)

    @app.post("/api/v1/reports/<tracking_id>/disposisi")
    def dispose(tracking_id):
        def work(kinds):
            body = _body()
            result, _ = portal.dispose(tracking_id, body.get("sub_instansi"), body.get("catatan"),
                                       body.get("client_ref"))
            return _json({"data": result})
        return serve("dispose", work)

    @app.post("/api/v1/reports")
    def submit():
        def work(kinds):
            body = _body()
            result, created = portal.submit(body, body.get("client_ref"))
            return _json({"data": result}, 201 if created else 200)
        return serve("submit", work)

    # ---- admin (local only; no auth) -------------------------------------------------------
    @app.get("/_sandbox/health")
    def health():
        return _json({"status": "ok"})

    @app.get("/_sandbox/reports")
    def all_reports():  # the truth, without faults: what tests compare Sigap with
        with portal.lock:
            return _json({"reports": [portal.public(r) for r in portal.reports.values()]})

    @app.post("/_sandbox/reports")
    def upsert():
        body = request.get_json(force=True)
        return _json({"reports": [portal.upsert(r)["tracking_id"] for r in body.get("reports", [])]})

    @app.post("/_sandbox/reports/<tracking_id>/act")
    def act(tracking_id):  # the people on LAPOR!: {"as": "unit"|"admin"|"reporter", "action", ...fields}
        try:
            body = _body()
            fields = {k: v for k, v in body.items() if k not in ("as", "action")}
            return _json({"data": portal.act(tracking_id, body.get("as"), body.get("action"), **fields)})
        except KeyError:
            return _error(404, "not_found", "no such report")
        except (ValueError, TypeError) as exc:
            return _error(422, "invalid", str(exc)[:200])

    @app.get("/_sandbox/accounts")
    def unit_accounts():
        return _json({"accounts": [{"sub_instansi": k, "nama": v} for k, v in portal.accounts.items()]})

    @app.route("/_sandbox/clock", methods=["PUT", "DELETE", "GET"])
    def clock():  # PUT {"now": "<RFC 3339>"}: a fixed time for every timestamp the portal writes; DELETE: real time
        if request.method == "DELETE":
            portal.set_clock(None)
        elif request.method == "PUT":
            try:
                portal.set_clock(datetime.fromisoformat(str(_body()["now"]).replace("Z", "+00:00")))
            except (KeyError, ValueError) as exc:
                return _error(422, "invalid_clock", f"now must be an RFC 3339 time with an offset ({exc})"[:200])
        return _json({"now": portal.now().isoformat(), "fixed": portal.clock_fixed})

    @app.route("/_sandbox/faults", methods=["PUT", "DELETE", "GET"])
    def faults():
        if request.method == "DELETE":
            portal.set_faults({})
        elif request.method == "PUT":
            try:
                portal.set_faults(request.get_json(force=True))
            except (ValueError, TypeError) as exc:
                return _error(422, "invalid_fault", str(exc))
        return _json({k: [vars(f) for f in v] for k, v in portal.faults.items()})

    @app.get("/_sandbox/received")
    def received():
        return _json(portal.received())

    @app.post("/_sandbox/reset")
    def reset():
        body = request.get_json(silent=True) or {}
        portal.reset(int(body.get("reports", 300)), int(body.get("seed", 2026)))
        return _json(portal.received())

    return app

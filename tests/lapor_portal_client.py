"""PortalClient: the LaporClient Protocol (shared/ports.py) in-process over a sandbox
``Portal`` (infra/lapor_sandbox/portal.py), without HTTP, for simulators that run weeks of
simulated time with the portal's clock injected (``Portal(..., clock=...)``).

It behaves as ``HttpLaporClient`` with a single try would against the sandbox's HTTP app:
every report goes through the real wire mapping (``report_from_wire``), what the app
answers 404 or 422 (unknown report or account, invalid request) raises ``LaporRejected``
with that status, and the faults switched on with ``portal.set_faults`` apply per
endpoint (``expired_token`` -> LaporAuthError; ``error`` by its status; ``rate_limit`` ->
LaporUnavailable 429 with ``retry_after``; ``timeout``, ``truncated``, ``malformed``: the
work is done and the answer lost -> LaporUnavailable; ``duplicate``, ``out_of_order``: the
list endpoint misbehaves). ``latency`` is ignored: simulated time does not sleep.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra.lapor_sandbox.portal import Fault, Portal
from shared.adapters.lapor_client import complaint_to_wire, report_from_wire
from shared.domain.integrations.lapor import Report
from shared.ports import LaporAuthError, LaporRejected, LaporUnavailable, ReportPage

LOST_ANSWER = ("timeout", "truncated", "malformed")


class PortalClient:
    def __init__(self, portal: Portal):
        self.portal = portal
        self.calls = 0  # requests made, as HttpLaporClient.calls counts them

    def __repr__(self) -> str:
        return "PortalClient(in-process sandbox)"

    # ---- the contract's operations ------------------------------------------------
    def changed_reports(self, cursor: str | None, limit: int) -> ReportPage:
        def work(kinds: dict[str, Fault]) -> dict:
            raw = cursor or "c0"
            if not raw.startswith("c") or not raw[1:].isdigit():
                raise ValueError("invalid cursor")
            return self.portal.page(int(raw[1:]), min(max(int(limit), 1), 100), "duplicate" in kinds,
                                    "out_of_order" in kinds)
        body = self._call("list", work)
        return ReportPage(tuple(report_from_wire(r) for r in body["data"]), body["next_cursor"] or cursor,
                          bool(body["has_more"]))

    def report(self, tracking_id: str) -> Report:
        return report_from_wire(self._call("get", lambda kinds: self.portal.public(self.portal.reports[tracking_id])))

    def post_follow_up(self, tracking_id: str, text: str, client_ref: str, *, account: str | None = None) -> str:
        result, _ = self._call("follow_up", lambda kinds: self.portal.follow_up(tracking_id, text, client_ref, account))
        return str(result.get("id", ""))

    def change_status(self, tracking_id: str, status: str, note: str | None, client_ref: str) -> None:
        self._call("status", lambda kinds: self.portal.change_status(tracking_id, status, note, client_ref))

    def dispose(self, tracking_id: str, account: str, note: str | None, client_ref: str) -> None:
        self._call("dispose", lambda kinds: self.portal.dispose(tracking_id, account, note, client_ref))

    def submit(self, complaint: dict, client_ref: str) -> str:
        body = complaint_to_wire(complaint, client_ref)
        result, _ = self._call("submit", lambda kinds: self.portal.submit(body, client_ref))
        return str(result["tracking_id"])

    # ---- one request, as the HTTP app and client would see it ------------------------------
    def _call(self, operation: str, work: Callable[[dict[str, Fault]], Any]) -> Any:
        self.calls += 1
        kinds = {f.kind: f for f in self.portal.take_faults(operation)}
        if "expired_token" in kinds:
            raise LaporAuthError(f"{operation}: the platform refused the token (401)", status=401)
        if "rate_limit" in kinds:
            raise LaporUnavailable(f"{operation}: HTTP 429", status=429,
                                   retry_after=float(int(kinds["rate_limit"].retry_after)))
        if "error" in kinds:
            raise _http_error(operation, kinds["error"].status)
        try:
            result = work(kinds)
        except KeyError:
            raise LaporRejected(f"{operation}: HTTP 404 not_found", status=404) from None
        except (ValueError, TypeError):
            raise LaporRejected(f"{operation}: HTTP 422 invalid", status=422) from None
        lost = next((k for k in LOST_ANSWER if k in kinds), None)
        if lost:  # the portal did the work; the answer never arrived whole
            raise LaporUnavailable(f"{operation}: the answer was lost ({lost})")
        return result


def _http_error(operation: str, status: int) -> Exception:
    if status in (401, 403):
        return LaporAuthError(f"{operation}: the platform refused the token ({status})", status=status)
    if status == 429 or status >= 500:
        return LaporUnavailable(f"{operation}: HTTP {status}", status=status)
    return LaporRejected(f"{operation}: HTTP {status} server_error", status=status)

"""HttpLaporClient: the one module that knows the LAPOR! integration API's wire format
(docs/lapor-contract.md). When the platform's real documentation is in hand, this
module changes and nothing else does.

Every call retries transient failures (network errors, timeouts, 5xx, 429, unreadable
JSON) on a ``RetryPolicy`` (shared/delivery/policy.py: short jittered exponential
backoff), honouring ``Retry-After`` in both its forms; a wait longer than the policy's
``max_retry_after`` is not slept through but raised, so the caller can stop its run and
leave the rest to the next tick (the push records it on the item). The token is sent,
never logged.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import requests

from shared import logs
from shared.adapters.clock import SystemClock
from shared.delivery.policy import RetryPolicy, parse_retry_after
from shared.domain.integrations.lapor import Disposition, FollowUp, Report
from shared.ports import Clock, LaporAuthError, LaporRejected, LaporUnavailable, ReportPage

API = "/api/v1"
# Tries per call, the first included, 0.5 s doubling up to 8 s; a Retry-After over 30 s
# is raised rather than slept through.
CALL_RETRY = RetryPolicy(max_attempts=4, base_seconds=0.5, cap_seconds=8.0, max_retry_after=30.0)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _instant(value: str | None) -> datetime:
    """A date the contract requires: absent or empty is a malformed answer (ValueError)."""
    when = _time(value)
    if when is None:
        raise ValueError("a required date is missing")
    return when


def report_from_wire(raw: Mapping[str, Any]) -> Report:
    """The platform's report JSON -> Report. A KeyError/TypeError/ValueError here means a malformed answer."""
    place, who = raw.get("lokasi") or {}, raw.get("pelapor")
    return Report(
        tracking_id=str(raw["tracking_id"]), version=int(raw["versi"]), title=str(raw["judul"]),
        content=str(raw["isi"]), status=str(raw["status"]), created_at=_instant(raw["tanggal_lapor"]),
        disposed_at=_time(raw.get("tanggal_disposisi")), updated_at=_time(raw.get("diperbarui")),
        category=raw.get("kategori"), kelurahan=place.get("kelurahan"), address=place.get("alamat"),
        anonymous=bool(raw.get("anonim")), secret=bool(raw.get("rahasia")),
        reporter={"name": who.get("nama"), "phone": who.get("telepon"), "email": who.get("email")} if who else None,
        follow_ups=tuple(_follow_up(f) for f in raw.get("tindak_lanjut") or ()),
        client_ref=raw.get("client_ref"), disposition=_disposition(raw.get("disposisi")))


def _follow_up(raw: Mapping[str, Any]) -> FollowUp:
    """``sub_instansi`` (the unit account that wrote it) and ``client_ref`` (echoed for Sigap's own) may be absent."""
    return FollowUp(str(raw["id"]), str(raw["oleh"]), str(raw["isi"]), _instant(raw["tanggal"]),
                    account=_text(raw.get("sub_instansi")), client_ref=_text(raw.get("client_ref")))


def _disposition(raw: Mapping[str, Any] | None) -> Disposition | None:
    """``disposisi``: absent or null when the report sits with the city's instansi itself."""
    if not raw:
        return None
    return Disposition(str(raw["sub_instansi"]), _instant(raw["tanggal"]), client_ref=_text(raw.get("client_ref")))


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def complaint_to_wire(complaint: Mapping[str, Any], client_ref: str) -> dict[str, Any]:
    reporter = complaint.get("reporter")
    return {"judul": complaint["title"], "isi": complaint["description"], "kategori": complaint.get("category"),
            "lokasi": {"kelurahan": (complaint.get("location") or {}).get("kelurahan"),
                       "alamat": (complaint.get("location") or {}).get("address")},
            "anonim": bool(complaint.get("anonymous")), "rahasia": bool(complaint.get("secret")),
            "pelapor": {"nama": reporter.get("name"), "telepon": reporter.get("phone"),
                        "email": reporter.get("email")} if reporter else None,
            "client_ref": client_ref}


class HttpLaporClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0, retry: RetryPolicy = CALL_RETRY,
                 session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None, clock: Clock | None = None):
        self._base, self._timeout, self._retry = base_url.rstrip("/") + API, timeout, retry
        self._session = session or requests.Session()
        self._session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
        self._sleep, self._rng, self._clock = sleep, rng or random.Random(), clock or SystemClock()
        self.calls = 0  # HTTP requests made, retries included (benchmarks read it)

    def __repr__(self) -> str:  # never show the token
        return f"HttpLaporClient({self._base!r})"

    # ---- the contract's operations ------------------------------------------------
    def changed_reports(self, cursor: str | None, limit: int) -> ReportPage:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = self._call("list", "GET", "/reports", params=params)
        try:
            return ReportPage(tuple(report_from_wire(r) for r in body["data"]),
                              body.get("next_cursor") or cursor, bool(body["has_more"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise LaporUnavailable(f"list: malformed page ({type(exc).__name__})") from None

    def report(self, tracking_id: str) -> Report:
        body = self._call("get", "GET", f"/reports/{tracking_id}")
        try:
            return report_from_wire(body["data"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise LaporUnavailable(f"get: malformed report ({type(exc).__name__})") from None

    def post_follow_up(self, tracking_id: str, text: str, client_ref: str, *, account: str | None = None) -> str:
        """``account``: the unit's sub-instansi the follow-up is written by (none: the city's instansi)."""
        body = self._call("follow_up", "POST", f"/reports/{tracking_id}/tindak-lanjut",
                          json={"isi": text, "client_ref": client_ref,
                                **({"sub_instansi": account} if account else {})})
        return str((body.get("data") or {}).get("id", ""))

    def change_status(self, tracking_id: str, status: str, note: str | None, client_ref: str) -> None:
        self._call("status", "POST", f"/reports/{tracking_id}/status",
                   json={"status": status, "catatan": note, "client_ref": client_ref})

    def dispose(self, tracking_id: str, account: str, note: str | None, client_ref: str) -> None:
        self._call("dispose", "POST", f"/reports/{tracking_id}/disposisi",
                   json={"sub_instansi": account, "catatan": note, "client_ref": client_ref})

    def submit(self, complaint: dict, client_ref: str) -> str:
        body = self._call("submit", "POST", "/reports", json=complaint_to_wire(complaint, client_ref))
        try:
            return str(body["data"]["tracking_id"])
        except (KeyError, TypeError) as exc:
            raise LaporUnavailable(f"submit: malformed answer ({type(exc).__name__})") from None

    # ---- transport, retries ---------------------------------------------------------
    def _call(self, operation: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        policy, attempt = self._retry, 0
        while True:
            attempt += 1
            try:
                return self._once(operation, method, path, **kwargs)
            except LaporUnavailable as exc:
                if policy.exhausted(attempt) or (exc.retry_after or 0) > policy.max_retry_after:
                    raise
                wait = policy.wait(attempt, exc.retry_after, self._rng)
                logs.warning("lapor: call failed; retrying", operation=operation, attempt=attempt,
                             status=exc.status, error=str(exc)[:120], wait_seconds=round(wait, 2))
                self._sleep(wait)

    def _once(self, operation: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        try:
            response = self._session.request(method, self._base + path, timeout=self._timeout, **kwargs)
        except requests.RequestException as exc:
            raise LaporUnavailable(f"{operation}: {type(exc).__name__}") from None
        status = response.status_code
        if status in (401, 403):
            raise LaporAuthError(f"{operation}: the platform refused the token ({status})", status=status)
        if status == 429 or status >= 500:
            raise LaporUnavailable(f"{operation}: HTTP {status}", status=status,
                                   retry_after=parse_retry_after(response.headers.get("Retry-After"),
                                                                 self._clock.now()))
        try:
            body = response.json()
        except ValueError:
            raise LaporUnavailable(f"{operation}: unreadable JSON (HTTP {status})", status=status) from None
        if status >= 400:
            code = (body.get("error") or {}).get("code") if isinstance(body, dict) else None
            raise LaporRejected(f"{operation}: HTTP {status} {code or ''}".strip(), status=status)
        if not isinstance(body, dict):
            raise LaporUnavailable(f"{operation}: the answer is not a JSON object", status=status)
        return body


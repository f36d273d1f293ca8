"""The sandbox portal's state: reports with their change sequence, the city's unit accounts
(sub-instansi), faults per endpoint, a clock, and a record of everything Sigap sent (for
exactly-once checks). It can also act as the people on LAPOR! (a unit's account, the city
admin, the reporter) so tests drive both sides. No HTTP here.

Validation lives here (ValueError/TypeError: the request is invalid, 422; KeyError: no such
report, 404), so the HTTP app and the in-process client (tests/lapor_portal_client.py)
answer alike. Stored reports are never changed in place: a change stores a new dict (the
previous one goes to the report's history), so readers may share them without copying.
"""
from __future__ import annotations

import copy
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from infra.lapor_sandbox.seed import accounts, generate

ENDPOINTS = ("list", "get", "follow_up", "status", "dispose", "submit")
KINDS = ("latency", "timeout", "error", "rate_limit", "truncated", "malformed", "expired_token",
         "duplicate", "out_of_order")
BELUM_TERVERIFIKASI, BELUM_DITINDAKLANJUTI = "Belum Terverifikasi", "Belum Ditindaklanjuti"
PROSES, SELESAI, ARSIP = "Proses", "Selesai", "Arsip"
SETTABLE = (BELUM_DITINDAKLANJUTI, PROSES, SELESAI, ARSIP)  # what the status endpoint accepts
ACTS = {("unit", "follow_up"): "unit_follow_up", ("admin", "dispose"): "admin_dispose",
        ("admin", "close"): "admin_close", ("reporter", "reply"): "reporter_reply"}


@dataclass
class Fault:
    kind: str
    count: int = 1            # requests it affects; -1: until cleared
    seconds: float = 0.0      # latency, timeout
    status: int = 503         # error
    retry_after: float = 1.0  # rate_limit

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Fault:
        if raw.get("kind") not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        return cls(**{k: raw[k] for k in ("kind", "count", "seconds", "status", "retry_after") if k in raw})


def real_now() -> datetime:
    return datetime.now(UTC)


class Portal:
    def __init__(self, token: str, count: int = 300, seed: int = 2026,
                 clock: Callable[[], datetime] | None = None):
        self.token, self.lock = token, threading.RLock()
        self._clock: Callable[[], datetime] = clock or real_now
        self._fixed: datetime | None = None
        self.accounts: dict[str, str] = accounts()  # sub-instansi id -> name (units.yaml)
        self.reset(count, seed)

    def reset(self, count: int, seed: int) -> None:
        """Fresh reports, no faults, nothing received; a fixed time (set_clock) is cleared too."""
        with self.lock:
            self.seq = 0
            self.reports: dict[str, dict[str, Any]] = {}  # tracking_id -> its current version
            self.history: dict[str, list[dict[str, Any]]] = {}  # tracking_id -> its earlier versions
            self.faults: dict[str, list[Fault]] = {}
            self.by_ref: dict[str, Any] = {}
            self.applied: dict[str, list[dict]] = {"follow_ups": [], "status_changes": [], "dispositions": [],
                                                   "submissions": []}
            self.requests: dict[str, int] = {e: 0 for e in ENDPOINTS}
            self.next_id, self.rng, self._fixed = 9_000_000, random.Random(seed), None
            for report in generate(count, seed):
                self._put(report)

    # ---- the clock: every timestamp the portal writes -------------------------------------
    def now(self) -> datetime:
        now = self._fixed or self._clock()
        if now.tzinfo is None:
            raise ValueError("the sandbox clock must give times with a time zone")
        return now

    @property
    def clock_fixed(self) -> bool:
        return self._fixed is not None

    def set_clock(self, now: datetime | None) -> None:
        """Fixes the portal's time at ``now``; None: back to its own clock (real UTC time unless one was injected)."""
        if now is not None and now.tzinfo is None:
            raise ValueError("now must carry a time zone offset")
        self._fixed = now

    def _stamp(self) -> str:
        return self.now().isoformat()

    # ---- reports --------------------------------------------------------------------
    def _put(self, report: dict) -> dict:
        self.seq += 1
        previous = self.reports.get(report["tracking_id"])
        if previous is not None:
            self.history.setdefault(report["tracking_id"], []).append(previous)
        report = {**report, "_seq": self.seq}
        self.reports[report["tracking_id"]] = report
        return report

    def _change(self, tracking_id: str, fields: dict[str, Any], follow_up: dict | None = None) -> dict:
        """One change of a report: fields replaced, a follow-up appended, versi + 1, a new change seq."""
        current = self.reports[tracking_id]
        changed = {**current, **fields, "versi": current["versi"] + 1, "diperbarui": self._stamp()}
        if follow_up is not None:
            changed["tindak_lanjut"] = [*changed["tindak_lanjut"], follow_up]
        return self._put(changed)

    def upsert(self, change: dict) -> dict:
        """Adds a report (versi 1; a fresh one: Belum Ditindaklanjuti, not disposed, no follow-ups, dated now,
        unless given) or changes one (fields merged, versi + 1, a new change)."""
        with self.lock:
            fields = {k: v for k, v in change.items() if k not in ("add_follow_up", "tracking_id", "versi")}
            follow_up = self._follow_up(change["add_follow_up"]) if change.get("add_follow_up") else None
            tracking_id = str(change.get("tracking_id") or self._new_id())
            if tracking_id in self.reports:
                return self._change(tracking_id, fields, follow_up)
            now = self._stamp()
            base = generate(1, seed=self.rng.randint(0, 10**9), first_id=int(tracking_id))[0]
            return self._put({**base, "status": BELUM_DITINDAKLANJUTI, "disposisi": None, "tanggal_lapor": now,
                              "tanggal_disposisi": now, "diperbarui": now, **fields, "versi": 1,
                              "tindak_lanjut": [*fields.get("tindak_lanjut", []), *([follow_up] if follow_up else [])]})

    def _order(self) -> int:
        """The order in which the sandbox applied what Sigap sent (across all kinds)."""
        return sum(len(v) for v in self.applied.values()) + 1

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _follow_up(self, raw: dict) -> dict:
        return {"id": f"tl-{self.seq + 1}-{len(self.by_ref)}", "oleh": raw.get("oleh", "instansi"),
                "isi": raw.get("isi", ""), "tanggal": self._stamp(), "sub_instansi": raw.get("sub_instansi"),
                "client_ref": raw.get("client_ref")}

    def _known(self, account: Any) -> str:
        if account not in self.accounts:
            raise ValueError(f"unknown sub_instansi {account!r}: not an account of the city (GET /_sandbox/accounts)")
        return account

    def page(self, cursor: int, limit: int, duplicate: bool, out_of_order: bool) -> dict:
        with self.lock:
            changed = sorted((r for r in self.reports.values() if r["_seq"] > cursor), key=lambda r: r["_seq"])
            items = changed[:limit]
            more = len(changed) > limit
            next_seq = items[-1]["_seq"] if items else cursor
            if duplicate and len(items) > 1 and more:
                next_seq = items[-2]["_seq"]  # the last item comes again on the next page
            data = [self.public(r) for r in items]
            if out_of_order:
                stale = [self.public(self.history[r["tracking_id"]][-1]) for r in items
                         if self.history.get(r["tracking_id"])]
                data = data + stale           # an older version after the newer one
                self.rng.shuffle(data)
        return {"data": data, "next_cursor": f"c{next_seq}", "has_more": more}

    @staticmethod
    def public(report: dict) -> dict:
        return {k: v for k, v in report.items() if not k.startswith("_")}

    # ---- what Sigap sends (idempotent on client_ref) ----------------------------------
    def follow_up(self, tracking_id: str, text: str | None, client_ref: str | None,
                  account: str | None = None) -> tuple[dict, bool]:
        """A tindak lanjut through the API: oleh=instansi, by ``account`` (a sub-instansi) or the city itself."""
        if not text or not client_ref:
            raise ValueError("isi and client_ref are required")
        with self.lock:
            self.reports[tracking_id]  # KeyError: no such report
            if client_ref in self.by_ref:
                return self.by_ref[client_ref], False
            if account is not None:
                self._known(account)
            follow_up = self._follow_up({"oleh": "instansi", "isi": text, "sub_instansi": account,
                                         "client_ref": client_ref})
            self._change(tracking_id, {}, follow_up)
            self.applied["follow_ups"].append({"tracking_id": tracking_id, "client_ref": client_ref, "text": text,
                                              "sub_instansi": account, "order": self._order()})
            self.by_ref[client_ref] = {"id": follow_up["id"]}
            return self.by_ref[client_ref], True

    def change_status(self, tracking_id: str, status: str | None, note: str | None, client_ref: str | None) -> bool:
        if status not in SETTABLE or not client_ref:
            raise ValueError("status must be a platform status; client_ref is required")
        with self.lock:
            self.reports[tracking_id]
            if client_ref in self.by_ref:
                return False
            self._change(tracking_id, {"status": status})
            self.applied["status_changes"].append({"tracking_id": tracking_id, "status": status,
                                                   "client_ref": client_ref, "order": self._order()})
            self.by_ref[client_ref] = {}
            return True

    def dispose(self, tracking_id: str, account: str | None, note: str | None,
                client_ref: str | None) -> tuple[dict, bool]:
        """A disposition through the API: the report goes to the unit account ``account``."""
        if not client_ref:
            raise ValueError("sub_instansi and client_ref are required")
        self._known(account)
        with self.lock:
            self.reports[tracking_id]
            if client_ref in self.by_ref:
                return self.by_ref[client_ref], False
            self._change(tracking_id, {"disposisi": {"sub_instansi": account, "tanggal": self._stamp(),
                                                     "client_ref": client_ref}})
            self.applied["dispositions"].append({"tracking_id": tracking_id, "sub_instansi": account, "note": note,
                                                 "client_ref": client_ref, "order": self._order()})
            self.by_ref[client_ref] = {"tracking_id": tracking_id, "sub_instansi": account}
            return self.by_ref[client_ref], True

    def submit(self, body: dict, client_ref: str | None) -> tuple[dict, bool]:
        if not body.get("judul") or not body.get("isi") or not client_ref:
            raise ValueError("judul, isi and client_ref are required")
        with self.lock:
            if client_ref in self.by_ref:
                return self.by_ref[client_ref], False
            tracking_id, now = self._new_id(), self._stamp()
            self._put({"tracking_id": tracking_id, "versi": 1, "judul": body["judul"], "isi": body["isi"],
                       "status": BELUM_TERVERIFIKASI, "kategori": body.get("kategori"),
                       "lokasi": body.get("lokasi") or {}, "anonim": bool(body.get("anonim")),
                       "rahasia": bool(body.get("rahasia")), "pelapor": body.get("pelapor"),
                       "tanggal_lapor": now, "tanggal_disposisi": now, "diperbarui": now,
                       "disposisi": None, "tindak_lanjut": [], "client_ref": client_ref})
            self.applied["submissions"].append({"tracking_id": tracking_id, "client_ref": client_ref,
                                                "order": self._order()})
            self.by_ref[client_ref] = {"tracking_id": tracking_id}
            return self.by_ref[client_ref], True

    # ---- the people on LAPOR! (each act is one change; answers the report as it is now) ---
    def act(self, tracking_id: str, as_: str | None, action: str | None, **fields: Any) -> dict:
        """``act(t, "unit", "follow_up", isi=..., sub_instansi=None, status=None)``,
        ``act(t, "admin", "dispose", sub_instansi=...)``, ``act(t, "admin", "close", status="Selesai")``,
        ``act(t, "reporter", "reply", isi=...)``."""
        name = ACTS.get((as_, action)) if as_ is not None and action is not None else None
        if name is None:
            raise ValueError(f"unknown act {as_!r}/{action!r}; expected one of "
                             f"{', '.join(f'{a}/{b}' for a, b in ACTS)}")
        return getattr(self, name)(tracking_id, **fields)

    def unit_follow_up(self, tracking_id: str, isi: str, sub_instansi: str | None = None,
                       status: str | None = None) -> dict:
        """A unit answers on LAPOR! itself (oleh=instansi, by its account; default: the report's current
        disposition). ``status`` sets the report's status too; None: Proses if nobody had acted on it yet."""
        if not isi or status not in (None, PROSES, SELESAI):
            raise ValueError("isi is required; status must be Proses, Selesai or null")
        with self.lock:
            report = self.reports[tracking_id]
            account = sub_instansi or (report.get("disposisi") or {}).get("sub_instansi")
            if not account:
                raise ValueError("the report is not disposed to a unit: give sub_instansi")
            self._known(account)
            untouched = report["status"] in (BELUM_TERVERIFIKASI, BELUM_DITINDAKLANJUTI)
            new_status = status or (PROSES if untouched else report["status"])
            follow_up = self._follow_up({"oleh": "instansi", "isi": isi, "sub_instansi": account})
            return self.public(self._change(tracking_id, {"status": new_status}, follow_up))

    def admin_dispose(self, tracking_id: str, sub_instansi: str) -> dict:
        """The city admin disposes the report to a unit's account on LAPOR! (no client_ref: not Sigap's)."""
        self._known(sub_instansi)
        with self.lock:
            self.reports[tracking_id]
            disposition = {"sub_instansi": sub_instansi, "tanggal": self._stamp(), "client_ref": None}
            return self.public(self._change(tracking_id, {"disposisi": disposition}))

    def admin_close(self, tracking_id: str, status: str = SELESAI) -> dict:
        """The city admin closes the report on LAPOR! (Selesai or Arsip)."""
        if status not in (SELESAI, ARSIP):
            raise ValueError("status must be Selesai or Arsip")
        with self.lock:
            self.reports[tracking_id]
            return self.public(self._change(tracking_id, {"status": status}))

    def reporter_reply(self, tracking_id: str, isi: str) -> dict:
        """The reporter writes on the report (oleh=pelapor)."""
        if not isi:
            raise ValueError("isi is required")
        with self.lock:
            self.reports[tracking_id]
            return self.public(self._change(tracking_id, {}, self._follow_up({"oleh": "pelapor", "isi": isi})))

    # ---- faults -------------------------------------------------------------------------
    def set_faults(self, spec: dict[str, list[dict]]) -> None:
        parsed = {}
        for endpoint, faults in spec.items():
            if endpoint not in ENDPOINTS and endpoint != "*":
                raise ValueError(f"endpoint must be one of {ENDPOINTS} or '*'")
            parsed[endpoint] = [Fault.parse(f) for f in faults]
        with self.lock:
            self.faults = parsed

    def take_faults(self, endpoint: str) -> list[Fault]:
        """The faults this request meets (each used once; count -1 stays)."""
        with self.lock:
            self.requests[endpoint] += 1
            taken = []
            for fault in [*self.faults.get(endpoint, []), *self.faults.get("*", [])]:
                if fault.count != 0:
                    taken.append(fault)
                    if fault.count > 0:
                        fault.count -= 1
            return taken

    def received(self) -> dict:
        with self.lock:
            return {**copy.deepcopy(self.applied), "requests": dict(self.requests),
                    "reports": len(self.reports), "seq": self.seq}

"""The sandbox portal's state: reports with their change sequence, faults per endpoint,
and a record of everything Sigap sent (for exactly-once checks). No HTTP here."""
from __future__ import annotations

import copy
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from infra.lapor_sandbox.seed import generate

ENDPOINTS = ("list", "get", "follow_up", "status", "submit")
KINDS = ("latency", "timeout", "error", "rate_limit", "truncated", "malformed", "expired_token",
         "duplicate", "out_of_order")


@dataclass
class Fault:
    kind: str
    count: int = 1            # requests it affects; -1: until cleared
    seconds: float = 0.0      # latency, timeout
    status: int = 503         # error
    retry_after: float = 1.0  # rate_limit

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> "Fault":
        if raw.get("kind") not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        return cls(**{k: raw[k] for k in ("kind", "count", "seconds", "status", "retry_after") if k in raw})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class Portal:
    def __init__(self, token: str, count: int = 300, seed: int = 2026):
        self.token, self.lock = token, threading.RLock()
        self.reset(count, seed)

    def reset(self, count: int, seed: int) -> None:
        with self.lock:
            self.seq, self.reports, self.history = 0, {}, {}
            self.faults: dict[str, list[Fault]] = {}
            self.by_ref: dict[str, Any] = {}
            self.applied: dict[str, list[dict]] = {"follow_ups": [], "status_changes": [], "submissions": []}
            self.requests: dict[str, int] = {e: 0 for e in ENDPOINTS}
            self.next_id, self.rng = 9_000_000, random.Random(seed)
            for report in generate(count, seed):
                self._put(report)

    # ---- reports --------------------------------------------------------------------
    def _put(self, report: dict) -> dict:
        self.seq += 1
        previous = self.reports.get(report["tracking_id"])
        if previous is not None:
            self.history.setdefault(report["tracking_id"], []).append(previous)
        report = {**report, "_seq": self.seq}
        self.reports[report["tracking_id"]] = report
        return report

    def upsert(self, change: dict) -> dict:
        """Adds a report (versi 1) or changes one (fields merged, versi + 1, a new change)."""
        with self.lock:
            current = self.reports.get(str(change.get("tracking_id")))
            if current is None:
                base = generate(1, seed=self.rng.randint(0, 10**9), first_id=int(change.get("tracking_id") or
                                                                               self._new_id()))[0]
                return self._put({**base, **change, "versi": 1})
            merged = {**copy.deepcopy(current), **{k: v for k, v in change.items() if k != "add_follow_up"},
                      "versi": current["versi"] + 1, "diperbarui": _now()}
            if "add_follow_up" in change:
                merged["tindak_lanjut"] = [*merged["tindak_lanjut"], self._follow_up(change["add_follow_up"])]
            return self._put(merged)

    def _order(self) -> int:
        """The order in which the sandbox applied what Sigap sent (across all kinds)."""
        return sum(len(v) for v in self.applied.values()) + 1

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _follow_up(self, raw: dict) -> dict:
        return {"id": f"tl-{self.seq + 1}-{len(self.by_ref)}", "oleh": raw.get("oleh", "instansi"),
                "isi": raw.get("isi", ""), "tanggal": _now()}

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
    def follow_up(self, tracking_id: str, text: str, client_ref: str) -> tuple[dict, bool]:
        with self.lock:
            if client_ref in self.by_ref:
                return self.by_ref[client_ref], False
            follow_up = self._follow_up({"oleh": "instansi", "isi": text})
            self.upsert({"tracking_id": tracking_id,
                         "tindak_lanjut": [*self.reports[tracking_id]["tindak_lanjut"], follow_up]})
            self.applied["follow_ups"].append({"tracking_id": tracking_id, "client_ref": client_ref, "text": text,
                                              "order": self._order()})
            self.by_ref[client_ref] = {"id": follow_up["id"]}
            return self.by_ref[client_ref], True

    def change_status(self, tracking_id: str, status: str, note: str | None, client_ref: str) -> bool:
        with self.lock:
            if client_ref in self.by_ref:
                return False
            self.upsert({"tracking_id": tracking_id, "status": status})
            self.applied["status_changes"].append({"tracking_id": tracking_id, "status": status,
                                                   "client_ref": client_ref, "order": self._order()})
            self.by_ref[client_ref] = {}
            return True

    def submit(self, body: dict, client_ref: str) -> tuple[dict, bool]:
        with self.lock:
            if client_ref in self.by_ref:
                return self.by_ref[client_ref], False
            tracking_id = self._new_id()
            self._put({"tracking_id": tracking_id, "versi": 1, "judul": body["judul"], "isi": body["isi"],
                       "status": "Belum Terverifikasi", "kategori": body.get("kategori"),
                       "lokasi": body.get("lokasi") or {}, "anonim": bool(body.get("anonim")),
                       "rahasia": bool(body.get("rahasia")), "pelapor": body.get("pelapor"),
                       "tanggal_lapor": _now(), "tanggal_disposisi": _now(), "diperbarui": _now(),
                       "tindak_lanjut": [], "client_ref": client_ref})
            self.applied["submissions"].append({"tracking_id": tracking_id, "client_ref": client_ref,
                                                "order": self._order()})
            self.by_ref[client_ref] = {"tracking_id": tracking_id}
            return self.by_ref[client_ref], True

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

"""The national LAPOR! platform as Sigap sees it: reports, their statuses, and the
outbox items Sigap owes the platform. Pure, no I/O. The wire format is the client's
business (shared/adapters/lapor_client.py); see docs/lapor-contract.md."""
from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any

from shared.delivery.policy import RetryPolicy
from shared.delivery.state import Outcome, Verdict, next_step
from shared.domain.case import Case, CaseStatus, Reporter

SOURCE = "lapor"

# National statuses (DOMAIN.md; exact spellings are an assumption, kept here only).
BELUM_TERVERIFIKASI, BELUM_DITINDAKLANJUTI = "Belum Terverifikasi", "Belum Ditindaklanjuti"
PROSES, SELESAI, ARSIP = "Proses", "Selesai", "Arsip"
LAPOR_STATUSES = (BELUM_TERVERIFIKASI, BELUM_DITINDAKLANJUTI, PROSES, SELESAI, ARSIP)

# What the platform must show for each Sigap status (push). None: nothing to tell yet.
TO_LAPOR: Mapping[CaseStatus, str | None] = {
    CaseStatus.RECEIVED: None, CaseStatus.TRIAGE: None,
    CaseStatus.ASSIGNED: BELUM_DITINDAKLANJUTI, CaseStatus.ACKNOWLEDGED: BELUM_DITINDAKLANJUTI,
    CaseStatus.IN_PROGRESS: PROSES, CaseStatus.WAITING_REPORTER: PROSES, CaseStatus.RESOLVED: PROSES,
    CaseStatus.CLOSED: SELESAI,
}
# National statuses that end a case in Sigap (pull). The others only add to the timeline.
CLOSING = frozenset({SELESAI, ARSIP})


def case_id_for_tracking(tracking_id: str) -> str:
    return f"lapor-{tracking_id}"


def case_id_for_report(report: Report) -> str:
    """A report Sigap submitted belongs to the city case it came from; any other is ``lapor-<tracking id>``."""
    ref = report.client_ref or ""
    if ref.endswith("-submit") and "~" in ref:
        return ref.split("~", 1)[0]
    return case_id_for_tracking(report.tracking_id)


INSTANSI, PELAPOR, ADMIN = "instansi", "pelapor", "admin"  # who wrote a follow-up


@dataclass(frozen=True)
class FollowUp:
    """A tindak lanjut: one answer on a report, by the agency or the reporter."""
    id: str
    author: str   # INSTANSI (a unit's account), PELAPOR (the reporter) or ADMIN (the city's admin)
    text: str
    at: datetime
    account: str | None = None     # the sub-instansi account that wrote it (author INSTANSI)
    client_ref: str | None = None  # set when Sigap posted it: the outbox item's id (so Sigap knows its own)


@dataclass(frozen=True)
class Disposition:
    """Where the report sits inside the city on LAPOR!: the sub-instansi (unit account) it was disposed to."""
    account: str
    at: datetime
    client_ref: str | None = None  # set when Sigap made it through the API


@dataclass(frozen=True)
class Report:
    tracking_id: str
    version: int            # grows with every change of the report on the platform
    title: str
    content: str
    status: str
    created_at: datetime
    disposed_at: datetime | None = None   # when the platform forwarded it to the city
    updated_at: datetime | None = None
    category: str | None = None
    kelurahan: str | None = None
    address: str | None = None
    anonymous: bool = False
    secret: bool = False
    reporter: Mapping[str, str | None] | None = None   # absent when anonymous and hidden by the platform
    follow_ups: tuple[FollowUp, ...] = ()
    client_ref: str | None = None    # set on a report Sigap submitted: the submission's outbox item id
    disposition: Disposition | None = None  # the current disposition to a unit's account, if any


def case_from_report(report: Report, now: datetime) -> Case:
    who = report.reporter or {}
    reporter = Reporter(who.get("name"), who.get("phone"), who.get("email"), report.anonymous) \
        if (who or report.anonymous) else None
    location = {k: v for k, v in (("kelurahan", report.kelurahan), ("address", report.address)) if v}
    return Case(
        id=case_id_for_tracking(report.tracking_id), source=SOURCE, external_id=report.tracking_id,
        title=report.title, description=report.content, created_at=now, category_hint=report.category,
        location=location or None, reporter=reporter, secret=report.secret, channel="lapor",
        occurred_at=report.created_at, national_received_at=report.disposed_at or report.created_at,
        lapor_tracking_id=report.tracking_id)


def is_newer(report: Report, case: Case) -> bool:
    """Out-of-order or repeated deliveries of a report never overwrite a newer one."""
    return report.version > int((case.lapor_state or {}).get("version", -1))


# ---- what Sigap owes the platform (lapor_outbox) ---------------------------------------

class ItemKind(str, Enum):
    SUBMIT = "submit"          # a city-originated complaint: get a tracking id
    FOLLOW_UP = "follow_up"    # a unit's tindak lanjut
    STATUS = "status"          # a status change the platform must show
    DISPOSE = "dispose"        # Sigap's routing: the report goes to the unit's LAPOR! account


class ItemState(str, Enum):
    PENDING = "pending"
    DEAD = "dead"              # parked after too many failures; an admin re-drives it


@dataclass(frozen=True)
class OutboxItem:
    case_id: str
    seq: int                   # the case's timeline seq: orders the items of one case
    kind: ItemKind
    payload: Mapping[str, Any]
    created_at: datetime
    state: ItemState = ItemState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    version: Any = field(default=None, compare=False)

    @property
    def id(self) -> str:
        """Sorts by case, then by seq: the order of delivery within a case."""
        return f"{self.case_id}~{self.seq:05d}-{self.kind.value}"


# The push's retry policy: 2 s doubling up to 10 min, jittered; after the 8th failed
# attempt (SIGAP_LAPOR_MAX_ATTEMPTS) the item is parked as dead.
PUSH_RETRY = RetryPolicy(max_attempts=8, base_seconds=2.0, cap_seconds=600.0)


def after_failure(item: OutboxItem, outcome: Outcome, now: datetime, policy: RetryPolicy = PUSH_RETRY,
                  rng: random.Random | None = None) -> OutboxItem:
    """The item after one more failed attempt (the delivery engine's ``next_step``): due
    again when the policy and any Retry-After say, or dead after the policy's last attempt
    or a permanent refusal (``outcome.transient`` False)."""
    attempts = item.attempts + 1
    step = next_step(attempts, outcome, now, policy, rng)
    dead = step.verdict is not Verdict.RETRY
    return replace(item, attempts=attempts, last_error=(outcome.error or "failed")[:200],
                   state=ItemState.DEAD if dead else item.state, next_attempt_at=None if dead else step.next_attempt_at)


def redriven(item: OutboxItem, now: datetime) -> OutboxItem:
    return replace(item, state=ItemState.PENDING, attempts=0, next_attempt_at=now, last_error=None)


def status_item(case: Case, seq: int, status: CaseStatus, at: datetime, note: str | None = None) -> OutboxItem | None:
    lapor_status = TO_LAPOR.get(status)
    if lapor_status is None:
        return None
    return OutboxItem(case.id, seq, ItemKind.STATUS, {"status": lapor_status, "note": note}, at)


def follow_up_item(case: Case, seq: int, text: str, unit_id: str | None, at: datetime) -> OutboxItem:
    return OutboxItem(case.id, seq, ItemKind.FOLLOW_UP, {"text": text, "unit_id": unit_id, "at": at}, at)


def dispose_item(case: Case, seq: int, unit_id: str, account: str, at: datetime,
                 note: str | None = None) -> OutboxItem:
    """Sigap's routing or re-routing, told to LAPOR! as a disposition to the unit's account.
    Its id sorts before the follow-up and status items of the same seq (d < f < s)."""
    return OutboxItem(case.id, seq, ItemKind.DISPOSE, {"unit_id": unit_id, "account": account, "note": note}, at)

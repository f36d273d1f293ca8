"""A case: one complaint and what the city does about it. Pure, no I/O."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only annotated here: intake, which never starts a clock, does not load the clock domain
    from shared.domain.clock.deadlines import CaseClock


class CaseStatus(str, Enum):
    RECEIVED = "received"                  # stored, not yet routed
    TRIAGE = "triage"                      # waits at the coordinator (diskominfo) for a human decision
    ASSIGNED = "assigned"                  # a unit with authority has it
    ACKNOWLEDGED = "acknowledged"          # the unit claimed it (answers no deadline by itself)
    IN_PROGRESS = "in_progress"            # the unit gave a follow-up (tindak lanjut) and works on it
    WAITING_REPORTER = "waiting_reporter"  # paused: waits for the reporter or a field inspection
    RESOLVED = "resolved"                  # the unit says it is done; waits for the coordinator
    CLOSED = "closed"                      # done: resolution accepted, merged, or closed by LAPOR!


OPEN_STATUSES = frozenset(set(CaseStatus) - {CaseStatus.CLOSED})

# The one table of allowed status changes. A unit sends a case back to triage
# ("bukan kewenangan") from any working status; the coordinator reassigns a working
# case to another unit; a rejected resolution and a reopened case go back to work at
# the same unit.
TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.RECEIVED: frozenset({CaseStatus.ASSIGNED, CaseStatus.TRIAGE}),
    CaseStatus.TRIAGE: frozenset({CaseStatus.ASSIGNED, CaseStatus.CLOSED}),
    CaseStatus.ASSIGNED: frozenset({CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_REPORTER,
                                    CaseStatus.RESOLVED, CaseStatus.TRIAGE, CaseStatus.CLOSED}),
    CaseStatus.ACKNOWLEDGED: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.WAITING_REPORTER, CaseStatus.RESOLVED,
                                        CaseStatus.TRIAGE, CaseStatus.ASSIGNED, CaseStatus.CLOSED}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.WAITING_REPORTER, CaseStatus.RESOLVED, CaseStatus.TRIAGE,
                                       CaseStatus.ASSIGNED, CaseStatus.CLOSED}),
    CaseStatus.WAITING_REPORTER: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.TRIAGE,
                                            CaseStatus.ASSIGNED, CaseStatus.CLOSED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED, CaseStatus.IN_PROGRESS}),
    CaseStatus.CLOSED: frozenset({CaseStatus.IN_PROGRESS}),
}


class TransitionNotAllowed(ValueError):
    def __init__(self, current: CaseStatus, wanted: CaseStatus):
        super().__init__(f"a case in status '{current.value}' cannot become '{wanted.value}'")
        self.current, self.wanted = current, wanted


def can_transition(current: CaseStatus, wanted: CaseStatus) -> bool:
    return wanted in TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True)
class Reporter:
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    anonymous: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    """One append-only line of a case's history: who did what, when and why."""
    seq: int
    at: datetime
    actor: str
    action: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.seq:05d}-{self.action}"


Entries = TimelineEntry | Sequence[TimelineEntry]  # one change may write several timeline entries


def as_entries(entries: Entries) -> tuple[TimelineEntry, ...]:
    return (entries,) if isinstance(entries, TimelineEntry) else tuple(entries)


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    external_id: str
    title: str
    description: str
    created_at: datetime
    status: CaseStatus = CaseStatus.RECEIVED
    category_hint: str | None = None
    category: str | None = None
    unit_id: str | None = None
    routing: Mapping[str, Any] | None = None
    location: Mapping[str, Any] | None = None
    reporter: Reporter | None = None
    secret: bool = False
    channel: str | None = None
    occurred_at: datetime | None = None
    attachments: tuple[Mapping[str, str], ...] = ()
    timeline_length: int = 0
    updated_at: datetime | None = None
    national_received_at: datetime | None = None  # set for cases synced from LAPOR!; counting starts there
    lapor_tracking_id: str | None = None  # the national platform's tracking id (synced or submitted)
    lapor_state: Mapping[str, Any] | None = None  # a synced report's last seen {version, status, follow_ups}
    clock: CaseClock | None = None  # deadlines and escalation level (shared/domain/clock/deadlines.py)
    version: Any = field(default=None, compare=False)  # opaque store token for optimistic writes

    @property
    def counting_from(self) -> datetime:
        """The instant deadlines count from: the national platform's, else our own."""
        return self.national_received_at or self.created_at

    @property
    def anonymous(self) -> bool:
        return bool(self.reporter and self.reporter.anonymous)

    def next_entry(self, at: datetime, actor: str, action: str, **detail: Any) -> TimelineEntry:
        return TimelineEntry(self.timeline_length + 1, at, actor, action, detail)

    def with_entry(self, at: datetime, actor: str, action: str, **detail: Any) -> tuple[Case, TimelineEntry]:
        """The next timeline entry, and the case counting it (for changes that write several)."""
        entry = self.next_entry(at, actor, action, **detail)
        return replace(self, timeline_length=entry.seq, updated_at=at), entry

    def moved_to(self, status: CaseStatus, at: datetime, entry: TimelineEntry, **changes: Any) -> Case:
        if not can_transition(self.status, status):
            raise TransitionNotAllowed(self.status, status)
        return replace(self, status=status, updated_at=at, timeline_length=entry.seq, **changes)


def case_id_for(source: str, external_id: str) -> str:
    """The natural key of a complaint from a city system: stable across retries."""
    digest = hashlib.sha256(json.dumps([source, external_id]).encode()).hexdigest()
    return f"c-{digest[:20]}"

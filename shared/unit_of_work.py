"""The unit of work: every change a service makes is staged here and committed once.

The shape is cosmicpython's (chapter 6), made explicit: a service opens a block with
``with uow:``, reads what it decides on through ``uow.cases`` (and ``uow.idempotency``),
stages its writes, and calls ``uow.commit()`` itself; leaving the block without a
commit discards what was staged. A commit writes everything staged since the block
opened (or since the last commit) in **one atomic write** with every precondition in
it, and hands back a ``Committed``: the events to announce after the commit
(shared/services/outbox.py::announce) and the moved lease, if one was staged.

What can be staged, and the precondition each carries:

- ``uow.cases.add(case, entries, delivery_id=)``: a new case; fails if the case, or the
  delivery record of (source, delivery_id), exists. An anonymous reporter's identity is
  written apart (private/reporter) by the adapter.
- ``uow.cases.update(case, entries)``: the case as read (``case.version``) and changed;
  fails if anyone wrote it since it was read.
- timeline entries (zero, one or several with each add or update): fail if one exists.
- ``uow.add_events(events)``: outbox events, written with the change; fail if pending.
- ``uow.add_lapor_items(items)``: what LAPOR! must be told; fail if the item exists.
- ``uow.idempotency.add(record)``: an Idempotency-Key's answer; fails if the key has one.
- ``uow.move_cursor(lease, cursor)``: the LAPOR! pull's cursor, under the lease's
  version: a page and its cursor commit together, or not at all.

Any lost precondition raises ``Conflict`` and writes nothing; the staging is cleared
either way, so a caller may re-read and try again in the same block. Reads see
committed state only, never what is staged, and work inside or outside a block.

Staging lives per thread: one unit of work may serve the threads of one instance
(functions-framework runs several), each thread with its own block. Blocks do not nest.
The staging both implementations share is shared/adapters/uow_staging.py.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from shared.domain.case import Case, Entries, TimelineEntry
from shared.domain.events import DomainEvent
from shared.ports.cases import CaseReader
from shared.ports.conflict import Conflict
from shared.ports.events import Outbox

if TYPE_CHECKING:  # LAPOR! staging is for the functions that sync; intake never loads it
    from shared.domain.integrations.lapor import OutboxItem
    from shared.ports.lapor import Lease

__all__ = ["CaseWrite", "Committed", "Conflict", "IdempotencyRecord", "Staged", "StagedCases", "StagedIdempotency",
           "UnitOfWork"]


@dataclass(frozen=True)
class IdempotencyRecord:
    """The recorded answer to one Idempotency-Key (``key``: the actor's key, hashed)."""
    key: str
    fingerprint: str          # what the request was: a repeat with another body is refused
    body: Mapping[str, Any]   # the answer given (a recorded answer is always the change made)
    created_at: datetime


@dataclass(frozen=True)
class Committed:
    events: tuple[DomainEvent, ...] = ()   # to announce now; the outbox holds them until then
    lease: Lease | None = None             # the lease after ``move_cursor``: its new version


@dataclass(frozen=True)
class CaseWrite:
    case: Case
    entries: tuple[TimelineEntry, ...]
    new: bool
    delivery_id: str | None = None


@dataclass
class Staged:
    """Everything one commit will write."""
    cases: list[CaseWrite] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)
    lapor_items: list[OutboxItem] = field(default_factory=list)
    idempotency: list[IdempotencyRecord] = field(default_factory=list)
    cursor: tuple[Lease, str | None] | None = None

    def __bool__(self) -> bool:
        return bool(self.cases or self.events or self.lapor_items or self.idempotency or self.cursor)


class StagedCases(CaseReader, Protocol):
    def add(self, case: Case, entries: Entries = (), *, delivery_id: str | None = None) -> None: ...

    def update(self, case: Case, entries: Entries = ()) -> None: ...


class StagedIdempotency(Protocol):
    def get(self, key: str) -> IdempotencyRecord | None: ...

    def add(self, record: IdempotencyRecord) -> None: ...


class UnitOfWork(Protocol):
    """What services use (see the module's docstring)."""
    @property
    def cases(self) -> StagedCases: ...

    @property
    def idempotency(self) -> StagedIdempotency: ...

    @property
    def outbox(self) -> Outbox:
        """Where committed events wait until announced."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None: ...

    def add_events(self, events: Iterable[DomainEvent]) -> None: ...

    def add_lapor_items(self, items: Iterable[OutboxItem]) -> None: ...

    def move_cursor(self, lease: Lease, cursor: str | None) -> None: ...

    def commit(self) -> Committed: ...

"""The staging every unit of work shares (Firestore's and the fake's), so both stage the
same way and differ only in how they read and how they write one ``Staged`` atomically
(the guarantees are in shared/unit_of_work.py)."""
from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Self

from shared.domain.case import Case, Entries, as_entries
from shared.domain.events import DomainEvent
from shared.ports.cases import CaseReader
from shared.ports.events import Outbox
from shared.unit_of_work import CaseWrite, Committed, IdempotencyRecord, Staged

if TYPE_CHECKING:  # annotations only: intake's path never loads the LAPOR! domain
    from shared.domain.integrations.lapor import OutboxItem
    from shared.ports.lapor import Lease


class StagingUnitOfWork:
    """Per thread, one block at a time. Subclasses implement ``_recorded`` and ``_write``."""

    def __init__(self, reader: CaseReader, outbox: Outbox):
        self._local = threading.local()
        self.cases = _Cases(self, reader)
        self.idempotency = _Idempotency(self)
        self.outbox = outbox

    def _recorded(self, key: str) -> IdempotencyRecord | None:
        raise NotImplementedError

    def _write(self, staged: Staged) -> Committed:
        """One atomic write of everything staged; raises Conflict (and writes nothing) on a lost precondition."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        if getattr(self._local, "staged", None) is not None:
            raise RuntimeError("unit of work blocks do not nest")
        self._local.staged = Staged()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._local.staged = None  # what was not committed is discarded

    def staged(self) -> Staged:
        """What the current thread's block has staged so far."""
        staged: Staged | None = getattr(self._local, "staged", None)
        if staged is None:
            raise RuntimeError("stage changes inside `with uow:`")
        return staged

    def add_events(self, events: Iterable[DomainEvent]) -> None:
        self.staged().events.extend(events)

    def add_lapor_items(self, items: Iterable[OutboxItem]) -> None:
        self.staged().lapor_items.extend(items)

    def move_cursor(self, lease: Lease, cursor: str | None) -> None:
        self.staged().cursor = (lease, cursor)

    def commit(self) -> Committed:
        staged = self.staged()
        self._local.staged = Staged()  # cleared whether the write wins or loses
        return self._write(staged) if staged else Committed()


class _Cases:
    """``uow.cases``: reads go to the store (committed state), ``add``/``update`` to the staging."""

    def __init__(self, uow: StagingUnitOfWork, reader: CaseReader):
        self._uow, self._reader = uow, reader

    def get(self, case_id: str) -> Case | None:
        return self._reader.get(case_id)

    def get_many(self, case_ids: Sequence[str]) -> dict[str, Case]:
        return self._reader.get_many(case_ids)

    def case_for_delivery(self, source: str, delivery_id: str) -> str | None:
        return self._reader.case_for_delivery(source, delivery_id)

    def add(self, case: Case, entries: Entries = (), *, delivery_id: str | None = None) -> None:
        self._stage(CaseWrite(case, as_entries(entries), True, delivery_id))

    def update(self, case: Case, entries: Entries = ()) -> None:
        self._stage(CaseWrite(case, as_entries(entries), False))

    def _stage(self, write: CaseWrite) -> None:
        staged = self._uow.staged()
        if any(w.case.id == write.case.id for w in staged.cases):
            raise ValueError(f"case {write.case.id} is staged twice in one commit")
        staged.cases.append(write)


class _Idempotency:
    """``uow.idempotency``: the recorded answer to a key, and a new one staged."""

    def __init__(self, uow: StagingUnitOfWork):
        self._uow = uow

    def get(self, key: str) -> IdempotencyRecord | None:
        return self._uow._recorded(key)

    def add(self, record: IdempotencyRecord) -> None:
        self._uow.staged().idempotency.append(record)

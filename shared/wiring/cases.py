"""The case store: repository, outbox, unit of work and the due-case queries."""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from shared.wiring.core import Core

if TYPE_CHECKING:
    from shared.adapters.firestore_cases import FirestoreCaseRepository, FirestoreOutbox
    from shared.adapters.firestore_escalation import FirestoreDueCases
    from shared.adapters.firestore_uow import FirestoreUnitOfWork


class CaseParts(Core):
    @cached_property
    def repo(self) -> FirestoreCaseRepository:
        from shared.adapters.firestore_cases import FirestoreCaseRepository
        return FirestoreCaseRepository(self.firestore)

    @cached_property
    def outbox(self) -> FirestoreOutbox:
        from shared.adapters.firestore_cases import FirestoreOutbox
        return FirestoreOutbox(self.firestore)

    @cached_property
    def uow(self) -> FirestoreUnitOfWork:
        """The unit of work every case change commits through (one per instance; staging is per thread)."""
        from shared.adapters.firestore_uow import FirestoreUnitOfWork
        return FirestoreUnitOfWork(self.firestore)

    @cached_property
    def due_cases(self) -> FirestoreDueCases:
        from shared.adapters.firestore_escalation import FirestoreDueCases
        return FirestoreDueCases(self.firestore)

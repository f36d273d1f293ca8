"""The case store: repository, outbox, unit of work and the due-case queries."""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from shared.wiring.core import Core

if TYPE_CHECKING:
    from shared.adapters.firestore_cases import FirestoreCaseRepository, FirestoreOutbox
    from shared.adapters.firestore_escalation import FirestoreDueCases
    from shared.adapters.firestore_group_commit import GroupCommit
    from shared.adapters.firestore_routing_model import FirestoreRoutingLearning
    from shared.adapters.firestore_uow import FirestoreUnitOfWork
    from shared.domain.routing.learning import LearnedModel
    from shared.services.announcing import DeferredAnnouncer


class CaseParts(Core):
    @cached_property
    def repo(self) -> FirestoreCaseRepository:
        from shared.adapters.firestore_cases import FirestoreCaseRepository
        return FirestoreCaseRepository(self.firestore)

    @cached_property
    def group_commit(self) -> GroupCommit:
        """Concurrent requests' commits in one instance share a round trip (firestore_group_commit.py)."""
        from shared.adapters.firestore_group_commit import GroupCommit
        return GroupCommit(self.firestore)

    @cached_property
    def outbox(self) -> FirestoreOutbox:
        from shared.adapters.firestore_cases import FirestoreOutbox
        return FirestoreOutbox(self.firestore, self.group_commit)

    @cached_property
    def announcer(self) -> DeferredAnnouncer:
        """Intake's events published behind its answers while the instance is busy; the last
        request in flight waits for them (shared/services/announcing.py)."""
        from shared.services.announcing import DeferredAnnouncer
        return DeferredAnnouncer(outbox=self.outbox, publisher=self.publisher)

    @cached_property
    def uow(self) -> FirestoreUnitOfWork:
        """The unit of work every case change commits through (one per instance; staging is per thread)."""
        from shared.adapters.firestore_uow import FirestoreUnitOfWork
        return FirestoreUnitOfWork(self.firestore, self.group_commit)

    @cached_property
    def due_cases(self) -> FirestoreDueCases:
        from shared.adapters.firestore_escalation import FirestoreDueCases
        return FirestoreDueCases(self.firestore)

    @cached_property
    def routing_learning(self) -> FirestoreRoutingLearning:
        """Coordinators' corrections and the routing model learned from them (issue 12)."""
        from shared.adapters.firestore_routing_model import FirestoreRoutingLearning
        return FirestoreRoutingLearning(self.firestore)

    _routing_model: tuple[float, LearnedModel | None] | None = None

    def routing_model(self, max_age_seconds: float = 3600.0) -> LearnedModel | None:
        """The learned routing model, read at most once an hour per instance (it is refit daily);
        None when none was learned or the store cannot be read (routing then uses the rules alone)."""
        import time
        now = time.monotonic()
        if self._routing_model is None or now - self._routing_model[0] > max_age_seconds:
            from shared import logs
            from shared.services.routing_learning import current_model
            try:
                model = current_model(self.routing_learning)
            except Exception as exc:  # noqa: BLE001 - the rules route alone meanwhile
                logs.warning("routing model not loaded; rules alone", error=type(exc).__name__)
                model = None
            self._routing_model = (now, model)
        return self._routing_model[1]

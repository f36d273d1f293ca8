"""The admin side: API keys of units and apps, and the reports' read model."""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from shared.wiring.core import Core

if TYPE_CHECKING:
    from shared.adapters.firestore_aggregates import FirestoreAggregateStore
    from shared.adapters.firestore_api_keys import FirestoreApiKeyStore
    from shared.adapters.firestore_reports import FirestoreReportSource


class AdminParts(Core):
    @cached_property
    def api_keys(self) -> FirestoreApiKeyStore:
        from shared.adapters.firestore_api_keys import FirestoreApiKeyStore
        return FirestoreApiKeyStore(self.firestore)

    @cached_property
    def report_source(self) -> FirestoreReportSource:
        from shared.adapters.firestore_reports import FirestoreReportSource
        return FirestoreReportSource(self.firestore)

    @cached_property
    def aggregate_store(self) -> FirestoreAggregateStore:  # issue 15: the incremental report aggregates
        from shared.adapters.firestore_aggregates import FirestoreAggregateStore
        return FirestoreAggregateStore(self.firestore)

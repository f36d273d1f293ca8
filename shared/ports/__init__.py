"""The ports the services talk through, one module per feature. Adapters (Firestore,
Pub/Sub, HTTP) and the test fakes implement the same Protocols, and mypy checks both.

    cases.py          CaseReader, CaseRepository, DueCases, Page, InvalidPageToken
    events.py         Outbox, EventPublisher
    lapor.py          LaporClient, LaporStore, Lease, ReportPage, LaporError and kinds
    delivery.py       Destination, Sender, DeliveryStore, SignedPoster (the delivery engine's)
    webhooks.py       WebhookStore, WebhookSender
    notifications.py  NotificationStore
    reports.py        ReportSource
    api_keys.py       ApiKeyStore
    clock.py          Clock
    conflict.py       Conflict (a lost optimistic write)

Writes of cases go through the unit of work (shared/unit_of_work.py). Everything is
re-exported here for convenience: ``from shared.ports import CaseRepository``.
"""
from shared.ports.api_keys import ApiKeyStore
from shared.ports.cases import CaseReader, CaseRepository, DueCases, InvalidPageToken, Page
from shared.ports.clock import Clock
from shared.ports.conflict import Conflict
from shared.ports.delivery import DeliveryStore, Destination, Sender, SignedPoster
from shared.ports.events import EventPublisher, Outbox
from shared.ports.lapor import (
                                LaporAuthError,
                                LaporClient,
                                LaporError,
                                LaporRejected,
                                LaporStore,
                                LaporUnavailable,
                                Lease,
                                PageChange,
                                ReportPage,
)
from shared.ports.notifications import NotificationStore
from shared.ports.reports import ReportSource
from shared.ports.webhooks import WebhookSender, WebhookStore

__all__ = ["ApiKeyStore", "CaseReader", "CaseRepository", "Clock", "Conflict", "DeliveryStore", "Destination",
           "DueCases", "EventPublisher",
           "InvalidPageToken", "LaporAuthError", "LaporClient", "LaporError", "LaporRejected", "LaporStore",
           "LaporUnavailable", "Lease", "NotificationStore", "Outbox", "Page", "PageChange", "ReportPage",
           "ReportSource", "Sender", "SignedPoster", "WebhookSender", "WebhookStore"]

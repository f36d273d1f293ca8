"""The ports the services talk through, one module per feature. Adapters (Firestore,
Pub/Sub, HTTP) and the test fakes implement the same Protocols, and mypy checks both.

    cases.py          CaseReader, CaseRepository, DueCases, Page, InvalidPageToken
    events.py         Outbox, EventPublisher
    lapor.py          LaporClient, LaporStore, Lease, ReportPage, LaporError and kinds
    delivery.py       Destination, Sender, DeliveryStore, SignedPoster (the delivery engine's)
    webhooks.py       WebhookStore, WebhookSender
    notifications.py  NotificationStore
    reports.py        ReportSource, CaseFactsReader, AggregateStore
    api_keys.py       ApiKeyStore
    clock.py          Clock
    conflict.py       Conflict (a lost optimistic write)

Writes of cases go through the unit of work (shared/unit_of_work.py). Everything is
re-exported here for convenience: ``from shared.ports import CaseRepository``, lazily
(PEP 562): a name loads only its own module, so a function that needs the case ports does
not load the reports' (docs/benchmarks.md, cold start).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_MODULES = {
    "api_keys": ["ApiKeyStore"],
    "cases": ["CaseReader", "CaseRepository", "DueCases", "InvalidPageToken", "Page"],
    "clock": ["Clock"],
    "conflict": ["Conflict"],
    "delivery": ["DeliveryStore", "Destination", "Sender", "SignedPoster"],
    "events": ["EventPublisher", "Outbox"],
    "lapor": ["LaporAuthError", "LaporClient", "LaporError", "LaporRejected", "LaporStore", "LaporUnavailable",
              "Lease", "PageChange", "ReportPage"],
    "notifications": ["NotificationStore"],
    "reports": ["ReportSource"],
    "webhooks": ["WebhookSender", "WebhookStore"],
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

if TYPE_CHECKING:  # the names, for type checkers (explicit re-exports)
    from shared.ports.api_keys import ApiKeyStore as ApiKeyStore
    from shared.ports.cases import CaseReader as CaseReader
    from shared.ports.cases import CaseRepository as CaseRepository
    from shared.ports.cases import DueCases as DueCases
    from shared.ports.cases import InvalidPageToken as InvalidPageToken
    from shared.ports.cases import Page as Page
    from shared.ports.clock import Clock as Clock
    from shared.ports.conflict import Conflict as Conflict
    from shared.ports.delivery import DeliveryStore as DeliveryStore
    from shared.ports.delivery import Destination as Destination
    from shared.ports.delivery import Sender as Sender
    from shared.ports.delivery import SignedPoster as SignedPoster
    from shared.ports.events import EventPublisher as EventPublisher
    from shared.ports.events import Outbox as Outbox
    from shared.ports.lapor import LaporAuthError as LaporAuthError
    from shared.ports.lapor import LaporClient as LaporClient
    from shared.ports.lapor import LaporError as LaporError
    from shared.ports.lapor import LaporRejected as LaporRejected
    from shared.ports.lapor import LaporStore as LaporStore
    from shared.ports.lapor import LaporUnavailable as LaporUnavailable
    from shared.ports.lapor import Lease as Lease
    from shared.ports.lapor import PageChange as PageChange
    from shared.ports.lapor import ReportPage as ReportPage
    from shared.ports.notifications import NotificationStore as NotificationStore
    from shared.ports.reports import ReportSource as ReportSource
    from shared.ports.webhooks import WebhookSender as WebhookSender
    from shared.ports.webhooks import WebhookStore as WebhookStore

def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'shared.ports' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"shared.ports.{_HOME[name]}"), name)
    globals()[name] = value
    return value


__all__ = sorted(_HOME)

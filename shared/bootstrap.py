"""Builds the real adapters lazily, once per instance (nothing at import time).

``App`` is assembled from one part per feature (``shared/wiring/``): each part builds its
adapters on first use, so a function builds only what its entry point touches. ``app()``
reads the settings once per instance and builds nothing else: the routing rules (with
the Indonesian stemmer) and the escalation calendar are loaded by the functions that use
them, and ``check()`` validates the whole catalog up front where a slower start costs
nothing (the local gateway, deployment)."""
from __future__ import annotations

import threading

from shared import logs
from shared.config import ConfigError, Settings, in_production
from shared.wiring.admin import AdminParts
from shared.wiring.cases import CaseParts
from shared.wiring.delivery import DeliveryParts
from shared.wiring.lapor import LaporParts
from shared.wiring.people import PeopleParts


class App(CaseParts, DeliveryParts, LaporParts, AdminParts, PeopleParts):
    """Everything an entry point hands to a service: settings, catalog and ports."""


_lock = threading.Lock()
_app: App | None = None


def app() -> App:
    global _app
    with _lock:
        if _app is None:
            settings = Settings.from_env()
            logs.configure(settings.project_id)
            _app = App(settings)
        return _app


def start() -> None:
    """Called when functions/main.py is imported, i.e. when an instance starts. In production
    (``SIGAP_ENV=production``) it reads the settings now, so a function lacking one it needs
    fails to start (the new revision never serves; the ERROR line names every setting),
    instead of failing its first request. Elsewhere nothing is read until first use."""
    if not in_production():
        return
    try:
        app()
    except ConfigError as exc:
        logs.error("function cannot start: settings missing or invalid", error=str(exc))
        raise


def check(instance: App | None = None) -> App:
    """Loads the catalog, the routing rules and the escalation policy and calendar, so a
    bad file fails now (CatalogError naming file, entry and problem), not on the first
    request that needs it."""
    instance = instance or app()
    _loaded = (instance.catalog, instance.rules, instance.escalation)  # each cached_property loads its files
    return instance

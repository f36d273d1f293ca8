"""Fakes for the people's pages: used sign-in nonces, a notification sender that keeps
what it sent, and the sent-back query over a FakeCaseStore."""
from __future__ import annotations

import re
import threading
from datetime import datetime
from types import MethodType
from typing import Any

from shared.delivery.state import Outcome
from shared.domain.people import build_people
from tests.fakes import FakeCaseStore, FakeLimits, FakeReportSource

LINK_SECRET = "link-secret-for-tests-0123456789abcdef"


class FakeUsedNonces:
    def __init__(self) -> None:
        self.used: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def use(self, nonce: str, expire_at: datetime) -> bool:
        with self._lock:
            if nonce in self.used:
                return False
            self.used[nonce] = expire_at
            return True


class FakeChannels:
    """NotificationSender's face (channels, send): keeps every message."""

    def __init__(self, channels: frozenset[str] = frozenset({"email", "webhook"})):
        self._channels = channels
        self.sent: list[dict[str, Any]] = []

    def channels(self) -> frozenset[str]:
        return self._channels

    def send(self, destination: Any, delivery: Any, at: datetime) -> Outcome:
        self.sent.append({"channel": destination.name, **delivery.payload["data"]})
        return Outcome(250)

    def last_link(self) -> str:
        found = re.search(r"https?://\S+/reports/masuk/\S+", self.sent[-1]["text"])
        assert found, self.sent[-1]["text"]
        return found.group(0)


def sent_back_by(store: FakeCaseStore, unit_id: str, limit: int) -> list[str]:
    rows = sorted(((e.at, case_id) for case_id, entries in store.timelines.items() for e in entries
                   if e.action == "reroute_requested" and e.detail.get("from_unit") == unit_id), reverse=True)
    ids: list[str] = []
    for _, case_id in rows:
        if case_id not in ids:
            ids.append(case_id)
    return ids[:limit]


def with_people(app: Any) -> Any:
    """Gives a functions-test app (tests/functions/conftest.py) what the people's pages use."""
    app.settings = app.settings.model_copy(update={"link_secret": LINK_SECRET})
    app.people = build_people(app.escalation.contacts, app.catalog)
    app.used_nonces = FakeUsedNonces()
    app.notification_sender = FakeChannels()
    app.limits = FakeLimits(app.clock)
    app.repo.sent_back_by = MethodType(sent_back_by, app.repo)
    if not hasattr(app, "report_source"):
        app.report_source = FakeReportSource(app.repo)
    return app

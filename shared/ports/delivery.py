"""The delivery engine's Protocols (shared/delivery/engine.py): where deliveries go, what
sends them, and the store they are read from and written to. The webhook and the
notification stores (webhooks.py, notifications.py) are DeliveryStores."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from shared.delivery.state import Delivery, DeliveryStatus, Outcome


class Destination(Protocol):
    """Where deliveries go: a webhook subscription or a notification channel."""
    @property
    def id(self) -> str: ...

    @property
    def active(self) -> bool: ...


D_co = TypeVar("D_co", bound=Destination, covariant=True)
D_contra = TypeVar("D_contra", bound=Destination, contravariant=True)


class Sender(Protocol[D_contra]):
    def send(self, destination: D_contra, delivery: Delivery, at: datetime) -> Outcome:
        """One attempt. Never raises for a failed attempt: the Outcome says what happened."""
        ...


class DeliveryStore(Protocol[D_co]):
    """What ``deliver_due`` and ``redrive`` need: destinations and their deliveries."""
    def destinations(self) -> Sequence[D_co]: ...

    def due_for(self, destination_id: str, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries of the destination due at ``now``, soonest first."""
        ...

    def deliveries_of(self, destination_id: str, status: DeliveryStatus) -> list[Delivery]: ...

    def save_delivery(self, delivery: Delivery) -> Delivery:
        """Writes a delivery read before, only if unchanged since (``version``); returns it
        with its new version. Raises Conflict otherwise."""
        ...

    def flag(self, destination_id: str, at: datetime | None) -> None:
        """Marks the destination as needing attention (a delivery was parked); None clears it."""
        ...


class SignedPoster(Protocol):
    def post(self, url: str, secret: str, message_id: str, body: dict[str, Any], at: datetime) -> Outcome:
        """One JSON POST signed the Standard Webhooks way; an Outcome, never an exception."""
        ...

"""Notifications to people: which events tell whom, through which channel, in what
words (Bahasa Indonesia). Pure.

A message carries the case id, its unit, category, deadline and a link: never a
reporter's identity nor a report's text (secret or not: the link shows it to those
allowed to see it).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.domain.catalog import Catalog

# channel -> the contact address key it uses; a contact without that key is not sent to.
CHANNELS: Mapping[str, str] = {"email": "email", "telegram": "telegram", "webhook": "webhook"}


def channel_id(name: str) -> str:
    """The destination id of a channel (stored as each notification's ``subscription_id``)."""
    return f"notify-{name}"


@dataclass(frozen=True)
class Channel:
    """A way to reach people (``email``, ``telegram``, ``webhook``): one delivery
    destination, so concurrency is per channel. Channels are configuration; their only
    state is ``flagged_at``, set when a notification was parked and cleared by a re-drive.
    ``secret`` signs what the webhook channel posts."""
    name: str
    flagged_at: datetime | None = None
    secret: str = ""

    @property
    def id(self) -> str:
        return channel_id(self.name)

    @property
    def active(self) -> bool:
        return True


def all_channels(flags: Mapping[str, datetime | None] | None = None) -> list[Channel]:
    """Every channel, with its flag from ``flags`` (channel id -> flagged_at)."""
    return [Channel(name, (flags or {}).get(channel_id(name))) for name in CHANNELS]


@dataclass(frozen=True)
class Message:
    channel: str
    address: str
    name: str
    text: str


def _admins(contacts: Mapping[str, Any], unit_id: str) -> list[dict[str, Any]]:
    unit = contacts.get(unit_id)
    return [{"unit_id": unit_id, "role": "admin", "name": c.name, "addresses": dict(c.addresses)}
            for c in (unit.admins if unit else ())]


def recipients_for(event: Mapping[str, Any], catalog: Catalog, contacts: Mapping[str, Any]) -> list[dict[str, Any]]:
    data = event.get("data") or {}
    kind = event["type"]
    if kind == "complaint.assigned":
        return _admins(contacts, data["unit_id"])
    if kind in ("complaint.triaged", "complaint.resolved"):  # the coordinator triages and validates
        return _admins(contacts, catalog.triage_unit)
    if kind in ("complaint.reminder", "complaint.escalated", "complaint.late"):
        told = list(data.get("recipients") or [])
        # upper levels read about it in the daily digest, not one message per case
        return [r for r in told if r.get("role") == "admin"] if data.get("delivery") == "digest" else told
    if kind == "digest.daily":  # the heads at the digest levels, as the escalation policy chose
        return list(data.get("recipients") or [])
    if kind == "integration.alert":  # the coordinator keeps the integrations running
        return _admins(contacts, catalog.triage_unit)
    return []


def text_for(event: Mapping[str, Any], catalog: Catalog, link: str, deadline: str | None) -> str:
    data = event.get("data") or {}
    kind, case_id = event["type"], event.get("case_id", "")
    category = catalog.categories.get(data.get("category") or "")
    about = f" (kategori: {category.name})" if category else ""
    if kind == "complaint.assigned":
        unit = catalog.units[data["unit_id"]].name
        due = f" Batas tanggapan pertama: {deadline}." if deadline else ""
        return f"Laporan baru {case_id}{about} ditugaskan kepada {unit}.{due} Buka: {link}"
    if kind == "complaint.triaged":
        return (f"Laporan {case_id} belum dapat dipastikan unit yang berwenang dan menunggu triase "
                f"oleh Diskominfo. Buka: {link}")
    if kind == "complaint.resolved":
        unit = catalog.units[data["unit_id"]].name if data.get("unit_id") in catalog.units else "unit"
        return f"Laporan {case_id}{about} dinyatakan selesai oleh {unit}. Mohon validasi penyelesaiannya. Buka: {link}"
    if kind in ("complaint.reminder", "complaint.escalated", "complaint.late"):
        return f"{data.get('message', '')} Buka: {link}".strip()
    if kind == "digest.daily":
        lines = [data.get("message", "Ringkasan harian SP4N-LAPOR! Kota Metro")]
        for row in (data.get("units") or {}).values():
            lines.append(f"- {row['name']}: jatuh tempo hari ini {len(row['due_today'])}, "
                         f"melewati batas waktu {len(row['overdue'])}, dieskalasi {len(row['escalated'])}")
        return "\n".join(lines + [f"Buka: {link}"])
    if kind == "integration.alert":
        detail = data.get("message") or data.get("reason") or "lihat log Sigap"
        return f"Peringatan integrasi Sigap: {detail}. Mohon diperiksa. Buka: {link}"
    return ""


def messages(recipients: Sequence[Mapping[str, Any]], text: str) -> list[Message]:
    """One message per recipient and channel they have an address for (no duplicates)."""
    seen, out = set(), []
    for recipient in recipients:
        for channel, key in CHANNELS.items():
            address = (recipient.get("addresses") or {}).get(key)
            if address and (channel, address) not in seen:
                seen.add((channel, address))
                out.append(Message(channel, address, recipient.get("name", ""), text))
    return out

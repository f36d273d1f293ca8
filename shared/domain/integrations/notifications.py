"""Notifications to people: which events tell whom, through which channel, in what
words (Bahasa Indonesia). Pure.

A message says what happened: the complaint (its title unless the report is secret,
its category and kelurahan), the unit that has it, the stage and how late it is (from
the case clock, ``shared/domain/clock/deadlines.py``), what the recipient is asked to
do, and a link to the case page addressed to the recipient. Never a reporter's
identity, never a secret report's text or title, never any report's text.

"tanpa jawaban" is said only of a case nobody answered: an acknowledged case that
missed its completion deadline is "sudah diterima, belum ada tindak lanjut", one with a
follow-up is "sudah ditindaklanjuti, belum selesai".
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.domain.case import Case, CaseStatus
from shared.domain.catalog import Catalog
from shared.domain.clock.deadlines import ClockRules, Stage
from shared.domain.clock.escalation import indonesian_datetime

# channel -> the contact address key it uses; a contact without that key is not sent to.
CHANNELS: Mapping[str, str] = {"email": "email", "telegram": "telegram", "whatsapp": "whatsapp",
                               "webhook": "webhook"}
# WhatsApp (template messages, paid per conversation) reaches the heads of units, who read it.
WHATSAPP_ROLES = frozenset({"head"})
# The callback data of the Telegram buttons: "<verb>:<case id>" (at most 64 bytes).
CALLBACK_ACTIONS: Mapping[str, str] = {"ack": "acknowledge", "fu": "follow_up"}
CASE_EVENTS = frozenset({"complaint.assigned", "complaint.triaged", "complaint.resolved", "complaint.reminder",
                         "complaint.escalated", "complaint.late"})

STAGE_TEXT: Mapping[str, str] = {Stage.TRIAGE.value: "penelaahan (triase)",
                                 Stage.FIRST_RESPONSE.value: "tanggapan pertama",
                                 Stage.COMPLETION.value: "penyelesaian"}
SUBJECTS: Mapping[str, str] = {
    "complaint.assigned": "Laporan baru", "complaint.triaged": "Laporan menunggu triase",
    "complaint.resolved": "Penyelesaian menunggu validasi", "complaint.reminder": "Pengingat batas waktu",
    "complaint.escalated": "Eskalasi laporan", "complaint.late": "Laporan terlambat diterima",
    "digest.daily": "Ringkasan harian SP4N-LAPOR!", "integration.alert": "Peringatan integrasi"}
# WhatsApp template of each event (registered with Meta under these names, language "id";
# docs/notifications.md has their bodies). Parameters are single lines (no newline allowed).
TEMPLATES: Mapping[str, str] = {"complaint.escalated": "sigap_eskalasi", "complaint.late": "sigap_eskalasi",
                                "complaint.reminder": "sigap_eskalasi", "digest.daily": "sigap_ringkasan"}


def channel_id(name: str) -> str:
    """The destination id of a channel (stored as each notification's ``subscription_id``)."""
    return f"notify-{name}"


@dataclass(frozen=True)
class Channel:
    """A way to reach people (``email``, ``telegram``, ``whatsapp``, ``webhook``): one
    delivery destination, so concurrency is per channel. Channels are configuration; their
    only state is ``flagged_at``, set when a notification was parked and cleared by a
    re-drive. ``secret`` signs what the webhook channel posts."""
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


# --- what the case is and where it stands ------------------------------------------------------

@dataclass(frozen=True)
class CaseFacts:
    """What a message may say about a case: nothing of the reporter, no text, no secret title."""
    case_id: str
    title: str | None            # None when the report is secret
    category: str | None         # the category's name
    kelurahan: str | None
    unit_id: str | None
    unit: str | None             # the name of the unit that has the case
    status: str
    stage: str | None            # the running stage (Stage value), None when done or unknown
    deadline: str | None         # the running deadline in words (WIB)
    late_days: int | None        # working days past the running deadline (0: since today), None: not past
    answered: bool               # the unit acknowledged or followed up
    level: int = 0

    def about(self) -> str:
        """One line naming the complaint: '"title" (kategori X, Kelurahan Y)'."""
        what = f"\u201c{self.title}\u201d" if self.title else "(laporan rahasia)"
        where = [f"kategori {self.category}"] if self.category else []
        where += [f"Kelurahan {self.kelurahan}"] if self.kelurahan else []
        return f"{what} ({', '.join(where)})" if where else what


def case_facts(case: Case, catalog: Catalog, rules: ClockRules | None, now: datetime) -> CaseFacts:
    """The facts of ``case`` at ``now``; ``rules`` (None: escalation not configured) give the deadline words."""
    category = catalog.categories.get(case.category or "")
    kelurahan = (case.location or {}).get("kelurahan")
    unit_id = catalog.triage_unit if case.status is CaseStatus.TRIAGE or not case.unit_id else case.unit_id
    unit = catalog.units[unit_id].name if unit_id in catalog.units else None
    clock = case.clock
    stage = clock.stage.value if clock is not None and clock.stage is not Stage.DONE else None
    deadline = late = None
    if clock is not None and rules is not None and clock.deadline_at is not None:
        deadline = indonesian_datetime(clock.deadline_at, rules)
        late = rules.late_days(clock, now)
    answered = bool(clock and clock.responded_at) or case.status in (
        CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_REPORTER, CaseStatus.RESOLVED)
    return CaseFacts(case.id, None if case.secret else case.title, category.name if category else None,
                     str(kelurahan) if kelurahan else None, unit_id, unit, case.status.value, stage, deadline,
                     late, answered, clock.level if clock else 0)


def facts_from_event(event: Mapping[str, Any], catalog: Catalog) -> CaseFacts:
    """The little an event says by itself, when its case cannot be read (deleted, not yet visible)."""
    data = event.get("data") or {}
    category = catalog.categories.get(data.get("category") or "")
    unit_id = str(data.get("unit_id") or "") or None
    unit = catalog.units[unit_id].name if unit_id is not None and unit_id in catalog.units else None
    return CaseFacts(event.get("case_id") or "", None, category.name if category else None, None, unit_id, unit,
                     "", data.get("stage"), None, None, False, int(data.get("level") or 0))


def lateness(days: int | None) -> str | None:
    if days is None:
        return None
    return f"terlambat {days} hari kerja" if days else "melewati batas waktu hari ini"


def standing(facts: CaseFacts, stage: str | None) -> str:
    """Where the case stands, truthfully: answered or not, followed up or not."""
    if facts.status == CaseStatus.WAITING_REPORTER.value:
        return "menunggu jawaban pelapor"
    if facts.status == CaseStatus.RESOLVED.value:
        return "dinyatakan selesai, menunggu validasi"
    if facts.status == CaseStatus.CLOSED.value:
        return "sudah ditutup"
    if stage == Stage.TRIAGE.value or facts.status == CaseStatus.TRIAGE.value:
        return "belum ditelaah koordinator"
    if facts.status == CaseStatus.IN_PROGRESS.value:
        return "sudah ditindaklanjuti, belum selesai"
    if facts.answered:
        return "sudah diterima, belum ada tindak lanjut"
    return "tanpa jawaban"


# --- one message, in every channel's form ---------------------------------------------------------

@dataclass(frozen=True)
class Recipient:
    unit_id: str
    role: str                    # admin, head, copy
    name: str
    addresses: Mapping[str, str]
    title: str = ""              # the contact's role (Kepala, Direktur, ...)


@dataclass(frozen=True)
class Composed:
    """What one recipient reads, for every channel: e-mail subject and body, the Telegram
    text with its buttons, the WhatsApp template and its parameters."""
    subject: str
    headline: str
    lines: tuple[str, ...]
    ask: str
    link: str
    buttons: tuple[tuple[Mapping[str, str], ...], ...] = ()
    template: str = ""
    template_params: tuple[str, ...] = ()
    link_label: str = "Buka kasus"

    @property
    def text(self) -> str:
        """The e-mail body and the Telegram text (also the JSON webhook's)."""
        body = [self.headline, "", *self.lines]
        if self.ask:
            body += ["", self.ask]
        return "\n".join([*body, "", f"{self.link_label}: {self.link}"])


@dataclass(frozen=True)
class Message:
    channel: str
    address: str
    name: str
    text: str
    subject: str = ""
    link: str = ""
    buttons: tuple[tuple[Mapping[str, str], ...], ...] = ()
    template: str = ""
    template_params: tuple[str, ...] = ()
    recipient_role: str = ""


def _recipient(raw: Mapping[str, Any]) -> Recipient:
    return Recipient(str(raw.get("unit_id") or ""), str(raw.get("role") or ""), str(raw.get("name") or ""),
                     dict(raw.get("addresses") or {}), str(raw.get("title") or ""))


def _admins(contacts: Mapping[str, Any], unit_id: str) -> list[dict[str, Any]]:
    unit = contacts.get(unit_id)
    return [{"unit_id": unit_id, "role": "admin", "name": c.name, "title": c.role, "addresses": dict(c.addresses)}
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


def _deadline_words(data: Mapping[str, Any], facts: CaseFacts, rules: ClockRules | None) -> str | None:
    """The deadline an escalation or reminder is about (the event's), else the running one."""
    raw = data.get("deadline_at")
    if raw and rules is not None:
        try:
            return indonesian_datetime(datetime.fromisoformat(str(raw)), rules)
        except ValueError:
            pass
    return facts.deadline


def _ask(kind: str, role: str, facts: CaseFacts, stage: str | None, own_unit: bool) -> str:
    unit = facts.unit or "unit"
    if role == "copy":
        return "Untuk diketahui (tembusan); tidak ada tindakan yang diminta dari Anda."
    if role == "head":
        return (f"Yang diminta dari Anda: pastikan {unit} segera menindaklanjuti laporan ini. "
                "Tautan di bawah membuka kasusnya tanpa perlu masuk (hanya baca).")
    if kind == "complaint.triaged" or stage == Stage.TRIAGE.value:
        return "Yang diminta dari Anda: tentukan unit yang berwenang, atau tolak laporan ini."
    if kind == "complaint.resolved":
        return "Yang diminta dari Anda: periksa penyelesaiannya, lalu terima atau tolak."
    if not own_unit:
        return "Untuk diketahui."
    if not facts.answered:
        return ("Yang diminta dari Anda: terima laporan ini dan berikan tindak lanjut "
                "pertama kepada pelapor.")
    if facts.status == CaseStatus.WAITING_REPORTER.value:
        return "Yang diminta dari Anda: lanjutkan penanganan begitu pelapor menjawab."
    return "Yang diminta dari Anda: tuliskan tindak lanjut dan selesaikan laporan ini."


def _case_lines(facts: CaseFacts, stage: str | None, deadline: str | None, late: str | None,
                level: int | None) -> tuple[str, ...]:
    lines = [f"Laporan: {facts.about()}", f"Nomor: {facts.case_id}"]
    if facts.unit:
        lines.append(f"Unit: {facts.unit}")
    if stage is not None and stage in STAGE_TEXT:
        when = f", batas waktu {deadline}" if deadline else ""
        lines.append(f"Tahap: {STAGE_TEXT[stage]}{when}" + (f" ({late})" if late else ""))
    lines.append(f"Keadaan: {standing(facts, stage)}")
    if level:
        lines.append(f"Tingkat eskalasi: {level}")
    return tuple(lines)


def compose(event: Mapping[str, Any], facts: CaseFacts | None, recipient: Recipient, link: str,
            rules: ClockRules | None = None) -> Composed:
    """The message of ``event`` for ``recipient``; ``facts`` is its case (None for the
    digest and integration alerts); ``link`` is the case page signed for the recipient
    (the dashboard for the digest)."""
    data = event.get("data") or {}
    kind, case_id = event["type"], event.get("case_id") or ""
    subject = f"[Sigap] {SUBJECTS.get(kind, 'Pemberitahuan')} {case_id}".strip()
    if kind == "digest.daily":
        lines = tuple(f"- {row['name']}: jatuh tempo hari ini {len(row['due_today'])}, melewati batas waktu "
                      f"{len(row['overdue'])}, dieskalasi {len(row['escalated'])}"
                      for row in (data.get("units") or {}).values())
        headline = str(data.get("message") or "Ringkasan harian SP4N-LAPOR! Kota Metro")
        totals = data.get("totals") or {}
        params = (str(data.get("date") or ""), str(totals.get("due_today", 0)), str(totals.get("overdue", 0)),
                  str(totals.get("escalated", 0)), link)
        dashboard: Mapping[str, str] = {"text": "Buka dasbor", "url": link}
        return Composed(subject, headline, lines, "Yang diminta dari Anda: periksa unit yang terlambat di dasbor.",
                        link, ((dashboard,),), TEMPLATES[kind], params, "Buka dasbor")
    if kind == "integration.alert" or facts is None:
        detail = data.get("message") or data.get("reason") or "lihat log Sigap"
        return Composed(subject, f"Peringatan integrasi Sigap: {detail}", (),
                        "Yang diminta dari Anda: periksa integrasinya.", link, link_label="Buka dasbor")
    stage = data.get("stage") or facts.stage
    deadline = _deadline_words(data, facts, rules)
    late = lateness(facts.late_days) if kind in ("complaint.escalated", "complaint.late") else None
    level = data.get("level") if kind == "complaint.escalated" else None
    unit = facts.unit or "unit"
    state = standing(facts, stage)
    if kind == "complaint.assigned":
        headline = f"Laporan baru {case_id} ditugaskan kepada {unit}"
    elif kind == "complaint.triaged":
        headline = f"Laporan {case_id} menunggu triase: unit yang berwenang belum dapat dipastikan"
    elif kind == "complaint.resolved":
        headline = f"Laporan {case_id} dinyatakan selesai oleh {unit}; penyelesaiannya menunggu validasi"
    elif kind == "complaint.reminder":
        headline = (f"Pengingat: batas waktu {STAGE_TEXT.get(stage or '', 'penanganan')} laporan {case_id} "
                    f"di {unit} {deadline or 'segera tiba'}")
    elif kind == "complaint.late":
        headline = f"Laporan {case_id} di {unit} baru diterima Sigap dan sudah {late or 'terlambat'}"
    else:
        headline = (f"Eskalasi tingkat {level}: laporan {case_id} di {unit} melewati batas waktu "
                    f"{STAGE_TEXT.get(stage or '', 'penanganan')}, {state}")
    own_unit = recipient.unit_id == facts.unit_id
    ask = _ask(kind, recipient.role, facts, stage, own_unit)
    open_case: Mapping[str, str] = {"text": "Buka kasus", "url": link}
    buttons: tuple[tuple[Mapping[str, str], ...], ...] = ((open_case,),)
    if recipient.role == "admin" and own_unit and kind != "complaint.resolved" and stage != Stage.TRIAGE.value \
            and facts.status not in (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value):
        buttons = (({"text": "Terima", "callback_data": f"ack:{case_id}"},
                    {"text": "Tindak lanjut", "callback_data": f"fu:{case_id}"}),
                   (open_case,))
    template, values = "", tuple[str, ...]()
    if kind in TEMPLATES:
        when = f"batas waktu {STAGE_TEXT.get(stage or '', 'penanganan')} {deadline}" if deadline else "batas waktu"
        values = (f"tingkat {level}" if level else SUBJECTS[kind].lower(), f"{case_id} {facts.about()}", unit,
                  f"{when}, {late}, {state}" if late else f"{when}, {state}", ask.removeprefix(
                      "Yang diminta dari Anda: "), link)
        template = TEMPLATES[kind]
    return Composed(subject, headline, _case_lines(facts, stage, deadline, late, level), ask, link, buttons,
                    template, tuple(" ".join(p.split()) for p in values))


def messages(recipients: Sequence[Mapping[str, Any]], compose_for: Callable[[Recipient], Composed]
             ) -> list[Message]:
    """One message per recipient and channel they have an address for (no duplicates);
    WhatsApp only for the roles it is meant for (the heads)."""
    seen: set[tuple[str, str]] = set()
    out: list[Message] = []
    for raw in recipients:
        recipient = _recipient(raw)
        composed: Composed | None = None
        for channel, key in CHANNELS.items():
            address = recipient.addresses.get(key)
            if not address or (channel, address) in seen:
                continue
            if channel == "whatsapp" and recipient.role not in WHATSAPP_ROLES:
                continue
            composed = composed or compose_for(recipient)
            if channel == "whatsapp" and not composed.template:
                continue  # no template for this event: WhatsApp cannot carry free text outside a conversation
            seen.add((channel, address))
            out.append(Message(channel, address, recipient.name, composed.text, composed.subject, composed.link,
                               composed.buttons if channel == "telegram" else (), composed.template,
                               composed.template_params, recipient.role))
    return out


@dataclass(frozen=True)
class ChatPress:
    """A Telegram button pressed: which action on which case."""
    action: str   # a unit action (acknowledge, follow_up)
    case_id: str
    extra: Mapping[str, Any] = field(default_factory=dict)


FOLLOW_UP_PROMPT = ("Tindak lanjut laporan {case_id}: balas pesan ini dengan isi tindak lanjutnya "
                    "(10-5000 karakter). Tindak lanjut dari Telegram dicatat sebagai catatan internal.")
_PROMPTED = re.compile(r"^Tindak lanjut laporan (\S{1,60}):")


def prompted_case(prompt: str | None) -> str | None:
    """The case a reply answers, from the bot's follow-up prompt it replies to."""
    found = _PROMPTED.match(prompt or "")
    return found.group(1) if found else None


def parse_callback(data: str | None) -> ChatPress | None:
    """``ack:<case id>`` / ``fu:<case id>`` (the buttons' callback data), else None."""
    verb, _, case_id = (data or "").partition(":")
    if verb not in CALLBACK_ACTIONS or not case_id or len(case_id) > 60:
        return None
    return ChatPress(CALLBACK_ACTIONS[verb], case_id)

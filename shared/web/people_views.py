"""What the people's pages show, as plain data for the templates (shared/web/templates/):
the case page (what the complaint is, who has it, each deadline and how late, the
escalation level and who was told, the timeline in plain words) and the unit inbox
(cases grouped by what is due first). In Bahasa Indonesia, for city staff.

Confidentiality: a secret report's title and text are never shown (only that it is
secret), and an anonymous reporter's identity never is; the reporter's contact is not
shown on these pages at all (units answer through the case, not by calling people).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.catalog import Catalog
from shared.domain.clock.deadlines import Stage
from shared.domain.clock.escalation import Escalation, recipients
from shared.domain.people import Person
from shared.domain.unit_actions import WORKING

SECRET_TITLE = "Laporan rahasia (judul dan isi tidak ditampilkan)"
STATUS_TEXT = {
    "received": "Diterima", "triage": "Menunggu triase", "assigned": "Didisposisikan ke unit",
    "acknowledged": "Diterima unit", "in_progress": "Sedang ditindaklanjuti",
    "waiting_reporter": "Menunggu pelapor", "resolved": "Selesai, menunggu validasi", "closed": "Ditutup",
}
STAGE_TEXT = {Stage.TRIAGE: "Triase", Stage.FIRST_RESPONSE: "Tanggapan pertama",
              Stage.COMPLETION: "Penyelesaian", Stage.DONE: "Selesai"}
_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
ACTION_TEXT = {
    "received": "Laporan diterima Sigap", "routed": "Laporan didisposisikan", "acknowledged": "Unit menerima laporan",
    "follow_up": "Tindak lanjut", "reroute_requested": "Dikembalikan: bukan kewenangan unit",
    "waiting_reporter": "Menunggu pelapor", "resumed": "Dilanjutkan", "resolved": "Unit menyatakan selesai",
    "resolution_accepted": "Penyelesaian diterima, laporan ditutup",
    "resolution_rejected": "Penyelesaian ditolak", "reassigned": "Dialihkan ke unit lain", "merged": "Digabung",
    "reopened": "Dibuka kembali", "recategorised": "Kategori diubah", "reminded": "Pengingat batas waktu dikirim",
    "escalated": "Eskalasi", "late_on_arrival": "Sudah terlambat saat masuk", "closed": "Ditutup",
    "status_changed": "Status berubah", "reporter_replied": "Pelapor menjawab",
    "national_completion": "Ditutup oleh aturan penyelesaian nasional", "lapor_submitted": "Dikirim ke SP4N-LAPOR!",
    "lapor_answered": "Jawaban di SP4N-LAPOR!", "lapor_closed": "Ditutup di SP4N-LAPOR!",
    "lapor_note": "Catatan SP4N-LAPOR!", "rescheduled": "Jadwal batas waktu dihitung ulang",
}
ROLE_TEXT = {"admin": "admin unit", "head": "pimpinan", "copy": "tembusan"}

# The actions a unit has on its inbox, with the statuses they apply to (the service checks again).
UNIT_ACTIONS = ("acknowledge", "follow_up", "wait_reporter", "resume", "resolve", "request_reroute")
ACTION_LABEL = {"acknowledge": "Terima laporan", "follow_up": "Kirim tindak lanjut",
                "wait_reporter": "Tunggu pelapor", "resume": "Lanjutkan", "resolve": "Nyatakan selesai",
                "request_reroute": "Kembalikan: bukan kewenangan", "reassign": "Disposisikan ke unit",
                "accept": "Terima penyelesaian (tutup)", "reject": "Tolak penyelesaian"}
ACTION_DONE = {"acknowledge": "Laporan diterima unit.", "follow_up": "Tindak lanjut tercatat.",
               "wait_reporter": "Laporan menunggu pelapor; batas waktu berhenti.",
               "resume": "Laporan dilanjutkan; batas waktu berjalan lagi.",
               "resolve": "Laporan dinyatakan selesai dan menunggu validasi.",
               "request_reroute": "Laporan dikembalikan ke koordinator (Diskominfo) untuk didisposisikan ulang.",
               "reassign": "Laporan didisposisikan ke unit tujuan.",
               "accept": "Penyelesaian diterima; laporan ditutup.",
               "reject": "Penyelesaian ditolak; laporan kembali ke unit."}


def applicable(status: CaseStatus, coordinator: bool = False) -> list[str]:
    """The actions that apply to a case in this status (the status table's, shown as forms):
    a unit's, and for a coordinator also reassign, accept and reject."""
    found = []
    if coordinator and status is CaseStatus.RESOLVED:
        found += ["accept", "reject"]
    if coordinator and status in WORKING | {CaseStatus.TRIAGE}:
        found.append("reassign")
    for action in UNIT_ACTIONS:
        if action == "acknowledge" and status is CaseStatus.ASSIGNED:
            found.append(action)
        elif action == "resume" and status is CaseStatus.WAITING_REPORTER:
            found.append(action)
        elif action == "wait_reporter" and status in (CaseStatus.ASSIGNED, CaseStatus.ACKNOWLEDGED,
                                                      CaseStatus.IN_PROGRESS):
            found.append(action)
        elif action in ("follow_up", "resolve", "request_reroute") and status in WORKING:
            found.append(action)
    return found


def when(instant: datetime | None, escalation: Escalation) -> str:
    """'Sen, 23 Nov 2026 09.00 WIB' (local time)."""
    if instant is None:
        return "–"
    local = instant.astimezone(escalation.rules.calendar.tz)
    return f"{_DAYS[local.weekday()][:3]}, {local.day} {_MONTHS[local.month - 1]} {local.year} {local:%H.%M} WIB"


def title_of(case: Case) -> str:
    return SECRET_TITLE if case.secret else case.title


def kelurahan_of(case: Case) -> str:
    return str((case.location or {}).get("kelurahan") or "–")


def lateness(case: Case, escalation: Escalation, now: datetime) -> tuple[str, str]:
    """A short text of the running deadline, and its kind: late | today | week | later | paused | none."""
    clock = case.clock
    if clock is None or clock.stage is Stage.DONE or clock.deadline_at is None:
        return "tanpa batas waktu berjalan", "none"
    if clock.paused_at is not None:
        return "batas waktu berhenti (menunggu pelapor)", "paused"
    rules = escalation.rules
    late = rules.late_days(clock, now)
    if late is not None:
        return (f"terlambat {late} hari kerja" if late else "lewat batas waktu hari ini"), "late"
    cal = rules.calendar
    if cal.local_date(clock.deadline_at) == cal.local_date(now):
        return "jatuh tempo hari ini", "today"
    left = cal.working_days_between(now, clock.deadline_at)
    return f"sisa {left} hari kerja", ("week" if clock.deadline_at - now <= timedelta(days=7) else "later")


@dataclass(frozen=True)
class Line:
    at: str
    what: str
    who: str
    text: str | None = None
    internal: bool = False


def _who(actor: str, catalog: Catalog, people: Any) -> str:
    if actor.startswith("person:"):
        person = people.get(actor.removeprefix("person:")) if people is not None else None
        if person is None:
            return actor.removeprefix("person:")
        return person.name if person.role.lower() in person.name.lower() else f"{person.name} ({person.role})"
    if actor.startswith("unit:"):
        unit = catalog.units.get(actor.split(":")[1])
        return f"{unit.name} (kunci API)" if unit else actor
    if actor.startswith("sigap") or actor in ("escalation", "system"):
        return "Sigap (otomatis)"
    if actor.startswith("source:"):
        return f"Sumber: {actor.removeprefix('source:')}"
    if actor.startswith("lapor"):
        return "SP4N-LAPOR!"
    return {"admin": "Admin Sigap (token)"}.get(actor, actor)


def _detail_text(entry: TimelineEntry, case: Case, catalog: Catalog) -> tuple[str | None, bool]:
    d = entry.detail

    def unit_name(uid: Any) -> str:
        return catalog.units[uid].name if isinstance(uid, str) and uid in catalog.units else str(uid or "–")
    if entry.action == "follow_up":
        internal = d.get("visibility") != "public"  # the unit's own words: shown, even on a secret report
        return ("Internal: " if internal else "Publik: ") + str(d.get("text") or "–"), internal
    if entry.action == "reroute_requested":
        suggested = f"; disarankan ke {unit_name(d.get('suggested_unit'))}" if d.get("suggested_unit") else ""
        return f"dari {unit_name(d.get('from_unit'))} ke koordinator; alasan: {d.get('reason')}{suggested}", False
    if entry.action in ("reassigned", "routed") and d.get("unit_id"):
        return f"ke {unit_name(d.get('unit_id'))}", False
    if entry.action in ("escalated", "reminded"):
        stage = d.get("stage")
        stage_text = STAGE_TEXT.get(Stage(stage), stage) if stage in {s.value for s in Stage} else stage
        return f"tahap {stage_text}, level {d.get('level', 0)}, unit {unit_name(d.get('unit_id'))}", False
    for key in ("reason", "resolution", "note"):
        if d.get(key):
            return str(d[key]), False
    return None, False


def timeline_lines(entries: Iterable[TimelineEntry], case: Case, catalog: Catalog, escalation: Escalation,
                   people: Any) -> list[Line]:
    lines = []
    for e in entries:
        text, internal = _detail_text(e, case, catalog)
        lines.append(Line(when(e.at, escalation), ACTION_TEXT.get(e.action, e.action.replace("_", " ")),
                          _who(e.actor, catalog, people), text, internal))
    return lines


@dataclass(frozen=True)
class CasePage:
    case: Case
    title: str
    status: str
    category: str
    kelurahan: str
    address: str
    description: str | None
    unit_name: str
    stage: str
    deadline: str
    late_text: str
    late_kind: str
    level: int
    told: list[str]
    timeline: list[Line]
    sent_back_to: str | None = None         # the unit sent it back: where it is now
    actions: list[str] = field(default_factory=list)
    first_response: str = "–"


def case_page(case: Case, entries: list[TimelineEntry], catalog: Catalog, escalation: Escalation, now: datetime,
              people: Any, viewer: Person | None, *, sent_back: bool = False) -> CasePage:
    """``viewer``: the signed-in person (None: read through a case link); ``sent_back``: the
    viewer's unit sent the case back and sees it read-only, with where it went."""
    clock = case.clock
    category = catalog.categories.get(case.category or "")
    unit = catalog.units.get(case.unit_id or "")
    late_text, late_kind = lateness(case, escalation, now)
    level = clock.level if clock else 0
    told: list[str] = []
    if clock is not None and level and case.unit_id in catalog.units:
        for r in recipients(case.unit_id or "", level, catalog, escalation):
            told.append(f"{r['name']} ({ROLE_TEXT.get(r['role'], r['role'])})")
    where = (unit.name if unit else "koordinator") if sent_back else None
    acts = viewer is not None and viewer.acts_on(case.unit_id) and not sent_back
    return CasePage(
        case=case, title=title_of(case), status=STATUS_TEXT.get(case.status.value, case.status.value),
        category=category.name if category else "(belum berkategori)", kelurahan=kelurahan_of(case),
        address="–" if case.secret else str((case.location or {}).get("address") or "–"),
        description=None if case.secret else case.description, unit_name=unit.name if unit else "(belum ada unit)",
        stage=STAGE_TEXT.get(clock.stage, "–") if clock else "–", deadline=when(clock.deadline_at if clock else None,
                                                                                   escalation),
        late_text=late_text, late_kind=late_kind, level=level, told=told,
        timeline=timeline_lines(entries, case, catalog, escalation, people), sent_back_to=where,
        actions=applicable(case.status, viewer.coordinator) if acts and viewer else [],
        first_response=when(clock.responded_at, escalation) if clock and clock.responded_at else "belum ada")


@dataclass(frozen=True)
class InboxRow:
    id: str
    title: str
    category: str
    kelurahan: str
    status: str
    late_text: str
    deadline: str


GROUPS = (("late", "Terlambat"), ("today", "Jatuh tempo hari ini"), ("week", "Jatuh tempo minggu ini"),
          ("later", "Jatuh tempo nanti"), ("paused", "Menunggu pelapor"), ("none", "Lainnya"))


def inbox_groups(cases: Iterable[Case], catalog: Catalog, escalation: Escalation,
                 now: datetime) -> list[tuple[str, str, list[InboxRow]]]:
    """The open cases by what is due first; inside a group the soonest deadline first."""
    groups: dict[str, list[tuple[datetime, InboxRow]]] = {key: [] for key, _ in GROUPS}
    far = datetime.max.replace(tzinfo=now.tzinfo)
    for case in cases:
        if case.status in (CaseStatus.CLOSED, CaseStatus.RESOLVED):
            continue
        text, kind = lateness(case, escalation, now)
        category = catalog.categories.get(case.category or "")
        row = InboxRow(case.id, title_of(case), category.name if category else "–", kelurahan_of(case),
                       STATUS_TEXT.get(case.status.value, case.status.value), text,
                       when(case.clock.deadline_at if case.clock else None, escalation))
        groups[kind].append(((case.clock.deadline_at if case.clock else None) or far, row))
    return [(key, label, [r for _, r in sorted(groups[key], key=lambda pair: (pair[0], pair[1].id))])
            for key, label in GROUPS]


def sent_back_rows(cases: Mapping[str, Case], catalog: Catalog) -> list[tuple[str, str, str]]:
    """(id, title, where it is now) of the cases a unit sent back."""
    rows = []
    for case in cases.values():
        unit = catalog.units.get(case.unit_id or "")
        rows.append((case.id, title_of(case), unit.name if unit else "(belum ada unit)"))
    return sorted(rows)

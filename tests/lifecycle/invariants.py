"""What must hold over the whole life of every case, checked by the lifecycle simulation.

``Truth`` is the simulation's own log of what people did and when (on either side);
``Invariants`` compares Sigap and LAPOR! with it after every tick and at the end:

1. no level is reached sooner than its spacing (one step after the last page of the
   case), and none before the deadline it is about;
2. nobody is paged twice for one case within one step;
3. no escalation about a deadline a unit already answered, on either side;
4. no status pushed to LAPOR! that it already shows, or a lower one;
5. nothing silently delayed: after a tick no case is left due, and every page comes
   within one tick period of falling due;
6. every change made on one side appears on the other exactly once;
7. the reports function's figures equal the truth computed from the log.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.domain.case import CaseStatus
from shared.domain.clock.calendar import WorkingCalendar
from shared.domain.clock.escalation import DUE_STATUSES
from shared.domain.clock.policy import EscalationPolicy
from shared.domain.integrations.lapor import INSTANSI, TO_LAPOR
from shared.domain.integrations.lapor_changes import is_ours, rank
from shared.domain.reports.figures import Period, compute_figures

INFORMATIONAL = frozenset({"escalated", "reminded", "lapor_updated", "lapor_note", "lapor_text_changed",
                           "lapor_submitted", "lapor_disposed", "lapor_disposition_ignored", "reporter_replied",
                           "late_on_arrival", "received"})
WORKING = (CaseStatus.ASSIGNED, CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_REPORTER)


def _instant(raw: Any) -> datetime:
    return raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw).replace("Z", "+00:00"))


class Truth:
    """What happened, as the people did it."""

    def __init__(self, calendar: WorkingCalendar, policy: EscalationPolicy):
        self.calendar, self.policy = calendar, policy
        self.anchor: dict[str, datetime] = {}
        self.answers: dict[str, list[datetime]] = defaultdict(list)
        self.resolutions: dict[str, list[datetime | None]] = defaultdict(list)
        self.resolved_open: dict[str, bool] = {}
        self.pauses: dict[str, list[list[datetime | None]]] = defaultdict(list)
        self.sigap_public: Counter = Counter()   # Sigap's public follow-ups and resolutions (to reach LAPOR!)
        self.assigned: set[str] = set()

    def history(self, report: dict) -> None:
        """A LAPOR! report as the platform holds it before Sigap sees it."""
        case_id = f"lapor-{report['tracking_id']}"
        self.anchor[case_id] = _instant(report.get("tanggal_disposisi") or report["tanggal_lapor"])
        answers = sorted(_instant(f["tanggal"]) for f in report.get("tindak_lanjut") or () if f["oleh"] == INSTANSI)
        self.answers[case_id] += answers
        if report["status"] in ("Selesai", "Arsip"):
            self.resolutions[case_id].append(answers[-1] if answers else None)
            self.resolved_open[case_id] = True

    def arrived(self, case_id: str, at: datetime) -> None:
        self.anchor.setdefault(case_id, at)

    def unit(self, case) -> None:
        if case.status is not CaseStatus.TRIAGE and case.unit_id:
            self.assigned.add(case.id)

    def _pause(self, case_id: str, at: datetime) -> None:
        if not self.pauses[case_id] or self.pauses[case_id][-1][1] is not None:
            self.pauses[case_id].append([at, None])

    def _resume(self, case_id: str, at: datetime) -> None:
        if self.pauses[case_id] and self.pauses[case_id][-1][1] is None:
            self.pauses[case_id][-1][1] = at

    def sigap_action(self, case, action: str, params: dict, at: datetime) -> None:
        if action in ("acknowledge", "follow_up", "wait_reporter", "resolve"):
            self.answers[case.id].append(at)
        if action == "wait_reporter":
            self._pause(case.id, at)
        elif action == "resume":
            self._resume(case.id, at)
        elif action == "resolve":
            self.resolutions[case.id].append(at)
            self._pause(case.id, at)
            self.resolved_open[case.id] = True
        if (action == "follow_up" and params.get("visibility") == "public") or action == "resolve":
            self.sigap_public[case.id] += 1

    def lapor_answer(self, case_id: str, at: datetime, resolves: bool = False) -> None:
        self.answers[case_id].append(at)
        if resolves:
            self.resolutions[case_id].append(at)
            self._pause(case_id, at)
            self.resolved_open[case_id] = True

    def disposed(self, case_id: str, unit_id: str) -> None:
        pass  # the unit that holds the case is read from Sigap's events; the disposition is checked at the end

    def reporter_replied(self, case, at: datetime) -> None:
        if case.status is CaseStatus.RESOLVED:
            self.resolved_open[case.id] = False
            self._resume(case.id, at)
        elif case.status is CaseStatus.WAITING_REPORTER:
            self._resume(case.id, at)

    def answered_before(self, case_id: str, at: datetime) -> bool:
        return any(a is not None and a < at for a in self.answers[case_id])

    def paused_days(self, case_id: str) -> int:
        days = 0
        for start, end in self.pauses[case_id]:
            assert start is not None, "a pause always records its start"
            if end is not None:
                days += self.calendar.working_days_between(start, end)
        return days


class Invariants:
    def __init__(self, sim, truth: Truth):
        self.sim, self.truth = sim, truth
        self.checks = 0
        self.violations: list[str] = []
        self.levels: Counter = Counter()
        self.pages_per_person: Counter = Counter()
        self._pages: set[str] = set()
        self._last_page: dict[str, datetime] = {}
        self._last_person: dict[tuple[str, str], datetime] = {}
        self._pushes_seen = 0
        self.step = truth.policy.step_days

    def fail(self, message: str) -> None:
        if len(self.violations) < 500:
            self.violations.append(message)

    def _spaced(self, last: datetime | None, at: datetime) -> bool:
        return last is None or self.truth.calendar.working_days_between(last, at) >= self.step

    # ---- every page (escalation or late-on-arrival notice), as it is delivered ------------------
    def page(self, event) -> None:
        if event.id in self._pages:  # a redelivery is the same page
            return
        self._pages.add(event.id)
        case_id, at, data = event.case_id, event.occurred_at, event.data
        self.checks += 4
        if event.type == "complaint.escalated":
            self.levels[data["level"]] += 1
            if not self._spaced(self._last_page.get(case_id), at):
                self.fail(f"{case_id}: level {data['level']} at {at} less than {self.step} working days "
                          f"after the page before ({self._last_page[case_id]})")
            if _instant(data["deadline_at"]) > at:
                self.fail(f"{case_id}: escalated at {at} before its deadline {data['deadline_at']}")
            if data["stage"] == "first_response" and self.truth.answered_before(case_id, at):
                self.fail(f"{case_id}: first response escalated at {at} although a unit answered")
            if data["stage"] == "completion" and self.truth.resolved_open.get(case_id):
                self.fail(f"{case_id}: completion escalated at {at} although the case was resolved")
            due = max(_instant(data["due_at"]), self._unblocked_at(case_id, at))
            if at - due > self.sim.tick:
                self.fail(f"{case_id}: level {data['level']} due {due} came only at {at}")
        for r in data.get("recipients") or ():
            person = (case_id, f"{r['unit_id']}/{r['role']}/{r['name']}")
            if not self._spaced(self._last_person.get(person), at):
                self.fail(f"{case_id}: {person[1]} paged twice within one step ({self._last_person[person]}, {at})")
            self._last_person[person] = at
            self.pages_per_person[person[1]] += 1
        self._last_page[case_id] = at

    def _unblocked_at(self, case_id: str, at: datetime) -> datetime:
        """The last change before ``at`` that set the case's clock running again (a resume, a reopen,
        a new unit, a new stage): a level that passed while the clock stood falls due then."""
        changes = [e.at for e in self.sim.cases.timelines.get(case_id, ())
                   if e.at <= at and e.action not in INFORMATIONAL]
        return max(changes, default=at)

    # ---- after every tick ---------------------------------------------------------------------
    def after_tick(self, now: datetime, tick: timedelta) -> None:
        sim = self.sim
        for case in sim.cases.cases.values():
            self.checks += 2
            clock = case.clock
            if case.status in DUE_STATUSES and clock and clock.next_due_at and clock.next_due_at <= now:
                self.fail(f"{case.id}: due at {clock.next_due_at} and still not handled after the tick at {now}")
            ids = [e.detail.get("follow_up_id") for e in sim.cases.timelines.get(case.id, ())
                   if e.detail.get("follow_up_id")]
            if len(ids) != len(set(ids)):
                self.fail(f"{case.id}: a LAPOR! follow-up appears twice in Sigap's timeline")
        for tracking_id, shown, pushed in sim.client.status_pushes[self._pushes_seen:]:
            self.checks += 1
            if rank(pushed) <= rank(shown):
                self.fail(f"report {tracking_id}: pushed '{pushed}' while LAPOR! showed '{shown}'")
        self._pushes_seen = len(sim.client.status_pushes)

    # ---- when the two sides have converged ---------------------------------------------------
    def at_end(self, now: datetime) -> None:
        self._both_sides()
        self._figures(now)
        left = [i.id for i in self.sim.lapor_store.items(10_000)]
        self.checks += 1
        if left:
            self.fail(f"{len(left)} LAPOR! outbox items never delivered, e.g. {left[:3]}")

    def _both_sides(self) -> None:
        sim, catalog = self.sim, self.sim_catalog()
        for case in sim.cases.cases.values():
            report = sim.portal.reports.get(case.lapor_tracking_id or "")
            if report is None:
                continue
            timeline = sim.cases.timeline(case.id)
            in_sigap = Counter(e.detail.get("follow_up_id") for e in timeline if e.detail.get("follow_up_id"))
            ours = 0
            for f in report["tindak_lanjut"]:
                self.checks += 1
                if is_ours(case.id, f.get("client_ref")):
                    ours += 1
                elif in_sigap.get(f["id"], 0) != 1:
                    times = in_sigap.get(f["id"], 0)
                    self.fail(f"{case.id}: LAPOR! follow-up {f['id']} appears {times} times in Sigap")
            self.checks += 3
            if ours != self.truth.sigap_public[case.id]:
                self.fail(f"{case.id}: {self.truth.sigap_public[case.id]} public answers in Sigap, {ours} on LAPOR!")
            if case.status is not CaseStatus.CLOSED and case.unit_id:
                account = catalog.unit(case.unit_id).lapor_account
                shown = (report.get("disposisi") or {}).get("sub_instansi")
                if account != shown:
                    self.fail(f"{case.id}: at {case.unit_id} in Sigap, disposed to {shown} on LAPOR!")
            owed = TO_LAPOR.get(case.status)
            if owed and rank(report["status"]) < rank(owed):
                self.fail(f"{case.id}: '{case.status.value}' in Sigap, LAPOR! shows '{report['status']}'")

    def sim_catalog(self):
        from tests.escalation_support import CATALOG
        return CATALOG

    def _figures(self, now: datetime) -> None:
        sim, truth = self.sim, self.truth
        period = Period(datetime(2026, 1, 1, tzinfo=UTC), now + timedelta(days=1))
        figures = compute_figures(sim.facts(), period, now, truth.policy, truth.calendar)
        expected: dict[str, Counter] = defaultdict(Counter)
        for case in sim.cases.cases.values():
            anchor = truth.anchor.get(case.id)
            if anchor is None or case.clock is None:
                continue
            unit = expected[case.unit_id or "-"]
            unit["received"] += 1
            if case.id not in truth.assigned:
                continue
            cls = truth.policy.sla_class(case.clock.sla_days)
            fr_due = truth.calendar.add_working_days(anchor, cls.first_response_days)
            res_due = truth.calendar.add_working_days(anchor, cls.completion_days + truth.paused_days(case.id))
            answered = min((a for a in truth.answers[case.id] if a), default=None)
            resolved = min((a for a in truth.resolutions[case.id] if a), default=None)
            if answered is not None or fr_due <= now:
                unit["fr_known"] += 1
                unit["fr_on_time"] += answered is not None and answered <= fr_due
            if resolved is not None or res_due <= now:
                unit["res_known"] += 1
                unit["res_on_time"] += resolved is not None and resolved <= res_due
        for unit_id, counts in expected.items():
            got = figures["units"].get(unit_id)
            self.checks += 3
            want = {"received": counts["received"],
                    "first_response_on_time_pct": _pct(counts["fr_on_time"], counts["fr_known"]),
                    "resolved_on_time_pct": _pct(counts["res_on_time"], counts["res_known"])}
            have = {k: (got or {}).get(k) for k in want}
            if have != want:
                self.fail(f"figures of {unit_id}: reports say {have}, the simulation's log says {want}")
        self.figures = figures

    def same_answer(self, case_id: str, action: str, first, again) -> None:
        self.checks += 1
        if (first.refused, dict(first.body)) != (again.refused, dict(again.body)):
            self.fail(f"{case_id}: '{action}' retried with the same Idempotency-Key answered differently")


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None

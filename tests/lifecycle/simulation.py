"""The life of complaints over weeks of working days, on both sides: Sigap and LAPOR!.

A seeded population (reports pulled from the LAPOR! sandbox with their history, many of
them late; new LAPOR! reports, some forwarded late; city complaints through intake,
submitted to LAPOR!) runs through the real services (intake, routing, sync, push, unit
actions, escalation) on the in-memory fakes, with the sandbox ``Portal`` in-process as
LAPOR!. People act on both sides (units in Sigap and on LAPOR!, the city admin disposing
on LAPOR!, reporters replying, the coordinator triaging and validating). Pub/Sub is
stood in for by a bus that redelivers about one event in ten; scheduler ticks come
twice now and then, and sometimes three at once on threads.

After every tick the invariants are checked (``Invariants``); at the end the two sides
are drained and compared, and the reports function's figures are compared with the
truth computed from the simulation's own log.

    python -m tests.lifecycle.simulation [--seed 2026] [--days 40] [--tick-minutes 60]
"""
from __future__ import annotations

import argparse
import contextvars
import hashlib
import json
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.lapor_sandbox.portal import Portal
from infra.lapor_sandbox.seed import STREETS, TEMPLATES, kelurahan_names
from shared import logs
from shared.domain.case import CaseStatus
from shared.domain.reports.figures import Period
from shared.domain.unit_actions import Actor
from shared.services.announcing import DeferredAnnouncer
from shared.services.escalation import escalate_due
from shared.services.intake import receive_complaint
from shared.services.lapor_push import push_to_lapor, queue_submission
from shared.services.lapor_sync import sync_from_lapor
from shared.services.routing import route_case
from shared.services.unit_actions import act_on_case
from shared.web.schemas import ComplaintIn, LocationIn
from tests.escalation_support import CATALOG, ESCALATION, RULES
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeReportSource, FakeUnitOfWork
from tests.lapor_fakes import FakeLaporStore
from tests.lapor_portal_client import PortalClient
from tests.lifecycle.invariants import Invariants, Truth
from tests.lifecycle.people import OPDS, Agenda, behaviour, plan_unit

START = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # Monday 30 November 2026, 00:00 WIB
CAL, POLICY = ESCALATION.rules.calendar, ESCALATION.policy
TEXTS: dict[str, dict[str, Any]] = {"acknowledge": {"note": "Laporan diterima dan sedang dipelajari."},
         "follow_up": {"text": "Petugas sudah dijadwalkan meninjau lokasi.", "attachments": []},
         "resolve": {"resolution": "Perbaikan sudah selesai dikerjakan petugas di lapangan.", "evidence": []},
         "request_reroute": {"reason": "Bukan kewenangan unit kami.", "suggested_unit": None},
         "wait_reporter": {"reason": "Menunggu alamat lengkap dari pelapor."},
         "resume": {"note": "Data dari pelapor sudah lengkap."},
         "accept": {"note": "Penyelesaian sudah diverifikasi."},
         "reassign": {"reason": "Sesuai kewenangan."}}
COORDINATOR = Actor("admin", None, True)


class RecordingClient(PortalClient):
    """The in-process LAPOR! client that also notes what LAPOR! showed before each status push."""

    def __init__(self, portal: Portal):
        super().__init__(portal)
        self.status_pushes: list[tuple[str, str, str]] = []   # (tracking id, shown before, pushed)
        self._refs: set[str] = set()

    def change_status(self, tracking_id: str, status: str, note: str | None, client_ref: str) -> None:
        shown = self.portal.reports[tracking_id]["status"] if tracking_id in self.portal.reports else ""
        super().change_status(tracking_id, status, note, client_ref)
        if client_ref not in self._refs:  # a repeat of the same request is the same push
            self._refs.add(client_ref)
            self.status_pushes.append((tracking_id, shown, status))


@dataclass
class Population:
    seeded: int = 300       # reports the sandbox holds at the start (September-November, with history)
    new_lapor: int = 90     # reports forwarded during the run; some of them late
    city: int = 160         # complaints from city systems through intake


@dataclass
class Summary:
    cases: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    escalations: Counter = field(default_factory=Counter)
    late_on_arrival: int = 0
    pages_per_person: Counter = field(default_factory=Counter)
    pushes: Counter = field(default_factory=Counter)
    actions: Counter = field(default_factory=Counter)
    ticks: int = 0
    checks: int = 0
    violations: list[str] = field(default_factory=list)


class Simulation:
    def __init__(self, *, seed: int = 2026, working_days: int = 40, tick_minutes: int = 60,
                 population: Population | None = None):
        population = population if population is not None else Population()
        self.rng = random.Random(seed)
        self.clock = FakeClock(START)
        self.cases = FakeCaseStore()
        self.lapor_store, self.uow = FakeLaporStore(self.cases), FakeUnitOfWork(self.cases)
        self.publisher = FakePublisher()
        # city systems' complaints come through intake, which publishes behind its answer
        self.announcer = DeferredAnnouncer(outbox=self.cases, publisher=self.publisher)
        self.portal = Portal("sim-token", population.seeded, seed, clock=self.clock.now)
        self.client = RecordingClient(self.portal)
        self.agenda = Agenda(self.rng, CAL)
        self.tick = timedelta(minutes=tick_minutes)
        self.end = CAL.add_working_days(START, working_days)
        self.truth = Truth(CAL, POLICY)
        self.invariants = Invariants(self, self.truth)
        self.summary = Summary()
        self._delivered = 0
        self._planned_unit: dict[str, str | None] = {}
        self._seen_history: set[str] = set()
        self._arrivals(population)

    # ---- the population -----------------------------------------------------------------
    def _arrivals(self, population: Population) -> None:
        span = (self.end - START).total_seconds()
        for n in range(population.new_lapor):
            at = START + timedelta(seconds=self.rng.uniform(0, span * 0.8))
            late = self.rng.random() < 0.3  # forwarded late, or Sigap's sync was down
            self.agenda.plan(f"new-{n}", "lapor_arrives", at, 0, tracking_id=str(6_000_000 + n), late=late)
        for n in range(population.city):
            at = START + timedelta(seconds=self.rng.uniform(0, span * 0.85))
            self.agenda.plan(f"city-{n}", "city_arrives", at, 0, external_id=f"sim-{n}")
        for report in self.portal.reports.values():
            self.truth.history(report)

    # ---- the run ------------------------------------------------------------------------
    def run(self) -> Summary:
        with logs.muted():
            n = 0
            while self.clock.now() < self.end:
                self.clock.advance(seconds=self.tick.total_seconds())
                n += 1
                self._step(n)
                self.invariants.after_tick(self.clock.now(), self.tick)
            self._drain()
            self.invariants.at_end(self.clock.now())
        self.summary.ticks = n
        self.summary.checks = self.invariants.checks
        self.summary.violations = self.invariants.violations
        self._summarise()
        return self.summary

    def _step(self, n: int) -> None:
        now = self.clock.now()
        for planned in self.agenda.due(now):
            self._perform(planned)
            self._deliver()
        self._sync()
        self._deliver()
        self._push()
        self._escalate(copies=3 if n % 10 == 0 else 2 if n % 6 == 0 else 1, threaded=n % 10 == 0)
        self._deliver()

    def _drain(self) -> None:
        """After the last tick nobody acts any more: the two sides converge."""
        for _ in range(4):
            self.clock.advance(minutes=5)
            self._sync()
            self._deliver()
            self._push()
            self._deliver()

    def _sync(self) -> None:
        sync_from_lapor(client=self.client, store=self.lapor_store, uow=self.uow, publisher=self.publisher,
                        clock=self.clock, catalog=CATALOG, rules=ESCALATION.rules)

    def _push(self) -> None:
        run = push_to_lapor(client=self.client, store=self.lapor_store, uow=self.uow, publisher=self.publisher,
                            clock=self.clock, catalog=CATALOG)
        self.summary.pushes.update({"delivered": run.delivered, "skipped": run.skipped, "failed": run.failed})

    def _escalate(self, copies: int, threaded: bool) -> None:
        def tick() -> None:
            escalate_due(queue=self.cases, uow=self.uow, publisher=self.publisher,
                         catalog=CATALOG, escalation=ESCALATION, as_of=self.clock.now(), tell_lapor=True)
        if threaded:
            threads = [threading.Thread(target=contextvars.copy_context().run, args=(tick,)) for _ in range(copies)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        else:
            for _ in range(copies):
                tick()

    # ---- Pub/Sub, at least once ---------------------------------------------------------------
    def _deliver(self) -> None:
        while self._delivered < len(self.publisher.published):
            event = self.publisher.published[self._delivered]
            self._delivered += 1
            for _ in range(2 if self.rng.random() < 0.1 else 1):
                self._consume(event)

    def _consume(self, event) -> None:
        kind = event.type
        if kind == "complaint.received":
            route_case(event.case_id, uow=self.uow, publisher=self.publisher,
                       catalog=CATALOG, rules=RULES, clock=self.clock, escalation=ESCALATION, tell_lapor=True)
            queue_submission(event.case_id, uow=self.uow, publisher=self.publisher,
                             clock=self.clock)
        elif kind in ("complaint.escalated", "complaint.late"):
            self.invariants.page(event)
        elif kind in ("complaint.assigned", "complaint.triaged", "complaint.updated", "complaint.resolved"):
            self._plan_after(event)

    # ---- people -----------------------------------------------------------------------------
    def _plan_after(self, event) -> None:
        case = self.cases.get(event.case_id)
        if case is None or event.id in self._seen_history:
            return
        self._seen_history.add(event.id)
        now, rng = self.clock.now(), self.rng
        self.truth.unit(case)
        if event.type == "complaint.triaged" or (event.type == "complaint.assigned" and case.status is
                                                 CaseStatus.TRIAGE):
            self.agenda.plan(case.id, "reassign", now, rng.randint(0, 2), unit_id=rng.choice(OPDS))
        elif event.type == "complaint.assigned" and self._planned_unit.get(case.id) != case.unit_id:
            first = case.id not in self._planned_unit
            self._planned_unit[case.id] = case.unit_id
            if case.status is CaseStatus.CLOSED:
                return
            kind = behaviour(rng) if first else rng.choice(("sigap", "lapor"))
            if case.status is CaseStatus.IN_PROGRESS:  # answered on LAPOR! before Sigap saw it
                kind = rng.choice(("lapor_resolve", "resolve"))
                self.agenda.plan(case.id, kind, now, rng.randint(1, 6))
                return
            plan_unit(self.agenda, rng, case.id, kind, now, on_lapor=bool(case.lapor_tracking_id))
        elif event.type == "complaint.resolved":
            if rng.random() < 0.65:
                self.agenda.plan(case.id, "accept", now, rng.randint(0, 4))
            if case.lapor_tracking_id and rng.random() < 0.15:
                self.agenda.plan(case.id, "reporter_reply", now, rng.randint(1, 6))
        elif event.type == "complaint.updated" and event.data.get("action") == "reopened":
            self.agenda.plan(case.id, rng.choice(("resolve", "lapor_resolve")), now, rng.randint(1, 3))

    def _perform(self, planned) -> None:
        action, case_id, now = planned.action, planned.case_id, self.clock.now()
        if action == "city_arrives":
            return self._city(planned)
        if action == "lapor_arrives":
            return self._new_report(planned)
        case = self.cases.get(case_id)
        if case is None:
            return
        if action.startswith("lapor_") or action == "reporter_reply":
            return self._on_lapor(case, action, planned.params, now)
        params = {**TEXTS.get(action, {}), **planned.params}
        if action == "reassign" and params["unit_id"] == case.unit_id:
            params["unit_id"] = next(u for u in OPDS if u != case.unit_id)
        coordinator = action in ("accept", "reassign")
        actor = COORDINATOR if coordinator else Actor(f"unit:{case.unit_id}:sim", case.unit_id, False)
        key = f"sim-{planned.seq}"
        fingerprint = hashlib.sha256(json.dumps([case_id, action, params], sort_keys=True).encode()).hexdigest()

        def act():
            return act_on_case(case_id, action, params, actor=actor, idempotency_key=key, fingerprint=fingerprint,
                               uow=self.uow, publisher=self.publisher,
                               clock=self.clock, catalog=CATALOG, rules=ESCALATION.rules)
        answer = act()
        if answer.refused is None:
            self.summary.actions[action] += 1
            self.truth.sigap_action(case, action, params, now)
        else:
            self.summary.actions[f"{action} refused {answer.refused.value}"] += 1
        if self.rng.random() < 0.1:  # the client retried: same key, same answer, nothing twice
            self.invariants.same_answer(case_id, action, answer, act())

    def _on_lapor(self, case, action: str, params: dict, now: datetime) -> None:
        tracking_id = case.lapor_tracking_id
        report = self.portal.reports.get(tracking_id or "")
        if report is None or (report["status"] in ("Selesai", "Arsip") and action != "reporter_reply"):
            self.summary.actions[f"{action} skipped"] += 1
            return
        account = CATALOG.unit(case.unit_id).lapor_account if case.unit_id else None
        if action == "lapor_follow_up" and account:
            self.portal.unit_follow_up(tracking_id, "Sudah kami tinjau, perbaikan dijadwalkan.", sub_instansi=account)
            self.truth.lapor_answer(case.id, now)
        elif action == "lapor_resolve" and account:
            self.portal.unit_follow_up(tracking_id, "Pekerjaan sudah selesai.", sub_instansi=account,
                                       status="Selesai")
            self.truth.lapor_answer(case.id, now, resolves=case.status in (
                CaseStatus.ASSIGNED, CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_REPORTER))
        elif action == "lapor_dispose":
            target = params["account_unit"] if params["account_unit"] != case.unit_id else "dinas-perkim"
            account_of_target = CATALOG.unit(target).lapor_account
            assert account_of_target is not None, f"{target} has a LAPOR! account in the catalog"
            self.portal.admin_dispose(tracking_id, account_of_target)
            self.truth.disposed(case.id, target)
        elif action == "reporter_reply":
            self.portal.reporter_reply(tracking_id, "Masih belum beres, mohon dicek lagi.")
            self.truth.reporter_replied(case, now)
        else:
            self.summary.actions[f"{action} skipped"] += 1
            return
        self.summary.actions[action] += 1

    def _city(self, planned) -> None:
        n = int(planned.params["external_id"].split("-")[1])
        template = self.rng.choice(TEMPLATES)
        title, text = template.title, template.text
        kel, street = self.rng.choice(kelurahan_names()), self.rng.choice(STREETS)
        complaint = ComplaintIn(external_id=planned.params["external_id"], title=title.format(kel=kel, jalan=street),
                                description=text.format(kel=kel, jalan=street), location=LocationIn(kelurahan=kel),
                                secret=self.rng.random() < 0.08)
        for _ in range(2 if n % 20 == 0 else 1):  # the city system retried the delivery
            with self.announcer.request():
                receipt = receive_complaint(complaint, source="sim-city", delivery_id=f"d-{n}", uow=self.uow,
                                            publisher=self.publisher, clock=self.clock, behind=self.announcer)
            # the answer is back and no request is in flight: the event must be out, not waiting
            assert self.announcer.unsettled == 0 and f"{receipt.case_id}.received" not in self.cases.outbox
        self.truth.arrived(receipt.case_id, self.clock.now())

    def _new_report(self, planned) -> None:
        now = self.clock.now()
        disposed = CAL.working_days_before(now, self.rng.randint(3, 8)) if planned.params["late"] else now
        report = self.portal.upsert({"tracking_id": planned.params["tracking_id"],
                                     "tanggal_disposisi": disposed.isoformat(),
                                     "tanggal_lapor": (disposed - timedelta(days=1)).isoformat()})
        self.truth.history(report)

    def facts(self):
        """What the reports function reads of every case (its ReportSource, on the fakes)."""
        now = self.clock.now()
        return FakeReportSource(self.cases).facts(Period(START, now + timedelta(seconds=1)), now)

    # ---- the table ----------------------------------------------------------------------------
    def _summarise(self) -> None:
        s = self.summary
        for case in self.cases.cases.values():
            s.cases["from LAPOR!" if case.source == "lapor" else "from city systems"] += 1
            s.statuses[case.status.value] += 1
            s.late_on_arrival += bool(case.clock and case.clock.late_on_arrival)
        s.escalations.update(self.invariants.levels)
        s.pages_per_person.update(self.invariants.pages_per_person)


def table(summary: Summary) -> str:
    lines = ["Lifecycle simulation", "=" * 20]
    by_origin = ", ".join(f"{v} {k}" for k, v in sorted(summary.cases.items()))
    lines += [f"cases: {sum(summary.cases.values())} ({by_origin})",
              f"late on arrival: {summary.late_on_arrival}",
              f"final statuses: {', '.join(f'{k} {v}' for k, v in sorted(summary.statuses.items()))}",
              "escalations per level: " + ", ".join(f"{k}: {v}" for k, v in sorted(summary.escalations.items())),
              f"people paged: {len(summary.pages_per_person)}; pages per person: max "
              f"{max(summary.pages_per_person.values(), default=0)}, total {sum(summary.pages_per_person.values())}",
              "pushes to LAPOR!: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.pushes.items())),
              "actions: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.actions.items())),
              f"ticks: {summary.ticks}; invariant checks run: {summary.checks}; violations: {len(summary.violations)}"]
    return "\n".join(lines + [f"  ! {v}" for v in summary.violations[:20]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--days", type=int, default=40, help="working days of simulated time")
    parser.add_argument("--tick-minutes", type=int, default=60)
    args = parser.parse_args()
    print(table(Simulation(seed=args.seed, working_days=args.days, tick_minutes=args.tick_minutes).run()))


if __name__ == "__main__":
    main()

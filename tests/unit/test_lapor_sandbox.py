"""The LAPOR! sandbox itself: its clock, acting as the people on LAPOR! (in Python and
over its admin API), unit accounts, seeds whose history agrees with their status, and the
in-process client (tests/lapor_portal_client.py) the lifecycle simulator uses."""
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests
from werkzeug.serving import make_server

from infra.lapor_sandbox.app import create_app
from infra.lapor_sandbox.portal import Portal
from infra.lapor_sandbox.seed import HORIZON, account_for, generate
from shared.adapters.catalog_files import load_catalog, load_routing_rules
from shared.adapters.lapor_client import report_from_wire
from shared.domain.clock.calendar import WIB
from shared.domain.integrations.lapor import Report
from shared.domain.routing import route
from shared.ports import LaporAuthError, LaporRejected, LaporUnavailable
from tests.lapor_portal_client import PortalClient

TOKEN = "sandbox-test-token"
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=WIB)


class Ticking:
    """A simulated clock: tests move it by hand."""
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Ticking(T0)


@pytest.fixture
def portal(clock):
    return Portal(TOKEN, count=30, seed=11, clock=clock)


def first(portal, status=None, disposed=None):
    return next(t for t, r in portal.reports.items() if (status is None or r["status"] == status)
                and (disposed is None or bool(r["disposisi"]) == disposed))


def changes_after(portal, cursor):
    return [r["tracking_id"] for r in portal.page(cursor, 100, False, False)["data"]]


# ---- the clock ---------------------------------------------------------------------------

def test_every_timestamp_the_portal_writes_comes_from_its_clock(portal, clock):
    tracking_id = first(portal, "Belum Ditindaklanjuti", disposed=False)
    portal.follow_up(tracking_id, "Diteruskan ke DLH.", "c-1~00002-follow_up")
    clock.now = T0 + timedelta(hours=3)
    portal.dispose(tracking_id, "metro-dlh", None, "c-1~00003-dispose")
    report = portal.reports[tracking_id]
    assert report["tindak_lanjut"][-1]["tanggal"] == T0.isoformat()
    assert report["disposisi"]["tanggal"] == report["diperbarui"] == clock.now.isoformat()
    tracking, _ = portal.submit({"judul": "Lampu mati", "isi": "Lampu PJU mati."}, "c-2~00001-submit")
    new = portal.reports[tracking["tracking_id"]]
    assert new["tanggal_lapor"] == new["tanggal_disposisi"] == new["diperbarui"] == clock.now.isoformat()
    added = portal.upsert({"tracking_id": "8800001"})
    assert added["tanggal_lapor"] == clock.now.isoformat() and added["status"] == "Belum Ditindaklanjuti"
    assert added["tindak_lanjut"] == [] and added["disposisi"] is None and added["versi"] == 1


def test_a_fixed_time_overrides_the_clock_until_cleared(portal, clock):
    fixed = datetime(2026, 12, 24, 14, 0, tzinfo=UTC)
    portal.set_clock(fixed)
    assert portal.now() == fixed and portal.clock_fixed
    portal.set_clock(None)
    assert portal.now() == T0 and not portal.clock_fixed
    with pytest.raises(ValueError):
        portal.set_clock(datetime(2026, 12, 24, 14, 0))
    assert abs(Portal(TOKEN, count=0).now() - datetime.now(UTC)) < timedelta(seconds=5)  # default: real


# ---- acting as the people on LAPOR! ------------------------------------------------------

def test_a_unit_answers_on_lapor_by_the_disposition_account_and_the_report_moves_to_proses(portal, clock):
    tracking_id = first(portal, "Belum Ditindaklanjuti", disposed=True)
    before, cursor = portal.reports[tracking_id], portal.seq
    account = before["disposisi"]["sub_instansi"]
    report = portal.act(tracking_id, "unit", "follow_up", isi="Petugas sudah ke lokasi.")
    assert report["status"] == "Proses" and report["versi"] == before["versi"] + 1
    assert report["tindak_lanjut"][-1] == {"id": report["tindak_lanjut"][-1]["id"], "oleh": "instansi",
                                           "isi": "Petugas sudah ke lokasi.", "tanggal": T0.isoformat(),
                                           "sub_instansi": account, "client_ref": None}
    assert changes_after(portal, cursor) == [tracking_id] and portal.seq == cursor + 1
    done = portal.act(tracking_id, "unit", "follow_up", isi="Sudah selesai.", sub_instansi="metro-dlh",
                      status="Selesai")
    assert done["status"] == "Selesai" and done["tindak_lanjut"][-1]["sub_instansi"] == "metro-dlh"
    later = portal.unit_follow_up(tracking_id, "Catatan tambahan.")
    assert later["status"] == "Selesai"  # no status given: a finished report stays finished


def test_a_unit_answer_needs_an_account_the_city_has(portal):
    undisposed = first(portal, "Belum Ditindaklanjuti", disposed=False)
    seq = portal.seq
    with pytest.raises(ValueError, match="not disposed"):
        portal.act(undisposed, "unit", "follow_up", isi="Siapa?")
    with pytest.raises(ValueError, match="unknown sub_instansi"):
        portal.act(undisposed, "unit", "follow_up", isi="Siapa?", sub_instansi="metro-dinas-hantu")
    with pytest.raises(ValueError):
        portal.act(undisposed, "unit", "follow_up", isi="Siapa?", sub_instansi="metro-dlh", status="Arsip")
    with pytest.raises(KeyError):
        portal.act("404", "reporter", "reply", isi="Halo")
    with pytest.raises(ValueError, match="unknown act"):
        portal.act(undisposed, "reporter", "close")
    with pytest.raises(TypeError):
        portal.act(undisposed, "reporter", "reply", isi="Halo", lampiran="x")
    assert portal.seq == seq  # nothing changed


def test_the_admin_disposes_and_closes_and_the_reporter_replies(portal, clock):
    tracking_id = first(portal, "Belum Ditindaklanjuti", disposed=False)
    versi = portal.reports[tracking_id]["versi"]
    disposed = portal.act(tracking_id, "admin", "dispose", sub_instansi="metro-kel-yosodadi")
    assert disposed["disposisi"] == {"sub_instansi": "metro-kel-yosodadi", "tanggal": T0.isoformat(),
                                     "client_ref": None}
    assert disposed["status"] == "Belum Ditindaklanjuti"
    clock.now += timedelta(days=1)
    replied = portal.act(tracking_id, "reporter", "reply", isi="Mohon segera.")
    assert replied["tindak_lanjut"][-1]["oleh"] == "pelapor" and replied["tindak_lanjut"][-1]["sub_instansi"] is None
    closed = portal.act(tracking_id, "admin", "close", status="Arsip")
    assert closed["status"] == "Arsip" and closed["versi"] == versi + 3
    assert portal.admin_close(tracking_id)["status"] == "Selesai"
    with pytest.raises(ValueError):
        portal.act(tracking_id, "admin", "close", status="Proses")
    assert portal.received()["dispositions"] == []  # acts on LAPOR! are not what Sigap sent


# ---- over HTTP ----------------------------------------------------------------------------

@pytest.fixture
def served(portal):
    server = make_server("127.0.0.1", 0, create_app(portal), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_acts_accounts_and_the_clock_over_the_admin_api(portal, served):
    tracking_id = first(portal, "Belum Ditindaklanjuti", disposed=False)
    accounts = requests.get(f"{served}/_sandbox/accounts", timeout=5).json()["accounts"]
    assert {"sub_instansi": "metro-dlh", "nama": "Dinas Lingkungan Hidup"} in accounts
    assert len(accounts) == len(load_catalog().units)
    clock = requests.put(f"{served}/_sandbox/clock", json={"now": "2026-12-08T10:00:00+07:00"}, timeout=5)
    assert clock.json() == {"now": "2026-12-08T10:00:00+07:00", "fixed": True}
    act = lambda body, t=tracking_id: requests.post(f"{served}/_sandbox/reports/{t}/act", json=body, timeout=5)  # noqa
    answer = act({"as": "admin", "action": "dispose", "sub_instansi": "metro-dlh"})
    assert answer.status_code == 200 and answer.json()["data"]["disposisi"]["tanggal"] == "2026-12-08T10:00:00+07:00"
    answer = act({"as": "unit", "action": "follow_up", "isi": "Sudah diangkut.", "status": None})
    assert answer.json()["data"]["status"] == "Proses"
    assert answer.json()["data"]["tindak_lanjut"][-1]["sub_instansi"] == "metro-dlh"
    assert act({"as": "reporter", "action": "reply", "isi": "Terima kasih."}).status_code == 200
    assert act({"as": "admin", "action": "close", "status": "Selesai"}).json()["data"]["status"] == "Selesai"
    assert act({"as": "admin", "action": "dispose", "sub_instansi": "metro-dinas-hantu"}).status_code == 422
    assert act({"as": "tamu", "action": "reply", "isi": "x"}).status_code == 422
    assert act({"as": "reporter", "action": "reply", "isi": "x"}, t="404").status_code == 404
    assert requests.put(f"{served}/_sandbox/clock", json={"now": "2026-12-08T10:00:00"}, timeout=5).status_code == 422
    assert requests.delete(f"{served}/_sandbox/clock", timeout=5).json() == {"now": T0.isoformat(), "fixed": False}


def test_a_fault_on_dispose_is_served_like_on_the_other_endpoints(portal, served):
    tracking_id = first(portal)
    portal.set_faults({"dispose": [{"kind": "error", "status": 503}]})
    url, headers = f"{served}/api/v1/reports/{tracking_id}/disposisi", {"Authorization": f"Bearer {TOKEN}"}
    body = {"sub_instansi": "metro-dlh", "catatan": None, "client_ref": "c-1~00002-dispose"}
    assert requests.post(url, json=body, headers=headers, timeout=5).status_code == 503
    assert requests.post(url, json=body, headers=headers, timeout=5).status_code == 200
    assert requests.post(url, json={**body, "client_ref": None}, headers=headers, timeout=5).status_code == 422
    received = portal.received()
    assert received["requests"]["dispose"] == 3 and len(received["dispositions"]) == 1


# ---- seeds ----------------------------------------------------------------------------------

def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.mark.parametrize("count, seed", [(300, 2026), (120, 7), (40, 99)])
def test_seeded_history_agrees_with_the_status(count, seed):
    reports = generate(count, seed)
    for r in reports:
        disposed, items, disposition = _at(r["tanggal_disposisi"]), r["tindak_lanjut"], r["disposisi"]
        local = disposed.astimezone(WIB)
        assert local.date().isoformat()[:7] in ("2026-09", "2026-10", "2026-11") and local.weekday() < 5
        assert 8 <= local.hour < 16 and _at(r["tanggal_lapor"]) < disposed
        times = [_at(i["tanggal"]) for i in items]
        assert times == sorted(times) and all(disposed < t <= _at(r["diperbarui"]) <= HORIZON for t in times)
        instansi = [i for i in items if i["oleh"] == "instansi"]
        if r["status"] == "Belum Ditindaklanjuti":
            assert instansi == [], r["tracking_id"]
            continue
        assert r["status"] in ("Proses", "Selesai") and disposition is not None, r["tracking_id"]
        assert instansi and all(i["sub_instansi"] == disposition["sub_instansi"] for i in instansi)
        assert _at(instansi[0]["tanggal"]).astimezone(WIB).date() > _at(disposition["tanggal"]).astimezone(WIB).date()
        assert all(i["sub_instansi"] is None for i in items if i["oleh"] == "pelapor")
        assert _at(disposition["tanggal"]) >= disposed and disposition["client_ref"] is None
        if r["status"] == "Selesai":
            assert _at(r["diperbarui"]) > times[-1]  # closed after the last answer


def test_seeded_statuses_and_dispositions_look_like_the_city():
    reports = generate(300, 2026)
    shares = Counter(r["status"] for r in reports)
    assert 0.55 <= shares["Belum Ditindaklanjuti"] / 300 <= 0.68
    assert 0.25 <= shares["Proses"] / 300 <= 0.33 and 0.06 <= shares["Selesai"] / 300 <= 0.11
    untouched = [r for r in reports if r["status"] == "Belum Ditindaklanjuti"]
    assert 0 < sum(bool(r["disposisi"]) for r in untouched) < len(untouched) / 2  # some disposed, most not
    months = Counter(_at(r["tanggal_disposisi"]).month for r in reports)
    assert set(months) == {9, 10, 11} and min(months.values()) >= 80
    catalog = load_catalog()
    rules = load_routing_rules(catalog)
    for r in reports:
        if r["disposisi"]:  # the unit a plausible admin picks: the one Sigap's routing picks too
            decision = route(catalog, rules, title=r["judul"], description=r["isi"])
            assert catalog.unit_for_lapor_account(r["disposisi"]["sub_instansi"]).id == decision.unit_id, r["judul"]
    assert account_for("penerangan-jalan", "Yosodadi") == "metro-dinas-perkim"
    assert account_for("layanan-kelurahan", "Tejo Agung") == "metro-kel-tejo-agung"


def test_seeds_are_deterministic():
    assert generate(300, 5) == generate(300, 5) != generate(300, 6)
    a, b = Portal(TOKEN, count=50, seed=3), Portal(TOKEN, count=50, seed=3)
    assert [a.public(r) for r in a.reports.values()] == [b.public(r) for r in b.reports.values()]


def test_every_seeded_report_reads_through_the_wire_mapping():
    for raw in generate(300, 2026):
        report = report_from_wire(raw)
        assert report.version == 1 and (report.disposition is not None) == bool(raw["disposisi"])
        assert all(f.client_ref is None for f in report.follow_ups)


# ---- the in-process client -----------------------------------------------------------------

def test_the_in_process_client_speaks_the_contract(portal, clock):
    lapor = PortalClient(portal)
    seen: list[Report] = []
    cursor: str | None = None
    while True:
        page = lapor.changed_reports(cursor, 7)
        seen += page.reports
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert len({r.tracking_id for r in seen}) == 30 and lapor.changed_reports(cursor, 7).reports == ()
    tracking_id = first(portal, "Belum Ditindaklanjuti", disposed=False)
    lapor.dispose(tracking_id, "metro-dlh", "Sampah", "c-1~00002-dispose")
    lapor.dispose(tracking_id, "metro-dlh", "Sampah", "c-1~00002-dispose")
    assert lapor.post_follow_up(tracking_id, "Segera.", "c-1~00003-follow_up") == \
        lapor.post_follow_up(tracking_id, "Segera.", "c-1~00003-follow_up")
    lapor.change_status(tracking_id, "Proses", None, "c-1~00004-status")
    portal.act(tracking_id, "unit", "follow_up", isi="Sudah diangkut.")
    report = lapor.changed_reports(cursor, 7).reports[-1]
    assert report.tracking_id == tracking_id and report.version == 5 and report.status == "Proses"
    assert report.disposition.account == "metro-dlh" and report.disposition.client_ref == "c-1~00002-dispose"
    assert report.disposition.at == T0
    assert [(f.account, f.client_ref) for f in report.follow_ups] == [(None, "c-1~00003-follow_up"),
                                                                      ("metro-dlh", None)]
    tracking = lapor.submit({"title": "Lampu mati", "description": "Lampu PJU mati."}, "c-2~00001-submit")
    assert lapor.report(tracking).client_ref == "c-2~00001-submit"
    assert len(portal.received()["dispositions"]) == 1 and lapor.calls == sum(portal.received()["requests"].values())


def test_the_in_process_client_raises_what_the_http_client_would(portal):
    lapor = PortalClient(portal)
    tracking_id = first(portal)
    for call, status in [(lambda: lapor.report("404"), 404),
                         (lambda: lapor.dispose("404", "metro-dlh", None, "c-1~00002-dispose"), 404),
                         (lambda: lapor.dispose(tracking_id, "metro-dinas-hantu", None, "c-1~00003-dispose"), 422),
                         (lambda: lapor.change_status(tracking_id, "Selesai?", None, "c-1~00004-status"), 422),
                         (lambda: lapor.changed_reports("x", 5), 422)]:
        with pytest.raises(LaporRejected) as caught:
            call()
        assert caught.value.status == status
    portal.set_faults({"dispose": [{"kind": "timeout"}], "list": [{"kind": "rate_limit", "retry_after": 7}],
                       "status": [{"kind": "expired_token"}]})
    with pytest.raises(LaporUnavailable):  # the answer was lost; the work was done
        lapor.dispose(tracking_id, "metro-dlh", None, "c-1~00005-dispose")
    assert portal.reports[tracking_id]["disposisi"]["client_ref"] == "c-1~00005-dispose"
    with pytest.raises(LaporUnavailable) as unavailable:
        lapor.changed_reports(None, 5)
    assert (unavailable.value.status, unavailable.value.retry_after) == (429, 7)
    with pytest.raises(LaporAuthError):
        lapor.change_status(tracking_id, "Proses", None, "c-1~00006-status")

"""HttpLaporClient against the sandbox (in-process server on a free port): the wire
format (dispositions and follow-up accounts included), retries with backoff that honour
Retry-After, and every fault kind."""
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from werkzeug.serving import make_server

from infra.lapor_sandbox.app import create_app
from infra.lapor_sandbox.portal import Portal
from shared.adapters.lapor_client import CALL_RETRY, HttpLaporClient, report_from_wire
from shared.domain.integrations.lapor import Disposition
from shared.ports import LaporAuthError, LaporRejected, LaporUnavailable
from tests.fakes import FakeClock

TOKEN = "unit-sandbox-token"


@pytest.fixture(scope="module")
def sandbox():
    portal = Portal(TOKEN, count=0)
    server = make_server("127.0.0.1", 0, create_app(portal), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield portal, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def portal(sandbox):
    sandbox[0].reset(25, 7)
    return sandbox[0]


def client(sandbox, sleeps=None, **retry):
    return HttpLaporClient(sandbox[1], TOKEN, timeout=0.5, retry=replace(CALL_RETRY, **{"base_seconds": 0.01, **retry}),
                           sleep=(sleeps.append if sleeps is not None else lambda s: None))


def test_pages_cover_every_report_once_with_the_fields_mapped(sandbox, portal):
    lapor, cursor, seen = client(sandbox), None, []
    while True:
        page = lapor.changed_reports(cursor, 10)
        seen += page.reports
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert len(seen) == 25 and len({r.tracking_id for r in seen}) == 25 and lapor.calls == 3
    first = seen[0]
    assert first.title and first.content and first.kelurahan and first.version == 1 and first.disposed_at
    assert lapor.changed_reports(cursor, 10).reports == ()


def test_retry_after_is_honoured_and_5xx_bursts_are_retried(sandbox, portal):
    sleeps: list[float] = []
    portal.set_faults({"list": [{"kind": "rate_limit", "retry_after": 3}, {"kind": "error", "status": 502}]})
    page = client(sandbox, sleeps).changed_reports(None, 5)
    assert len(page.reports) == 5 and sleeps[0] >= 3  # both faults on the first call, then a clean one


@pytest.mark.parametrize("kind", ["truncated", "malformed", "timeout"])
def test_unreadable_or_late_answers_are_retried(sandbox, portal, kind):
    portal.set_faults({"list": [{"kind": kind, "count": 2, "seconds": 1.0}]})
    lapor = client(sandbox)
    assert len(lapor.changed_reports(None, 5).reports) == 5 and lapor.calls == 3


def test_retries_end_in_unavailable_and_a_long_retry_after_is_not_slept(sandbox, portal):
    portal.set_faults({"list": [{"kind": "error", "count": -1}]})
    with pytest.raises(LaporUnavailable):
        client(sandbox, max_attempts=3).changed_reports(None, 5)
    portal.set_faults({"list": [{"kind": "rate_limit", "retry_after": 3600}]})
    sleeps: list[float] = []
    with pytest.raises(LaporUnavailable) as caught:
        client(sandbox, sleeps).changed_reports(None, 5)
    assert caught.value.retry_after == 3600 and sleeps == []


def test_an_expired_token_is_an_auth_error_and_a_bad_request_is_rejected(sandbox, portal):
    portal.set_faults({"list": [{"kind": "expired_token"}]})
    with pytest.raises(LaporAuthError):
        client(sandbox).changed_reports(None, 5)
    with pytest.raises(LaporRejected):
        client(sandbox).changed_reports("not-a-cursor", 5)


def test_writes_are_idempotent_on_client_ref_even_when_the_answer_is_lost(sandbox, portal):
    lapor = client(sandbox)
    tracking_id = lapor.changed_reports(None, 1).reports[0].tracking_id
    portal.set_faults({"follow_up": [{"kind": "timeout", "seconds": 1.0}],
                       "submit": [{"kind": "truncated"}], "status": [{"kind": "malformed"}]})
    lapor.post_follow_up(tracking_id, "Sudah ditangani petugas.", client_ref="c-1~00002-follow_up")
    lapor.change_status(tracking_id, "Proses", None, client_ref="c-1~00003-status")
    first = lapor.submit({"title": "Lampu mati", "description": "Lampu jalan mati di depan SD."}, "c-2~00001-submit")
    again = lapor.submit({"title": "Lampu mati", "description": "Lampu jalan mati di depan SD."}, "c-2~00001-submit")
    received = requests.get(f"{sandbox[1]}/_sandbox/received", timeout=5).json()
    assert first == again and len(received["submissions"]) == 1
    assert len(received["follow_ups"]) == 1 and len(received["status_changes"]) == 1
    assert received["requests"]["follow_up"] == 2  # the first answer came too late: sent twice, applied once


def test_the_token_never_shows(sandbox):
    assert TOKEN not in repr(client(sandbox))


WIRE = {"tracking_id": 5100001, "versi": 4, "judul": "Sampah menumpuk", "isi": "Sampah tidak diangkut.",
        "status": "Proses", "tanggal_lapor": "2026-09-01T08:30:00+07:00"}


def test_disposition_and_follow_up_accounts_are_mapped_and_may_be_absent():
    report = report_from_wire({**WIRE, "disposisi": {"sub_instansi": "metro-dlh", "tanggal": "2026-09-02T09:00:00Z",
                                                     "client_ref": "lapor-5100001~00003-dispose"},
                               "tindak_lanjut": [
                                   {"id": "tl-1", "oleh": "instansi", "isi": "Diangkut besok.",
                                    "tanggal": "2026-09-03T10:00:00+07:00", "sub_instansi": "metro-dlh",
                                    "client_ref": "lapor-5100001~00004-follow_up"},
                                   {"id": "tl-2", "oleh": "pelapor", "isi": "Terima kasih.",
                                    "tanggal": "2026-09-03T19:00:00+07:00", "sub_instansi": None}]})
    assert report.disposition == Disposition("metro-dlh", datetime(2026, 9, 2, 9, tzinfo=UTC),
                                             "lapor-5100001~00003-dispose")
    first, second = report.follow_ups
    assert (first.author, first.account, first.client_ref) == ("instansi", "metro-dlh", "lapor-5100001~00004-follow_up")
    assert (second.author, second.account, second.client_ref) == ("pelapor", None, None)
    admin_disposed = report_from_wire({**WIRE, "disposisi": {"sub_instansi": "metro-dlh",
                                                             "tanggal": "2026-09-02T09:00:00+07:00"}})
    assert admin_disposed.disposition.client_ref is None
    bare = report_from_wire({**WIRE, "tindak_lanjut": [{"id": "tl-1", "oleh": "admin", "isi": "Diteruskan.",
                                                        "tanggal": "2026-09-02T09:00:00+07:00"}]})
    assert bare.disposition is None and report_from_wire({**WIRE, "disposisi": None}).disposition is None
    assert (bare.follow_ups[0].account, bare.follow_ups[0].client_ref) == (None, None)


def test_dispose_is_idempotent_on_client_ref_and_shows_on_the_report(sandbox, portal):
    lapor = client(sandbox)
    tracking_id = lapor.changed_reports(None, 1).reports[0].tracking_id
    before = lapor.report(tracking_id)
    portal.set_faults({"dispose": [{"kind": "timeout", "seconds": 1.0}]})  # done, but the answer comes too late
    lapor.dispose(tracking_id, "metro-dlh", "Sampah: kewenangan DLH", client_ref="lapor-1~00002-dispose")
    lapor.dispose(tracking_id, "metro-dlh", "Sampah: kewenangan DLH", client_ref="lapor-1~00002-dispose")
    after = lapor.report(tracking_id)
    assert after.disposition.account == "metro-dlh" and after.disposition.client_ref == "lapor-1~00002-dispose"
    assert after.version == before.version + 1
    received = requests.get(f"{sandbox[1]}/_sandbox/received", timeout=5).json()
    assert [(d["tracking_id"], d["sub_instansi"], d["client_ref"]) for d in received["dispositions"]] == [
        (tracking_id, "metro-dlh", "lapor-1~00002-dispose")]
    assert received["requests"]["dispose"] == 3  # lost answer, its retry, then the repeat: applied once
    answer = requests.post(f"{sandbox[1]}/api/v1/reports/{tracking_id}/disposisi", timeout=5,
                           headers={"Authorization": f"Bearer {TOKEN}"},
                           json={"sub_instansi": "metro-dinas-pupr", "catatan": None,
                                 "client_ref": "lapor-1~00002-dispose"})
    assert answer.status_code == 200 and answer.json() == {"data": {"tracking_id": tracking_id,
                                                                    "sub_instansi": "metro-dlh"}}


def test_dispose_to_an_unknown_account_or_report_is_rejected(sandbox, portal):
    lapor = client(sandbox)
    tracking_id = lapor.changed_reports(None, 1).reports[0].tracking_id
    with pytest.raises(LaporRejected) as caught:
        lapor.dispose(tracking_id, "metro-dinas-hantu", None, client_ref="lapor-1~00002-dispose")
    assert caught.value.status == 422 and lapor.calls == 2  # not retried
    with pytest.raises(LaporRejected) as caught:
        lapor.dispose("1", "metro-dlh", None, client_ref="lapor-1~00003-dispose")
    assert caught.value.status == 404
    assert lapor.report(tracking_id).version == 1


def test_a_follow_up_through_the_api_carries_its_client_ref_and_account(sandbox, portal):
    lapor = client(sandbox)
    tracking_id = lapor.changed_reports(None, 1).reports[0].tracking_id
    lapor.post_follow_up(tracking_id, "Petugas sudah ke lokasi.", "lapor-1~00004-follow_up", account="metro-dlh")
    lapor.post_follow_up(tracking_id, "Dari kota.", "lapor-1~00005-follow_up")
    ours, city = lapor.report(tracking_id).follow_ups[-2:]
    assert (ours.author, ours.account, ours.client_ref) == ("instansi", "metro-dlh", "lapor-1~00004-follow_up")
    assert (city.account, city.client_ref) == (None, "lapor-1~00005-follow_up")
    with pytest.raises(LaporRejected):
        lapor.post_follow_up(tracking_id, "Dari siapa?", "lapor-1~00006-follow_up", account="metro-dinas-hantu")


@pytest.fixture
def busy_until():
    """A platform answering 429 with ``Retry-After`` as an HTTP date (set per test), then a page."""
    answers: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            until = answers.pop(0) if answers else None
            body = b"{}" if until else json.dumps({"data": [], "has_more": False}).encode()
            self.send_response(429 if until else 200)
            if until:
                self.send_header("Retry-After", until)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield answers, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_retry_after_http_date_is_read_against_the_clock(busy_until):
    answers, url = busy_until
    clock, sleeps = FakeClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC)), list[float]()
    lapor = HttpLaporClient(url, TOKEN, timeout=2, retry=replace(CALL_RETRY, base_seconds=0.01),
                            sleep=sleeps.append, clock=clock)
    answers.append(format_datetime(clock.now() + timedelta(seconds=12), usegmt=True))
    assert lapor.changed_reports(None, 5).reports == () and sleeps == [12.0]
    answers.append(format_datetime(clock.now() + timedelta(hours=1), usegmt=True))
    with pytest.raises(LaporUnavailable) as caught:  # longer than the policy sleeps through: raised
        lapor.changed_reports(None, 5)
    assert caught.value.retry_after == 3600.0 and sleeps == [12.0]

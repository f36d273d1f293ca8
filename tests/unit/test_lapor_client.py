"""HttpLaporClient against the sandbox (in-process server on a free port): the wire
format, retries with backoff that honour Retry-After, and every fault kind."""
import threading

import pytest
import requests
from werkzeug.serving import make_server

from infra.lapor_sandbox.app import create_app
from infra.lapor_sandbox.portal import Portal
from shared.adapters.lapor_client import HttpLaporClient, RetryPolicy
from shared.ports import LaporAuthError, LaporRejected, LaporUnavailable

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
    return HttpLaporClient(sandbox[1], TOKEN, timeout=0.5, retry=RetryPolicy(**{"base_seconds": 0.01, **retry}),
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
    sleeps = []
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
        client(sandbox, attempts=3).changed_reports(None, 5)
    portal.set_faults({"list": [{"kind": "rate_limit", "retry_after": 3600}]})
    sleeps = []
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

"""Open311 GeoReport v2 on the real stack, read with the `georeport` client from PyPI."""
from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import requests
from georeport import GeoReport

from infra.local.stack import ROOT


@pytest.fixture
def api_key(stack):
    """Issued through the admin command, as an operator would."""
    out = subprocess.run([sys.executable, "-m", "infra.tools.api_keys", "create", "--owner", "Metro Smart City",
                          "--scope", "open311"], cwd=ROOT, env=stack.env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def post(api, key, **form):
    base = {"api_key": key, "lat": "-5.113", "long": "105.307"}
    return requests.post(f"{api.base}/open311/v2/requests.json", data={**base, **form}, timeout=30)


def test_submit_and_track_with_an_open311_client(api, api_key):
    sampah = [post(api, api_key, service_code="sampah-kebersihan",
                   description=f"Sampah menumpuk di TPS nomor {i}, sudah seminggu tidak diangkut.") for i in range(2)]
    secret = post(api, api_key, service_code="pungli-aparatur", description="Petugas meminta uang tambahan 200 ribu.",
                  first_name="Rahasia")
    assert [r.status_code for r in sampah + [secret]] == [201, 201, 201]
    ids = [r.json()[0]["service_request_id"] for r in sampah]
    for case_id in ids:
        api.wait_routed(case_id)

    for fmt in ("json", "xml"):
        client = GeoReport(f"{api.base}/open311/v2", output_format=fmt)
        assert {s["service_code"] for s in client.get_service_list()} >= {"drainase", "sampah-kebersihan"}
        found = client.get_service_requests(service_code="sampah-kebersihan", status="open")
        found = found if isinstance(found, list) else [found]  # xmltodict gives a dict for one item
        assert sorted(r["service_request_id"] for r in found) == sorted(ids), fmt
        one = client.get_service_request(ids[0])
        assert one["agency_responsible"] == "Dinas Lingkungan Hidup" and one["status"] == "open"
    definition = GeoReport(f"{api.base}/open311/v2").get_service_definition("layanan-kelurahan")
    assert definition["attributes"][0]["code"] == "kelurahan"


def test_a_secret_request_shows_no_text_and_no_reporter(api, api_key):
    response = post(api, api_key, service_code="pungli-aparatur", first_name="Sulastri",
                    **{"attribute[rahasia]": "true", "attribute[anonim]": "true"},
                    description="Oknum pegawai kelurahan meminta uang pelicin untuk surat.")
    case_id = response.json()[0]["service_request_id"]
    public = requests.get(f"{api.base}/open311/v2/requests/{case_id}.json", timeout=30)
    (view,) = public.json()
    assert "pelicin" not in public.text and "Sulastri" not in public.text
    assert set(view) == {"service_request_id", "status", "service_name", "service_code",
                         "requested_datetime", "updated_datetime"}


def test_date_window_and_closed_filter(api, api_key):
    case_id = post(api, api_key, service_code="drainase",
                   description="Got mampet di depan rumah, air meluap ke jalan.").json()[0]["service_request_id"]
    api.wait_routed(case_id)
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert requests.get(f"{api.base}/open311/v2/requests.json", params={"start_date": future},
                        timeout=30).json() == []
    assert requests.get(f"{api.base}/open311/v2/requests.json", params={"status": "closed"}, timeout=30).json() == []
    everything = requests.get(f"{api.base}/open311/v2/requests.json", timeout=30).json()
    assert [r["service_request_id"] for r in everything] == [case_id]

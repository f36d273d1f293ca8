"""``make demo``: posts one signed complaint to the running stack, as a city system
would, then shows the case after routing."""
from __future__ import annotations

import json
import os
import sys
import time
import uuid

import requests

from infra.local.run import local_settings
from shared.domain.integrations.signature import signed_headers


def main() -> int:
    settings = local_settings()
    base = f"http://127.0.0.1:{os.environ.get('SIGAP_GATEWAY_PORT', 8080)}"
    secret = json.loads(settings["SIGAP_INTAKE_SECRETS"])["demo"]
    body = json.dumps({
        "external_id": f"demo-{uuid.uuid4().hex[:8]}",
        "title": "Lampu jalan mati di Jl. Cendrawasih",
        "description": "Sudah dua minggu lampu PJU di depan rumah kami mati, jalan gelap sekali malam hari.",
        "location": {"kelurahan": "Iring Mulyo", "address": "Jl. Cendrawasih No. 12"},
        "reporter": {"name": "Warga", "anonymous": True},
        "channel": "demo",
    })
    created = requests.post(f"{base}/intake/sources/demo/complaints", data=body,
                            headers=signed_headers(secret, body), timeout=10)
    print(created.status_code, created.text)
    if created.status_code not in (200, 201):
        return 1
    auth = {"Authorization": f"Bearer {settings['SIGAP_ADMIN_TOKEN']}"}
    for _ in range(50):
        case = requests.get(f"{base}/cases/{created.json()['id']}", headers=auth, timeout=10).json()
        if case["status"] != "received":
            break
        time.sleep(0.2)
    print(json.dumps(case, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

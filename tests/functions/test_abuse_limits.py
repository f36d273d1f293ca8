"""Abuse limits through the real entry points (issue 14): 429 with Retry-After per source,
per API key and per client address, and the lockout after repeated failed authentications."""
import json

from shared.domain.api_keys import issue_key, key_digest
from shared.domain.integrations.signature import signed_headers
from tests.functions.conftest import ADMIN, SECRET
from tests.functions.test_intake_function import VALID

FREE = 10  # Settings.lockout_free_failures


def signed(body):
    raw = json.dumps(body)
    return raw, signed_headers(SECRET, raw)


def settings(app, **changes):
    app.settings = app.settings.model_copy(update=changes)


def test_a_source_over_its_rate_gets_429_with_retry_after(app, client):
    settings(app, limit_source_per_minute=3)
    answers = []
    for n in range(4):
        raw, headers = signed({**VALID, "external_id": f"x-{n}"})
        answers.append(client("intake").post("/sources/demo/complaints", data=raw, headers=headers))
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert answers[3].get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
    assert len(app.repo.cases) == 3


def test_an_address_over_its_rate_gets_429_before_anything_else(app, client):
    settings(app, limit_address_per_minute=2)
    codes = [client("intake").post("/sources/nope/complaints", data="{}").status_code for _ in range(3)]
    assert codes == [404, 404, 429]


def test_unknown_sources_stay_404_but_repeats_lock_the_address_out(app, client):
    codes = [client("intake").post("/sources/nope/complaints", data="{}").status_code for _ in range(FREE + 2)]
    assert codes[:FREE] == [404] * FREE and codes[FREE:] == [429, 429]
    raw, headers = signed(VALID)
    locked = client("intake").post("/sources/demo/complaints", data=raw, headers=headers)
    assert locked.status_code == 429 and not app.repo.cases
    app.clock.advance(seconds=int(locked.headers["Retry-After"]))
    assert client("intake").post("/sources/demo/complaints", data=raw, headers=headers).status_code == 201


def test_wrong_bearer_tokens_lock_out_with_back_off_even_the_right_one(app, client):
    wrong = {"Authorization": "Bearer wrong"}
    codes = [client("cases").get("/cases", headers=wrong).status_code for _ in range(FREE + 1)]
    assert codes == [401] * FREE + [429]
    first_lock = int(client("cases").get("/cases", headers=wrong).headers["Retry-After"])
    right = client("cases").get("/cases", headers={"Authorization": f"Bearer {ADMIN}"})
    assert right.status_code == 429  # a locked address's credential is not even looked at
    app.clock.advance(seconds=first_lock)
    assert client("cases").get("/cases", headers=wrong).status_code == 429
    assert int(client("cases").get("/cases", headers=wrong).headers["Retry-After"]) > first_lock // 2


def test_another_address_is_not_locked(app, client):
    for _ in range(FREE + 1):
        client("webhooks").get("/subscriptions", headers={"Authorization": "Bearer wrong"})
    other = client("webhooks").get("/subscriptions", headers={"Authorization": f"Bearer {ADMIN}"},
                                   environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200


def test_wrong_unit_keys_lock_out_and_a_unit_key_has_its_rate(app, client):
    key, plaintext = issue_key(owner="pu", scopes=("unit",), now=app.clock.now(), key_id="k1", secret="s" * 24,
                               unit_id="dlh")
    app.api_keys.add(key_digest(plaintext), key)
    settings(app, limit_key_per_minute=2)
    good = [client("units").get("/cases", headers={"X-Api-Key": plaintext}).status_code for _ in range(3)]
    assert good == [200, 200, 429]
    bad = [client("units").get("/cases", headers={"X-Api-Key": "nope"}).status_code for _ in range(FREE + 1)]
    assert bad == [401] * FREE + [429]


def test_the_client_address_trusts_only_our_proxies_entries():
    from flask import Request
    from werkzeug.test import EnvironBuilder

    from shared.web.limits import client_address

    def request(forwarded=None):
        headers = [("X-Forwarded-For", forwarded)] if forwarded else []
        return Request(EnvironBuilder(headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.9"}).get_environ())
    assert client_address(request("1.2.3.4"), 0) == "10.0.0.9"  # no proxy of ours: the header is the client's
    assert client_address(request("6.6.6.6, 203.0.113.7"), 1) == "203.0.113.7"  # a spoofed entry on the left
    assert client_address(request("6.6.6.6, 203.0.113.7, 35.191.0.1"), 2) == "203.0.113.7"
    assert client_address(request(), 1) == "10.0.0.9"

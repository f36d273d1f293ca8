"""The people's pages of the ``reports`` function (docs/people.md), in Bahasa Indonesia:

    GET  /masuk                    the sign-in form (e-mail, WhatsApp or Telegram address)
    POST /masuk                    sends a one-time sign-in link; the same answer whether or not
                                   the address is known (no probing who is registered)
    GET  /masuk/{token}            "Masuk sebagai ...": a button (mail scanners that open links
                                   must not spend the single use)
    POST /masuk/{token}            spends the link (once), sets the session cookie, 303 to the inbox
    GET|POST /keluar               signs out (clears the cookie)
    GET  /kasus/{id}[?t=...]       the case page: with a session, or with a signed case link
                                   addressed to its recipient (read-only)
    POST /kasus/{id}/{action}      an action, through the unit API's service (act_on_case): CSRF
                                   token and a hidden idempotency key on every form
    GET  /kotak-masuk[?unit=]      the inbox: a unit's open cases, what is due first; the cases
                                   it sent back, read-only
    GET  /unit/{unit}              the dashboard's drill-down for one unit (shared/web/people_unit.py)

A person sees what their role allows (shared/domain/people.py): an admin their unit, a
head the units under them, a coordinator everything; only admins (their unit) and
coordinators act. Sign-in requests are rate-limited per client address and per account.
"""
from __future__ import annotations

import hashlib
import json
import secrets as _random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Request, Response
from pydantic import ValidationError

from shared import logs
from shared.config import ConfigError
from shared.delivery.state import Delivery
from shared.domain.case import Case
from shared.domain.integrations.notifications import Channel, channel_id
from shared.domain.people import People, Person, build_people
from shared.domain.unit_actions import Refusal
from shared.services.unit_actions import act_on_case, sent_back_by
from shared.web import links, people_session
from shared.web.limits import client_address
from shared.web.people_templates import error_page, render
from shared.web.people_views import ACTION_DONE, ACTION_LABEL, STATUS_TEXT, case_page, inbox_groups, sent_back_rows
from shared.web.people_views import when as when_text
from shared.web.refusals import http_status
from shared.web.routing import Param, Route, Router
from shared.web.schemas import CASE_ID_PATTERN
from shared.web.unit_bodies import BODIES

PREFIXES = ("/masuk", "/keluar", "/kasus", "/kotak-masuk", "/unit")
SIGN_IN_PER_ADDRESS = (10, 60.0)    # sign-in requests from one client address per minute
SIGN_IN_PER_ACCOUNT = (3, 900.0)    # links sent to one person per 15 minutes
INBOX_LIMIT = 200
FORM_ACTIONS = ("acknowledge", "follow_up", "wait_reporter", "resume", "resolve", "request_reroute", "reassign",
                "accept", "reject")
_FIELD_TEXT = {"text": "Tindak lanjut (5 sampai 5000 karakter)", "reason": "Alasan (5 sampai 1000 karakter)",
               "resolution": "Penyelesaian (10 sampai 5000 karakter)", "note": "Catatan (paling banyak 1000 karakter)",
               "visibility": "Ditampilkan kepada", "unit_id": "Unit tujuan", "suggested_unit": "Unit yang disarankan"}
_REFUSED = {Refusal.CASE_NOT_FOUND: "Kasus tidak ditemukan atau bukan kewenangan unit Anda.",
            Refusal.COORDINATOR_ONLY: "Hanya koordinator (Diskominfo) yang dapat melakukan ini.",
            Refusal.IDEMPOTENCY_KEY_REUSED: "Formulir ini sudah dipakai untuk isian lain. Muat ulang halaman, "
                                            "lalu coba lagi.",
            Refusal.UNKNOWN_UNIT: "Unit itu tidak dikenal."}


def handles(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PREFIXES)


# ---- who is asking ----------------------------------------------------------------------------

def people_of(app: Any) -> People:
    found = getattr(app, "people", None)
    return found if isinstance(found, People) else build_people(app.escalation.contacts, app.catalog)


@dataclass(frozen=True)
class Viewer:
    person: Person | None
    session: people_session.Session | None
    csrf: str


def viewer_of(request: Request, app: Any, secret: str) -> Viewer:
    session = people_session.of_request(request, secret=secret, now=app.clock.now())
    person = people_of(app).get(session.person_id) if session else None
    if person is None:
        return Viewer(None, None, "")
    return Viewer(person, session, people_session.csrf_token(session, secret) if session else "")


def _ctx(viewer: Viewer) -> dict[str, Any]:
    return {"person": viewer.person, "csrf": viewer.csrf}


def _secret(app: Any) -> str | None:
    try:
        return str(app.settings.require_link_secret())
    except ConfigError:
        return None


def _not_configured(request: Request) -> Response:
    logs.error("people's pages need SIGAP_LINK_SECRET")
    return error_page(request, 503, "Belum dapat dipakai",
                      "Halaman ini belum dikonfigurasi (kunci tautan belum diatur). Hubungi admin Sigap.")


# ---- sign-in ----------------------------------------------------------------------------------

def _sign_in_form(request: Request, app: Any, secret: str) -> Response:
    return render("masuk.html", request, sent=False, problem=None, address=None, minutes=_minutes(),
                  **_ctx(viewer_of(request, app, secret)))


def _minutes() -> int:
    return int(links.SIGN_IN_TTL.total_seconds() // 60)


def _limited(app: Any, key: str, limit: tuple[int, float]) -> int | None:
    """Seconds to wait when ``key`` is over ``limit``; None while within it (or without limits)."""
    limits = getattr(app, "limits", None)
    if limits is None:
        return None
    decision = limits.hit(key, limit=limit[0], window_seconds=limit[1])
    return None if decision.allowed else max(1, int(decision.retry_after_seconds))


def _too_many(request: Request, wait: int) -> Response:
    minutes = max(1, (wait + 59) // 60)
    return error_page(request, 429, "Terlalu sering", f"Terlalu banyak permintaan masuk. Coba lagi dalam {minutes} "
                      "menit.", headers={"Retry-After": str(wait)})


def _request_link(request: Request, app: Any, secret: str) -> Response:
    address = (request.form.get("alamat") or "").strip()[:254]
    client = client_address(request, getattr(app.settings, "trusted_proxy_hops", 0))
    if (wait := _limited(app, f"signin:addr:{client}", SIGN_IN_PER_ADDRESS)) is not None:
        logs.warning("sign-in limited", per="address", retry_after=wait)
        return _too_many(request, wait)
    if not address:
        return render("masuk.html", request, 422, sent=False, address=None, minutes=_minutes(),
                      problem="Isi alamat e-mail, nomor WhatsApp, atau akun Telegram Anda.")
    person = people_of(app).find(address)
    if person is not None:
        if (wait := _limited(app, f"signin:account:{person.id}", SIGN_IN_PER_ACCOUNT)) is not None:
            logs.warning("sign-in limited", per="account", retry_after=wait)
            return _too_many(request, wait)
        _send_link(request, app, secret, person, address)
    else:
        logs.info("sign-in requested for an unknown address")  # the address itself is not logged
    return render("masuk.html", request, sent=True, problem=None, address=None, minutes=_minutes())


def _channel_for(person: Person, typed: str, available: frozenset[str]) -> str | None:
    """The channel the person typed an address of, when it is configured; else e-mail, Telegram, WhatsApp."""
    from shared.domain.people import normalize_address
    order = [c for c in ("email", "whatsapp", "telegram") if normalize_address(c, typed) is not None]
    order += [c for c in ("email", "telegram", "whatsapp") if c not in order]
    for channel in order:
        if channel in available and person.addresses.get(channel):
            return channel
    return None


def sign_in_text(person: Person, url: str) -> tuple[str, str]:
    """The subject and text of the sign-in message (Bahasa Indonesia)."""
    return ("[Sigap] Tautan masuk",
            f"Yth. {person.name},\n\nGunakan tautan berikut untuk masuk ke Sigap Kota Metro. Tautan berlaku "
            f"{_minutes()} menit dan hanya satu kali:\n{url}\n\nJika Anda tidak meminta tautan ini, abaikan pesan ini.")


def _send_link(request: Request, app: Any, secret: str, person: Person, typed: str) -> bool:
    sender = getattr(app, "notification_sender", None)
    if sender is None:
        logs.error("sign-in link not sent: no notification sender")
        return False
    channel = _channel_for(person, typed, frozenset(sender.channels()))
    if channel is None:
        logs.warning("sign-in link not sent: no configured channel for the person", person=person.id)
        return False
    now = app.clock.now()
    url = links.sign_in_url(app.settings.public_base_url, person.id, secret=secret, now=now)
    subject, text = sign_in_text(person, url)
    message_id = f"sign-in-{_random.token_hex(8)}"
    payload = {"id": message_id, "type": "person.sign_in", "occurred_at": now.isoformat(), "case_id": "",
               "data": {"address": person.addresses[channel], "name": person.name, "subject": subject, "text": text}}
    delivery = Delivery(message_id, channel_id(channel), message_id, "person.sign_in", payload, now, now)
    outcome = sender.send(Channel(channel), delivery, now)
    ok = outcome.status is not None and 200 <= int(outcome.status) < 300 or outcome.status == 250
    logs.info("sign-in link sent" if ok else "sign-in link not delivered", person=person.id, channel=channel,
              error=None if ok else outcome.error)
    return bool(ok)


def _link_problem(request: Request, reason: str) -> Response:
    texts = {"expired": ("Tautan kedaluwarsa", "Tautan masuk ini sudah tidak berlaku. Minta tautan baru."),
             "used": ("Tautan sudah dipakai", "Tautan masuk hanya dapat dipakai satu kali. Minta tautan baru."),
             "unknown": ("Tautan tidak berlaku", "Orang yang dituju tautan ini tidak lagi terdaftar.")}
    heading, message = texts.get(reason, ("Tautan tidak sah", "Tautan masuk ini tidak sah. Minta tautan baru."))
    return error_page(request, 410 if reason in ("expired", "used") else 400, heading, message,
                      back_label="Minta tautan baru")


def _auth_locked(request: Request, app: Any) -> Response | None:
    limits = getattr(app, "limits", None)
    if limits is None:
        return None
    decision = limits.locked(f"auth:{client_address(request, getattr(app.settings, 'trusted_proxy_hops', 0))}")
    return None if decision.allowed else _too_many(request, max(1, int(decision.retry_after_seconds)))


def _auth_failed(request: Request, app: Any) -> None:
    limits = getattr(app, "limits", None)
    if limits is not None:
        limits.fail(f"auth:{client_address(request, getattr(app.settings, 'trusted_proxy_hops', 0))}")


def _checked_link(request: Request, app: Any, secret: str, token: str) -> tuple[links.SignIn, Person] | Response:
    if (locked := _auth_locked(request, app)) is not None:
        return locked
    try:
        sign_in = links.verify_sign_in_token(token, secret=secret, now=app.clock.now())
    except links.LinkRefused as refused:
        if refused.reason == "invalid":
            _auth_failed(request, app)
        return _link_problem(request, refused.reason)
    person = people_of(app).get(sign_in.person_id)
    return _link_problem(request, "unknown") if person is None else (sign_in, person)


def _confirm_link(request: Request, app: Any, secret: str, token: str) -> Response:
    checked = _checked_link(request, app, secret, token)
    if isinstance(checked, Response):
        return checked
    _, person = checked
    return render("masuk_tautan.html", request, who=person, unit_name=app.catalog.unit(person.unit_id).name,
                  token=token)


def _use_link(request: Request, app: Any, secret: str, token: str) -> Response:
    checked = _checked_link(request, app, secret, token)
    if isinstance(checked, Response):
        return checked
    sign_in, person = checked
    nonces = getattr(app, "used_nonces", None)
    if nonces is None or not nonces.use(sign_in.nonce, sign_in.expires_at + timedelta(days=1)):
        logs.warning("sign-in link reused", person=person.id)
        return _link_problem(request, "used")
    logs.info("signed in", person=person.id)
    response = Response(status=303, headers={"Location": "../" + ("dashboard" if person.coordinator
                                                                  else "kotak-masuk")})
    return people_session.set_cookie(response, people_session.issue(person.id, secret=secret, now=app.clock.now()),
                                     request)


def _sign_out(request: Request, app: Any, secret: str) -> Response:
    from shared.web import dashboard_session
    viewer = viewer_of(request, app, secret)
    if request.method == "POST" and viewer.session is not None and not people_session.csrf_ok(
            viewer.session, request.form.get(people_session.CSRF_FIELD), secret):
        return _csrf_refused(request, viewer)
    response = Response(status=303, headers={"Location": "masuk"})
    response.delete_cookie(dashboard_session.COOKIE, path="/")
    return people_session.clear_cookie(response, request)


def _csrf_refused(request: Request, viewer: Viewer) -> Response:
    logs.warning("form refused: CSRF token missing or wrong")
    return error_page(request, 403, "Formulir kedaluwarsa", "Formulir ini tidak dapat diterima (token keamanan "
                      "tidak cocok). Muat ulang halaman, lalu coba lagi.", back_href="kotak-masuk",
                      back_label="Ke kotak masuk", **_ctx(viewer))


def _must_sign_in(request: Request) -> Response:
    return render("masuk.html", request, 401, sent=False, address=None, minutes=_minutes(),
                  problem="Silakan masuk dahulu.")


# ---- the case page ----------------------------------------------------------------------------

def _not_found(request: Request, viewer: Viewer) -> Response:
    return error_page(request, 404, "Kasus tidak ditemukan", "Kasus tidak ditemukan atau bukan kewenangan Anda.",
                      back_href="kotak-masuk" if viewer.person else "masuk",
                      back_label="Ke kotak masuk" if viewer.person else "Ke halaman masuk", **_ctx(viewer))


def _case(request: Request, app: Any, secret: str, case_id: str, *, flash: str | None = None,
          flash_kind: str | None = None, status: int = 200) -> Response:
    viewer = viewer_of(request, app, secret)
    person = viewer.person
    token = request.args.get("t")
    case = app.repo.get(case_id)
    if person is None and not token:
        return _must_sign_in(request)
    recipient: Person | None = None
    if token:
        try:
            addressed = links.verify_case_token(token, case_id, secret=secret, now=app.clock.now())
        except links.LinkRefused as refused:
            heading = "Tautan kedaluwarsa" if refused.reason == "expired" else "Tautan tidak sah"
            return error_page(request, 410 if refused.reason == "expired" else 403, heading,
                              "Tautan kasus ini tidak berlaku lagi. Masuk untuk membuka kasusnya.", **_ctx(viewer))
        recipient = people_of(app).resolve(addressed)
        if recipient is None:
            return error_page(request, 403, "Tautan tidak berlaku", "Penerima tautan ini tidak lagi terdaftar.",
                              **_ctx(viewer))
    if case is None:
        return _not_found(request, viewer)
    timeline = app.repo.timeline(case.id)
    sent_back, note = False, None
    if person is not None and person.sees(case.unit_id):
        reader: Person | None = person
    elif person is not None and any(sent_back_by(timeline, u) for u in sorted(person.units)):
        reader, sent_back = person, True
    elif recipient is not None and (person is None or person.id == recipient.id):
        reader = None
        note = (f"Tautan ini untuk {recipient.name}. Hanya dapat dibaca" +
                ("." if person else "; untuk bertindak, masuk terlebih dahulu."))
    elif recipient is not None:
        logs.warning("case link opened by another person", case_id=case.id)
        return error_page(request, 403, "Tautan untuk orang lain",
                          "Tautan ini ditujukan kepada orang lain, dan kasusnya bukan kewenangan Anda.",
                          back_href="kotak-masuk", back_label="Ke kotak masuk", **_ctx(viewer))
    else:
        return _not_found(request, viewer)
    page = case_page(case, timeline, app.catalog, app.escalation, app.clock.now(), people_of(app), reader,
                     sent_back=sent_back)
    done = request.args.get("hasil")
    if flash is None and done in ACTION_DONE and person is not None:
        flash = ACTION_DONE[done]
    idem = {a: _random.token_urlsafe(12) for a in page.actions}
    units = sorted(app.catalog.units.values(), key=lambda u: u.name)
    return render("kasus.html", request, status, page=page, read_only_note=note, labels=ACTION_LABEL, idem=idem,
                  units=units, received=when_text(case.created_at, app.escalation), flash=flash,
                  flash_kind=flash_kind, **_ctx(viewer))


def _form_params(action: str, form: Mapping[str, str]) -> dict[str, Any]:
    model = BODIES[action]
    params: dict[str, Any] = {}
    for name in model.model_fields:
        value = (form.get(name) or "").strip()
        if value:
            params[name] = value
    return params


def _act(request: Request, app: Any, secret: str, case_id: str, action: str) -> Response:
    viewer = viewer_of(request, app, secret)
    person = viewer.person
    if person is None or viewer.session is None:
        return _must_sign_in(request)
    if not people_session.csrf_ok(viewer.session, request.form.get(people_session.CSRF_FIELD), secret):
        return _csrf_refused(request, viewer)
    case = app.repo.get(case_id)
    if case is None or not person.sees(case.unit_id):
        return _not_found(request, viewer)
    if not person.acts_on(case.unit_id):
        return _case(request, app, secret, case_id, status=403, flash_kind="err",
                     flash="Anda dapat membaca kasus ini, tetapi tindakan dilakukan oleh admin unitnya.")
    key = (request.form.get("idem") or "").strip()[:255]
    try:
        params = BODIES[action].model_validate(_form_params(action, request.form)).model_dump()
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() and exc.errors()[0]["loc"] else ""
        return _case(request, app, secret, case_id, status=422, flash_kind="err",
                     flash=f"Periksa isian: {_FIELD_TEXT.get(field, field)}.")
    fingerprint = hashlib.sha256(f"{case_id}\n{action}\n{json.dumps(params, sort_keys=True)}".encode()).hexdigest()
    answer = act_on_case(case_id, action, params, actor=person.actor(), idempotency_key=key or None,
                         fingerprint=fingerprint, uow=app.uow, publisher=app.publisher, clock=app.clock,
                         catalog=app.catalog, rules=app.escalation.rules if app.escalation else None,
                         corrections=getattr(app, "routing_learning", None))  # issue 12: routing learns
    if answer.refused is not None:
        return _case(request, app, secret, case_id, status=http_status(answer.refused), flash_kind="err",
                     flash=_refusal_text(answer.refused, action, case))
    return Response(status=303, headers={"Location": f"../{case_id}?hasil={action}"})


def _refusal_text(kind: Refusal, action: str, case: Case) -> str:
    if kind is Refusal.INVALID_TRANSITION:
        return (f"'{ACTION_LABEL.get(action, action)}' tidak berlaku untuk kasus berstatus "
                f"'{STATUS_TEXT.get(case.status.value, case.status.value)}'. Halaman ini menampilkan keadaan terbaru.")
    if kind is Refusal.MISSING_IDEMPOTENCY_KEY:
        return "Formulir tidak lengkap. Muat ulang halaman, lalu coba lagi."
    return _REFUSED.get(kind, "Tindakan tidak dapat dilakukan.")


# ---- the inbox --------------------------------------------------------------------------------

def _inbox(request: Request, app: Any, secret: str) -> Response:
    viewer = viewer_of(request, app, secret)
    person = viewer.person
    if person is None:
        return _must_sign_in(request)
    catalog = app.catalog
    choices = sorted((catalog.units[u] for u in person.units if u in catalog.units), key=lambda u: u.name)
    if person.coordinator:
        choices = sorted(catalog.units.values(), key=lambda u: u.name)
    wanted = request.args.get("unit") or (catalog.triage_unit if person.coordinator else person.unit_id)
    if wanted not in catalog.units or not person.sees(wanted):
        return _not_found(request, viewer)
    page = app.repo.list_for_unit(unit_id=wanted, status=None, category=None, due_before=None,
                                  page_size=INBOX_LIMIT, page_token=None)
    now = app.clock.now()
    groups = inbox_groups(page.cases, catalog, app.escalation, now)
    back_ids = app.repo.sent_back_by(wanted, 50) if hasattr(app.repo, "sent_back_by") else []
    back = {i: c for i, c in app.repo.get_many(back_ids).items() if c.unit_id != wanted} if back_ids else {}
    return render("kotak_masuk.html", request, unit=catalog.unit(wanted), choices=choices, groups=groups,
                  sent_back=sent_back_rows(back, catalog), acts=person.acts_on(wanted),
                  truncated=page.next_page_token is not None, limit=INBOX_LIMIT, **_ctx(viewer))


# ---- routing ----------------------------------------------------------------------------------

_ID = {"case_id": Param(CASE_ID_PATTERN, "the case id")}
_TOKEN = {"token": Param(r"[A-Za-z0-9_.\-]{10,1000}", "a sign-in token")}
ROUTER = Router([
    Route("/masuk", "GET", _sign_in_form, None),
    Route("/masuk", "POST", _request_link, None),
    Route("/masuk/{token}", "GET", _confirm_link, None, params=_TOKEN),
    Route("/masuk/{token}", "POST", _use_link, None, params=_TOKEN),
    Route("/keluar", "GET", _sign_out, None),
    Route("/keluar", "POST", _sign_out, None),
    Route("/kasus/{case_id}", "GET", _case, None, params=_ID),
    *(Route(f"/kasus/{{case_id}}/{action}", "POST", _act, None, params=_ID, defaults={"action": action})
      for action in FORM_ACTIONS),
    Route("/kotak-masuk", "GET", _inbox, None),
])


def handle(request: Request, app: Any) -> Response:
    secret = _secret(app)
    if secret is None:
        return _not_configured(request)
    if request.path.startswith("/unit"):
        from shared.web import people_unit
        return people_unit.handle(request, app, secret)
    match = ROUTER.match(request)
    if match.route is None:
        viewer = viewer_of(request, app, secret)
        if match.allowed:
            return error_page(request, 405, "Tidak dapat dilakukan", "Alamat ini tidak menerima permintaan itu.",
                              headers={"Allow": ", ".join(match.allowed)}, **_ctx(viewer))
        return error_page(request, 404, "Halaman tidak ditemukan", "Halaman ini tidak ada.", **_ctx(viewer))
    return match.route.handler(request, app, secret, **match.values)

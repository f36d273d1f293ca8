"""A browser session for the dashboard: a coordinator types the admin token once into a
form (Bahasa Indonesia); the answer is an HttpOnly, SameSite=Strict cookie holding an
expiry signed with HMAC keyed by the token, never the token itself. Changing the token
ends every session."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import Response

COOKIE = "sigap_dasbor"
LIFETIME = timedelta(hours=8)  # one working day


def _sign(token: str, expires: int) -> str:
    return hmac.new(token.encode(), f"dasbor:{expires}".encode(), hashlib.sha256).hexdigest()


def session_value(token: str, now: datetime) -> str:
    expires = int((now + LIFETIME).timestamp())
    return f"{expires}.{_sign(token, expires)}"


def session_valid(value: str | None, token: str, now: datetime) -> bool:
    try:
        expires_text, signature = (value or "").split(".", 1)
        expires = int(expires_text)
    except ValueError:
        return False
    return expires > now.timestamp() and hmac.compare_digest(signature, _sign(token, expires))


def login_form(failed: bool = False, status: int = 401) -> Response:
    note = '<p class="salah">Token tidak cocok. Coba lagi.</p>' if failed else ""
    page = f"""<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Masuk - Dasbor Sigap</title>
<style>body{{font-family:sans-serif;max-width:26rem;margin:4rem auto}}input,button{{font-size:1rem;padding:.5rem;
width:100%;box-sizing:border-box;margin:.3rem 0}}.salah{{color:#b00020}}</style></head><body>
<h1>Dasbor Sigap Kota Metro</h1><p>Masukkan token admin untuk membuka dasbor kinerja SP4N-LAPOR!.</p>{note}
<form method="post" action="login"><label for="token">Token admin</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Masuk</button></form></body></html>"""
    return Response(page, status=status, mimetype="text/html")


def login(given: str, token: str, now: datetime, secure: bool) -> Response:
    """303 to the dashboard with the session cookie when ``given`` is the admin token; else the form again."""
    if not hmac.compare_digest(given.encode(), token.encode()):
        return login_form(failed=True)
    response = Response(status=303, headers={"Location": "dashboard"})
    response.set_cookie(COOKIE, session_value(token, now), max_age=int(LIFETIME.total_seconds()), httponly=True,
                        samesite="Strict", secure=secure, path="/")
    return response

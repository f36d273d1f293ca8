"""A browser session for the dashboard: a coordinator types the admin token once into a
form (Bahasa Indonesia); the answer is an HttpOnly, SameSite=Strict cookie holding an
expiry signed with HMAC keyed by the token, never the token itself. Changing the token
ends every session."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import Response

from shared.web.responses import html_response

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
    if not signature.isascii():  # a cookie is bytes the browser chose: compare_digest takes ASCII text only
        return False
    return expires > now.timestamp() and hmac.compare_digest(signature, _sign(token, expires))


def login_form(failed: bool = False, status: int = 401, root: str = "./") -> Response:
    """The dashboard's door: personal sign-in (a one-time link) first; the admin token below."""
    note = '<p class="salah">Token tidak cocok. Coba lagi.</p>' if failed else ""
    page = f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Masuk - Dasbor Sigap</title>
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem}}input,button,.tombol{{
font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box;margin:.3rem 0}}.salah{{color:#b00020}}
.tombol{{display:block;text-align:center;background:#1f6fb2;color:#fff;border-radius:4px;text-decoration:none}}
details{{margin-top:2rem}}</style></head><body>
<h1>Dasbor Sigap Kota Metro</h1><p>Koordinator dan pimpinan masuk dengan tautan sekali pakai yang dikirim ke
e-mail, WhatsApp, atau Telegram yang terdaftar.</p>
<a class="tombol" href="{root}masuk">Masuk dengan tautan</a>{note}
<details{" open" if failed else ""}><summary>Masuk dengan token admin</summary>
<form method="post" action="{root}login"><label for="token">Token admin</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Masuk</button></form></details></body></html>"""
    return html_response(page, status)


def login(given: str, token: str, now: datetime, secure: bool) -> Response:
    """303 to the dashboard with the session cookie when ``given`` is the admin token; else the form again."""
    if not hmac.compare_digest(given.encode(), token.encode()):
        return login_form(failed=True)
    response = Response(status=303, headers={"Location": "dashboard"})
    response.set_cookie(COOKIE, session_value(token, now), max_age=int(LIFETIME.total_seconds()), httponly=True,
                        samesite="Strict", secure=secure, path="/")
    return response

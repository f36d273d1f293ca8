"""Local stand-ins for the people channels, one process: the Telegram Bot API, the
WhatsApp Business Cloud API and a mail catcher (infra/local/mail_catcher.py), with
an outbox page showing everything Sigap sent. ``make run`` starts it; tests start it
on free ports. Never for production.

    python -m infra.local.chat_standin --port 8025 --smtp-port 1025 \
        --webhook-url http://127.0.0.1:8080/telegram_webhook/

- Telegram: ``POST /bot<token>/sendMessage`` and ``/bot<token>/answerCallbackQuery``
  (the token must be SIGAP_TELEGRAM_BOT_TOKEN when that is set).
- WhatsApp: ``POST /<version>/<phone number id>/messages`` with ``Authorization: Bearer``
  (SIGAP_WHATSAPP_TOKEN when set), template messages only, as the Cloud API outside a
  conversation.
- Failing on demand: ``POST /_standin/fail {"service": "whatsapp"|"telegram",
  "statuses": [429, 500], "retry_after": 2}``: the next requests answer those statuses
  in turn (a 429 with ``Retry-After``, and for Telegram ``parameters.retry_after``).
- What was sent: ``GET /_standin/sent?service=telegram|whatsapp|mail`` (JSON), and the
  page ``GET /_outbox``, where a Telegram message's buttons can be pressed and the bot's
  prompts answered: the stand-in posts the update to ``--webhook-url`` with the
  secret-token header (SIGAP_TELEGRAM_WEBHOOK_SECRET), as Telegram would.
"""
from __future__ import annotations

import argparse
import html
import itertools
import json
import os
import re
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infra.local.mail_catcher import MailCatcher

_TELEGRAM = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>sendMessage|answerCallbackQuery)$")
_WHATSAPP = re.compile(r"^/(?P<version>v\d+(\.\d+)?)/(?P<phone>\d+)/messages$")


class Standin:
    """The recorded traffic, the scripted failures and the webhook to press buttons into."""

    def __init__(self, *, telegram_token: str | None, whatsapp_token: str | None, webhook_url: str | None,
                 webhook_secret: str | None):
        self.telegram_token, self.whatsapp_token = telegram_token, whatsapp_token
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.sent: dict[str, list[dict[str, Any]]] = {"telegram": [], "whatsapp": [], "mail": [], "webhook": []}
        self.failures: dict[str, list[tuple[int, float | None]]] = {"telegram": [], "whatsapp": []}
        self.calls = {"telegram": 0, "whatsapp": 0}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._updates = itertools.count(int(time.time()) % 1_000_000 * 1000)

    def record(self, service: str, item: dict[str, Any]) -> int:
        with self._lock:
            number = next(self._ids)
            self.sent[service].append({"n": number, "at": datetime.now(UTC).isoformat(), **item})
            return number

    def failure(self, service: str) -> tuple[int, float | None] | None:
        with self._lock:
            self.calls[service] += 1
            queue = self.failures[service]
            return queue.pop(0) if queue else None

    def fail(self, service: str, statuses: list[int], retry_after: float | None) -> None:
        with self._lock:
            self.failures[service] += [(int(s), retry_after) for s in statuses]

    def find(self, n: int) -> dict[str, Any] | None:
        return next((m for m in self.sent["telegram"] if m["n"] == n), None)

    def post_update(self, update: dict[str, Any]) -> tuple[int, str]:
        """Posts one update to the bot's webhook as Telegram would."""
        if not self.webhook_url:
            return 0, "no --webhook-url"
        request = urllib.request.Request(self.webhook_url, json.dumps(update).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "X-Telegram-Bot-Api-Secret-Token": self.webhook_secret or ""})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, body = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode(errors="replace")
        except OSError as exc:
            status, body = 0, type(exc).__name__
        self.record("webhook", {"update": update, "status": status, "answer": body[:500]})
        return status, body

    def press(self, n: int, data: str) -> tuple[int, str]:
        message = self.find(n)
        if message is None:
            return 0, "no such message"
        chat = int(message["chat_id"])
        return self.post_update({"update_id": next(self._updates), "callback_query": {
            "id": f"cb-{n}-{time.time_ns()}", "from": {"id": chat, "is_bot": False, "first_name": "Admin"},
            "chat_instance": str(chat), "data": data,
            "message": {"message_id": n, "chat": {"id": chat, "type": "private"}, "text": message["text"]}}})

    def reply(self, n: int, text: str) -> tuple[int, str]:
        message = self.find(n)
        if message is None:
            return 0, "no such message"
        chat = int(message["chat_id"])
        return self.post_update({"update_id": next(self._updates), "message": {
            "message_id": 100_000 + n, "from": {"id": chat, "is_bot": False, "first_name": "Admin"},
            "chat": {"id": chat, "type": "private"}, "date": int(time.time()), "text": text,
            "reply_to_message": {"message_id": n, "chat": {"id": chat, "type": "private"}, "text": message["text"]}}})


def _outbox_page(standin: Standin) -> str:
    esc = html.escape
    parts = ["<!doctype html><html lang='id'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             "<title>Sigap: pesan terkirim (lokal)</title><style>body{font-family:sans-serif;max-width:60rem;"
             "margin:1rem auto;padding:0 1rem}"
             "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:.5rem}"
             "section{border-bottom:1px solid #ccc;padding:.5rem 0}form{display:inline}</style></head><body>",
             "<h1>Pesan terkirim (stand-in lokal)</h1><p>E-mail, Telegram dan WhatsApp yang dikirim Sigap di "
             "<code>make run</code>; terbaru di atas. JSON: <a href='/_standin/sent?service=mail'>mail</a>, "
             "<a href='/_standin/sent?service=telegram'>telegram</a>, "
             "<a href='/_standin/sent?service=whatsapp'>whatsapp</a>, "
             "<a href='/_standin/sent?service=webhook'>webhook</a>.</p>"]
    items = [("mail", m) for m in standin.sent["mail"]] + [("telegram", m) for m in standin.sent["telegram"]] + \
        [("whatsapp", m) for m in standin.sent["whatsapp"]]
    for service, item in sorted(items, key=lambda pair: pair[1]["n"], reverse=True):
        parts.append(f"<section><strong>#{item['n']} {service}</strong> <small>{esc(item['at'])}</small>")
        if service == "mail":
            parts.append(f"<div>Kepada: {esc(', '.join(item['to']))}<br>Perihal: {esc(item['subject'])}</div>"
                         f"<pre>{esc(item['body'])}</pre>")
        elif service == "whatsapp":
            params = "".join(f"<li>{esc(p)}</li>" for p in item["params"])
            parts.append(f"<div>Kepada: {esc(item['to'])}; template <code>{esc(item['template'])}</code></div>"
                         f"<ol>{params}</ol>")
        else:
            parts.append(f"<div>Chat: {esc(str(item['chat_id']))}</div><pre>{esc(item['text'])}</pre>")
            for row in (item.get("reply_markup") or {}).get("inline_keyboard") or []:
                for button in row:
                    if "url" in button:
                        parts.append(f"<a href='{esc(button['url'])}'>{esc(button['text'])}</a> ")
                    elif "callback_data" in button:
                        parts.append(f"<form method='post' action='/_outbox/press'><input type='hidden' name='n' "
                                     f"value='{item['n']}'><input type='hidden' name='data' "
                                     f"value='{esc(button['callback_data'])}'><button>{esc(button['text'])}"
                                     "</button></form> ")
            if (item.get("reply_markup") or {}).get("force_reply"):
                parts.append(f"<form method='post' action='/_outbox/reply'><input type='hidden' name='n' "
                             f"value='{item['n']}'><input name='text' size='50' placeholder='Isi tindak lanjut' "
                             "required minlength='10'><button>Balas</button></form>")
        parts.append("</section>")
    for item in reversed(standin.sent["webhook"][-5:]):
        parts.append(f"<p><small>webhook #{item['n']}: HTTP {item['status']} {esc(item['answer'])}</small></p>")
    return "".join(parts + ["</body></html>"])


def make_handler(standin: Standin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None,
                    content_type: str = "application/json") -> None:
            data = (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)).encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Content-Type-Options", "nosniff")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/_outbox":
                self._answer(200, _outbox_page(standin), {"Content-Security-Policy": "default-src 'none'; "
                             "style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"}, "text/html")
            elif url.path == "/_standin/sent":
                service = (parse_qs(url.query).get("service") or ["telegram"])[0]
                self._answer(200, standin.sent.get(service, []))
            elif url.path == "/_standin/health":
                self._answer(200, {"ok": True, "calls": standin.calls})
            else:
                self._answer(404, {"ok": False, "description": "Not Found"})

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            raw = self._body()
            if path in ("/_outbox/press", "/_outbox/reply"):
                form = {k: v[0] for k, v in parse_qs(raw.decode(errors="replace")).items()}
                n = int(form.get("n", "0") or 0)
                if path.endswith("press"):
                    standin.press(n, form.get("data", ""))
                else:
                    standin.reply(n, form.get("text", ""))
                self.send_response(303)
                self.send_header("Location", "/_outbox")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._answer(400, {"ok": False, "description": "Bad Request: not JSON"})
                return
            if path == "/_standin/fail":
                standin.fail(body.get("service", ""), list(body.get("statuses") or []), body.get("retry_after"))
                self._answer(200, {"ok": True})
            elif path == "/_standin/press":
                status, answer = standin.press(int(body.get("n", 0)), str(body.get("data", "")))
                self._answer(200, {"status": status, "answer": answer})
            elif path == "/_standin/reply":
                status, answer = standin.reply(int(body.get("n", 0)), str(body.get("text", "")))
                self._answer(200, {"status": status, "answer": answer})
            elif found := _TELEGRAM.match(path):
                self._telegram(found.group("token"), found.group("method"), body)
            elif found := _WHATSAPP.match(path):
                self._whatsapp(body)
            else:
                self._answer(404, {"ok": False, "description": "Not Found"})

        def _telegram(self, token: str, method: str, body: dict[str, Any]) -> None:
            if standin.telegram_token and token != standin.telegram_token:
                self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            if (failure := standin.failure("telegram")) is not None:
                status, wait = failure
                extra = {"parameters": {"retry_after": int(wait or 1)}} if status == 429 else {}
                self._answer(status, {"ok": False, "error_code": status, "description": "stand-in failure", **extra},
                             {"Retry-After": str(int(wait or 1))} if status == 429 else None)
                return
            if method == "answerCallbackQuery":
                standin.record("webhook", {"update": {"answerCallbackQuery": body}, "status": 200,
                                           "answer": str(body.get("text", ""))})
                self._answer(200, {"ok": True, "result": True})
                return
            if "chat_id" not in body or not body.get("text"):
                self._answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat_id and text"})
                return
            n = standin.record("telegram", {"chat_id": str(body["chat_id"]), "text": body["text"],
                                            "reply_markup": body.get("reply_markup")})
            self._answer(200, {"ok": True, "result": {"message_id": n, "chat": {"id": body["chat_id"]},
                                                      "text": body["text"]}})

        def _whatsapp(self, body: dict[str, Any]) -> None:
            if standin.whatsapp_token and self.headers.get("Authorization") != f"Bearer {standin.whatsapp_token}":
                self._answer(401, {"error": {"message": "Invalid OAuth access token", "code": 190}})
                return
            if (failure := standin.failure("whatsapp")) is not None:
                status, wait = failure
                self._answer(status, {"error": {"message": "stand-in failure", "code": 130429 if status == 429
                                                else 131000}},
                             {"Retry-After": str(int(wait or 1))} if status == 429 else None)
                return
            template = body.get("template") or {}
            if body.get("messaging_product") != "whatsapp" or body.get("type") != "template" or not body.get("to"):
                self._answer(400, {"error": {"message": "only template messages outside a conversation",
                                             "code": 131047}})
                return
            params = [p.get("text", "") for c in template.get("components") or [] for p in c.get("parameters") or []]
            if any("\n" in p or "\t" in p for p in params):
                self._answer(400, {"error": {"message": "Param text cannot have new-line/tab characters",
                                             "code": 132018}})
                return
            n = standin.record("whatsapp", {"to": body["to"], "template": template.get("name"),
                                            "language": (template.get("language") or {}).get("code"),
                                            "params": params})
            self._answer(200, {"messaging_product": "whatsapp", "contacts": [{"input": body["to"],
                                                                              "wa_id": body["to"]}],
                               "messages": [{"id": f"wamid.standin{n}"}]})

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def serve(port: int, smtp_port: int, *, webhook_url: str | None = None, host: str = "127.0.0.1"
          ) -> tuple[ThreadingHTTPServer, MailCatcher, Standin]:
    standin = Standin(telegram_token=os.environ.get("SIGAP_TELEGRAM_BOT_TOKEN"),
                      whatsapp_token=os.environ.get("SIGAP_WHATSAPP_TOKEN"), webhook_url=webhook_url,
                      webhook_secret=os.environ.get("SIGAP_TELEGRAM_WEBHOOK_SECRET"))
    mail = MailCatcher(host, smtp_port, on_mail=lambda m: standin.record("mail", m)).start()
    server = ThreadingHTTPServer((host, port), make_handler(standin))
    return server, mail, standin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025, help="the stand-in APIs and the outbox page")
    parser.add_argument("--smtp-port", type=int, default=1025, help="the mail catcher")
    parser.add_argument("--webhook-url", help="where pressed buttons go (the telegram_webhook function)")
    args = parser.parse_args()
    server, mail, _ = serve(args.port, args.smtp_port, webhook_url=args.webhook_url, host=args.host)
    try:
        server.serve_forever()
    finally:
        mail.stop()


if __name__ == "__main__":
    main()

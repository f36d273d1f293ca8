"""A mail catcher for the local stack: a tiny SMTP server (asyncio, standard library
only, so ``make run`` needs nothing from the test dependencies) that accepts every
message and keeps it in memory. ``infra/local/chat_standin.py`` runs it and shows
what it caught on its outbox page.

It speaks enough SMTP for smtplib and Sigap's e-mail channel: EHLO/HELO, MAIL, RCPT,
DATA (dot-unstuffed), RSET, NOOP, QUIT. No STARTTLS and no AUTH (loopback only; the
local stack sets ``SIGAP_SMTP_STARTTLS=false``). Never for production.
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

MAX_MESSAGE = 1024 * 1024


def parsed(raw: bytes, sender: str, recipients: list[str]) -> dict[str, Any]:
    """What the outbox shows of one message."""
    message = message_from_bytes(raw, policy=default)
    body = ""
    if isinstance(message, EmailMessage):
        part = message.get_body(preferencelist=("plain", "html"))
        if part is not None:
            body = str(part.get_content()).replace("\r\n", "\n")
    return {"from": sender, "to": recipients, "subject": str(message.get("Subject", "")),
            "message_id": str(message.get("Message-ID", "")), "body": body,
            "received_at": datetime.now(UTC).isoformat()}


class MailCatcher:
    """``start()`` serves on ``host:port`` from a thread of its own; ``mails`` grows as mail comes."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 on_mail: Callable[[dict[str, Any]], object] | None = None):
        self.host, self.port = host, port
        self.mails: list[dict[str, Any]] = []
        self._on_mail = on_mail
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._ready = threading.Event()

    def start(self) -> MailCatcher:
        threading.Thread(target=self._run, name="mail-catcher", daemon=True).start()
        if not self._ready.wait(10):
            raise RuntimeError("the mail catcher did not start")
        return self

    def stop(self) -> None:
        def close() -> None:
            if self._server is not None:
                self._server.close()
            self._loop.stop()
        self._loop.call_soon_threadsafe(close)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._session, self.host, self.port))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def _keep(self, mail: dict[str, Any]) -> None:
        with self._lock:
            self.mails.append(mail)
        if self._on_mail is not None:
            self._on_mail(mail)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        sender, recipients = "", list[str]()
        try:
            await say("220 sigap-mail-catcher ESMTP (local only)")
            while line := await reader.readline():
                command = line.decode(errors="replace").strip()
                verb = command[:4].upper()
                if verb == "EHLO":
                    writer.write(b"250-sigap-mail-catcher\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n")
                    await say(f"250 SIZE {MAX_MESSAGE}")
                elif verb == "HELO":
                    await say("250 sigap-mail-catcher")
                elif verb == "MAIL":
                    sender, recipients = command.partition(":")[2].split()[0].strip("<>") if ":" in command else "", []
                    await say("250 OK")
                elif verb == "RCPT":
                    recipients.append(command.partition(":")[2].strip().split()[0].strip("<>"))
                    await say("250 OK")
                elif verb == "DATA":
                    await say("354 End data with <CR><LF>.<CR><LF>")
                    raw = await self._data(reader)
                    if raw is None:
                        await say("552 Message too large")
                        continue
                    self._keep(parsed(raw, sender, recipients))
                    await say("250 OK: caught")
                    sender, recipients = "", []
                elif verb == "RSET":
                    sender, recipients = "", []
                    await say("250 OK")
                elif verb == "NOOP":
                    await say("250 OK")
                elif verb == "QUIT":
                    await say("221 Bye")
                    break
                elif verb == "STAR":
                    await say("454 TLS not available (local mail catcher)")
                else:
                    await say("502 Command not implemented")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _data(reader: asyncio.StreamReader) -> bytes | None:
        lines: list[bytes] = []
        size = 0
        while True:
            line = await reader.readline()
            if not line or line in (b".\r\n", b".\n"):
                break
            size += len(line)
            lines.append(line[1:] if line.startswith(b"..") else line)
        return None if size > MAX_MESSAGE else b"".join(lines)

"""The local Sigap stack: Firestore and Pub/Sub emulators, topics and push
subscriptions, the gateway serving every function, and a stand-in for Cloud
Scheduler. ``make run`` runs it until Ctrl-C; the tests start their own.
"""
from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MISSING_SDK = ("the Google Cloud SDK emulators are missing: install the Debian packages "
               "google-cloud-cli, google-cloud-cli-firestore-emulator and "
               "google-cloud-cli-pubsub-emulator (Google Cloud SDK apt repository) and a "
               "Java 17+ runtime (openjdk-17-jre-headless)")


class StackError(RuntimeError):
    pass


_HANDED_OUT: set[int] = set()
_PORTS = random.Random()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port free now, below the kernel's ephemeral range and never handed out before by
    this process. A port from ``bind(0)`` is an ephemeral one: until its server binds it, the
    kernel may give it to anything else asking for one (an outgoing connection, or the
    Firestore emulator's extra WebSocket port; seen once as the gateway's port answering
    HTTP/2 to /healthz)."""
    low, _ = _ephemeral_range()
    for _ in range(200):
        port = _PORTS.randrange(max(1024, low - 12_000), low)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")


class Process:
    """A child in its own process group, so stopping it stops its children too
    (gcloud's wrapper -> bash -> java)."""

    def __init__(self, name: str, cmd: list[str], env: Mapping[str, str], log_dir: Path):
        self.name, self.log_path = name, log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(cmd, env=dict(env), cwd=ROOT, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _group_alive(self) -> bool:
        self.popen.poll()  # reap the leader, so a zombie does not count as alive
        try:
            os.killpg(self.popen.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self, timeout: float = 10.0) -> None:
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            if not self._group_alive():
                break
            os.killpg(self.popen.pid, sig)
            deadline = time.monotonic() + wait
            while self._group_alive() and time.monotonic() < deadline:
                time.sleep(0.1)
        self._log.close()


def wait_until(check, what: str, proc: Process | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and not proc.alive():
            raise StackError(f"{what} exited early:\n{proc.tail()}")
        time.sleep(0.1)
    raise StackError(f"{what} not ready after {timeout:.0f}s" + (f":\n{proc.tail()}" if proc else ""))


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class LocalStack:
    """Emulators + topology + gateway + scheduler stand-in, on the given ports."""

    def __init__(self, *, project: str, firestore_port: int, pubsub_port: int, gateway_port: int,
                 settings: Mapping[str, str], log_dir: Path, scheduler: bool = True,
                 standins: bool = False, outbox_port: int | None = None, mail_port: int | None = None):
        self.project, self.settings, self.log_dir = project, dict(settings), log_dir
        # the people channels' stand-ins (infra/local/chat_standin.py), on these ports (None: free ones)
        self._standins, self._outbox_port, self._mail_port = standins, outbox_port, mail_port
        self.outbox_url: str | None = None
        self.firestore_host = f"127.0.0.1:{firestore_port}"
        self.pubsub_host = f"127.0.0.1:{pubsub_port}"
        self.gateway_port = gateway_port
        self.gateway_url = f"http://127.0.0.1:{gateway_port}"
        self._processes: list[Process] = []
        self._scheduler = scheduler
        self._stopping = threading.Event()

    @property
    def env(self) -> dict[str, str]:
        """The environment of the functions (and of clients talking to the emulators)."""
        return {**os.environ, **self.settings, "SIGAP_PROJECT_ID": self.project,
                "GOOGLE_CLOUD_PROJECT": self.project,
                "FIRESTORE_EMULATOR_HOST": self.firestore_host,
                "PUBSUB_EMULATOR_HOST": self.pubsub_host}

    def process(self, name: str) -> Process:
        """A started process of the stack by its name (e.g. ``firestore-emulator``)."""
        return next(process for process in self._processes if process.name == name)

    def _spawn(self, name: str, cmd: list[str]) -> Process:
        process = Process(name, cmd, self.env, self.log_dir)
        self._processes.append(process)
        return process

    def start(self) -> LocalStack:
        if shutil.which("gcloud") is None or shutil.which("java") is None:
            raise StackError(MISSING_SDK)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for host in (self.firestore_host, self.pubsub_host, f"127.0.0.1:{self.gateway_port}"):
            if port_open(int(host.rsplit(":", 1)[1])):
                raise StackError(f"port {host} is already in use; choose another with the environment")
        try:
            self._start_all()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_all(self) -> None:
        firestore = self._spawn("firestore-emulator", [
            "gcloud", "emulators", "firestore", "start", f"--host-port={self.firestore_host}", "--quiet"])
        pubsub = self._spawn("pubsub-emulator", [
            "gcloud", "beta", "emulators", "pubsub", "start", f"--host-port={self.pubsub_host}",
            f"--project={self.project}", "--quiet"])
        try:
            wait_until(lambda: http_ok(f"http://{self.firestore_host}/"), "Firestore emulator", firestore, 60)
            wait_until(lambda: http_ok(f"http://{self.pubsub_host}/"), "Pub/Sub emulator", pubsub, 60)
        except StackError as exc:
            raise StackError(f"{exc}\n(if gcloud says a component is missing: {MISSING_SDK})") from None
        from infra.local.provision import provision
        from infra.topology import load_topology
        self.topology = load_topology()
        with emulator_env(self.env):
            provision(self.project, self.gateway_url, self.topology)
        self._start_lapor_sandbox()
        if self._standins:
            self._start_chat_standin()
        gateway = self._spawn("gateway", [sys.executable, "-m", "infra.local.gateway",
                                          "--port", str(self.gateway_port)])
        wait_until(lambda: http_ok(f"{self.gateway_url}/healthz"), "gateway", gateway, 60)
        if self._scheduler:
            threading.Thread(target=self._run_schedules, name="scheduler", daemon=True).start()

    def _run_schedules(self) -> None:
        """Stands in for Cloud Scheduler: publishes a tick to each schedule's topic."""
        import google.cloud.pubsub_v1 as pubsub_v1
        with emulator_env(self.env):
            publisher = pubsub_v1.PublisherClient()
        specs = [f for f in self.topology["functions"] if f.trigger == "schedule"]
        due = {spec.name: time.monotonic() + spec.every_seconds for spec in specs}
        while not self._stopping.wait(1.0):
            for spec in specs:
                if time.monotonic() >= due[spec.name]:
                    due[spec.name] = time.monotonic() + spec.every_seconds
                    publisher.publish(publisher.topic_path(self.project, spec.topic),
                                      json.dumps({"schedule": spec.name}).encode())

    def _start_lapor_sandbox(self) -> None:
        """Without a real portal configured, the LAPOR! sandbox (infra/lapor_sandbox) stands in for it."""
        self.lapor_url = self.env.get("SIGAP_LAPOR_BASE_URL")
        if self.lapor_url:
            return
        port = free_port()
        self.settings.setdefault("SIGAP_LAPOR_TOKEN", "sandbox-" + os.urandom(12).hex())
        self.lapor_url = self.settings["SIGAP_LAPOR_BASE_URL"] = f"http://127.0.0.1:{port}"
        sandbox = self._spawn("lapor-sandbox", [sys.executable, "-m", "infra.lapor_sandbox", "--port", str(port),
                                                "--reports", self.settings.get("SIGAP_LAPOR_SANDBOX_REPORTS", "300")])
        wait_until(lambda: http_ok(f"{self.lapor_url}/_sandbox/health"), "LAPOR! sandbox", sandbox, 30)

    def _start_chat_standin(self) -> None:
        """The mail catcher and the Telegram and WhatsApp stand-ins, one process, for every channel not
        configured in the environment: ``make run`` shows what was sent at ``outbox_url`` (/_outbox)."""
        port, mail_port = self._outbox_port or free_port(), self._mail_port or free_port()
        for taken in (port, mail_port):
            if port_open(taken):
                raise StackError(f"port {taken} is already in use (SIGAP_OUTBOX_PORT, SIGAP_MAIL_PORT)")
        base, env = f"http://127.0.0.1:{port}", self.env
        channels = {
            ("SIGAP_SMTP_HOST",): {"SIGAP_SMTP_HOST": "127.0.0.1", "SIGAP_SMTP_PORT": str(mail_port),
                                   "SIGAP_SMTP_STARTTLS": "false"},
            ("SIGAP_TELEGRAM_BOT_TOKEN",): {"SIGAP_TELEGRAM_API_BASE": base,
                                            "SIGAP_TELEGRAM_BOT_TOKEN": "local-" + os.urandom(8).hex(),
                                            "SIGAP_TELEGRAM_WEBHOOK_SECRET": "local_" + os.urandom(16).hex()},
            ("SIGAP_WHATSAPP_TOKEN", "SIGAP_WHATSAPP_PHONE_NUMBER_ID"): {
                "SIGAP_WHATSAPP_API_BASE": f"{base}/v21.0", "SIGAP_WHATSAPP_PHONE_NUMBER_ID": "100000000000001",
                "SIGAP_WHATSAPP_TOKEN": "local-" + os.urandom(8).hex()},
        }
        for configured, values in channels.items():
            if not any(env.get(key) for key in configured):
                self.settings.update(values)
        self.outbox_url = f"{base}/_outbox"
        standin = self._spawn("chat-standin", [
            sys.executable, "-m", "infra.local.chat_standin", "--port", str(port), "--smtp-port", str(mail_port),
            "--webhook-url", f"{self.gateway_url}/telegram_webhook/"])
        wait_until(lambda: http_ok(f"{base}/_standin/health"), "chat stand-in", standin, 30)

    def reset_firestore(self) -> None:
        request = urllib.request.Request(
            f"http://{self.firestore_host}/emulator/v1/projects/{self.project}/databases/(default)/documents",
            method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()

    def stop(self) -> None:
        self._stopping.set()
        for process in reversed(self._processes):
            process.stop()
        self._processes.clear()


@contextlib.contextmanager
def emulator_env(env: Mapping[str, str]) -> Iterator[None]:
    """Points the Google clients created inside the block at the given emulators."""
    keys = ("FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: env[k] for k in keys})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

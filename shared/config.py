"""Settings.from_env(): the one reader of the environment, validated, passed down."""
from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR
from shared.domain.integrations.webhooks import RETRY_SCHEDULE

NOTIFY_RETRY_SCHEDULE = (30.0, 120.0, 600.0, 3600.0, 21600.0)  # 6 attempts over about 7 hours


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def _parse_intake_secrets(raw: str) -> dict[str, str]:
    try:
        secrets = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"SIGAP_INTAKE_SECRETS is not valid JSON: {exc.msg}") from None
    if not isinstance(secrets, dict):
        raise ConfigError('SIGAP_INTAKE_SECRETS must be a JSON object {"source-id": "whsec_..."}')
    for source, secret in secrets.items():
        if not isinstance(secret, str) or not secret.startswith("whsec_"):
            raise ConfigError(f"SIGAP_INTAKE_SECRETS: the secret of source '{source}' must start with 'whsec_'")
        try:
            key = base64.b64decode(secret[len("whsec_"):], validate=True)
        except binascii.Error:
            raise ConfigError(f"SIGAP_INTAKE_SECRETS: the secret of source '{source}' is not base64") from None
        if len(key) < 16:
            raise ConfigError(f"SIGAP_INTAKE_SECRETS: the secret of source '{source}' is shorter than 16 bytes")
    return secrets


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(env.get(name, default))
    except ValueError:
        raise ConfigError(f"{name} must be an integer") from None


def _parse_schedule(raw: str | None, default: tuple[float, ...] = RETRY_SCHEDULE,
                    name: str = "SIGAP_WEBHOOK_RETRY_SCHEDULE") -> tuple[float, ...]:
    if not raw:
        return default
    try:
        schedule = tuple(float(part) for part in raw.split(","))
    except ValueError:
        schedule = ()
    if not schedule or any(s < 0 for s in schedule):
        raise ConfigError(f"{name} must be comma-separated non-negative seconds")
    return schedule


def _parse_allowlist(raw: str) -> tuple[str, ...]:
    networks = tuple(n.strip() for n in raw.split(",") if n.strip())
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ConfigError(f"SIGAP_WEBHOOK_ALLOWLIST: '{network}' is not an IP network (CIDR)") from None
    return networks


def _number(env: Mapping[str, str], name: str, default: str, kind, low: float, high: float):
    try:
        value = kind(env.get(name) or default)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ConfigError(f"{name} must be a number from {low:g} to {high:g}")
    return value


def _lapor_settings(env: Mapping[str, str]) -> dict:
    url, token = env.get("SIGAP_LAPOR_BASE_URL") or None, env.get("SIGAP_LAPOR_TOKEN") or None
    if url and not url.startswith(("https://", "http://")):
        raise ConfigError("SIGAP_LAPOR_BASE_URL must be an http(s) URL")
    if url and not token:
        raise ConfigError("SIGAP_LAPOR_TOKEN must be set when SIGAP_LAPOR_BASE_URL is")
    return {"lapor_base_url": url, "lapor_token": token,
            "lapor_page_size": _number(env, "SIGAP_LAPOR_PAGE_SIZE", "100", int, 1, 100),
            "lapor_run_seconds": _number(env, "SIGAP_LAPOR_RUN_SECONDS", "240", float, 1, 3600),
            "lapor_max_attempts": _number(env, "SIGAP_LAPOR_MAX_ATTEMPTS", "8", int, 1, 100),
            "lapor_submit_sources": tuple(x.strip() for x in env.get("SIGAP_LAPOR_SUBMIT_SOURCES", "*").split(",")
                                          if x.strip())}


@dataclass(frozen=True)
class Settings:
    project_id: str
    intake_secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    admin_token: str | None = field(default=None, repr=False)
    catalog_dir: Path = DEFAULT_CATALOG_DIR
    outbox_grace_seconds: float = 30.0
    max_body_bytes: int = 64 * 1024
    webhook_allow_http: bool = False          # SIGAP_WEBHOOK_ALLOW_HTTP: https only in production
    webhook_allowlist: tuple[str, ...] = ()   # SIGAP_WEBHOOK_ALLOWLIST: CIDRs allowed despite being private
    webhook_retry_schedule: tuple[float, ...] = RETRY_SCHEDULE  # SIGAP_WEBHOOK_RETRY_SCHEDULE: seconds, comma-separated
    notify_retry_schedule: tuple[float, ...] = NOTIFY_RETRY_SCHEDULE  # SIGAP_NOTIFY_RETRY_SCHEDULE
    public_base_url: str = "http://127.0.0.1:8080"  # SIGAP_PUBLIC_BASE_URL: where case links in messages point
    smtp_host: str | None = None                    # SIGAP_SMTP_HOST (+ _PORT, _FROM, _USER, _PASSWORD, _STARTTLS)
    smtp_port: int = 587
    smtp_from: str = "Sigap Kota Metro <sigap@metrokota.go.id>"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = True
    telegram_api_base: str = "https://api.telegram.org"  # SIGAP_TELEGRAM_API_BASE (a stand-in locally)
    telegram_bot_token: str | None = field(default=None, repr=False)  # SIGAP_TELEGRAM_BOT_TOKEN
    allow_clock_override: bool = False        # SIGAP_ALLOW_CLOCK_OVERRIDE: ticks may carry "as_of" (tests only)
    lapor_base_url: str | None = None         # SIGAP_LAPOR_BASE_URL: the LAPOR! integration API (unset: no sync/push)
    lapor_token: str | None = field(default=None, repr=False)  # SIGAP_LAPOR_TOKEN: its access token; never logged
    lapor_page_size: int = 100                # SIGAP_LAPOR_PAGE_SIZE: reports per page (1-100)
    lapor_run_seconds: float = 240.0          # SIGAP_LAPOR_RUN_SECONDS: a sync run stops starting pages after this
    lapor_max_attempts: int = 8               # SIGAP_LAPOR_MAX_ATTEMPTS: push attempts before an item is parked dead
    lapor_submit_sources: tuple[str, ...] = ("*",)  # SIGAP_LAPOR_SUBMIT_SOURCES: city sources submitted to LAPOR! (* = all)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        project = env.get("SIGAP_PROJECT_ID") or env.get("GOOGLE_CLOUD_PROJECT")
        if not project:
            raise ConfigError("SIGAP_PROJECT_ID (or GOOGLE_CLOUD_PROJECT) must name the Google Cloud project")
        admin_token = env.get("SIGAP_ADMIN_TOKEN") or None
        if admin_token is not None and len(admin_token) < 16:
            raise ConfigError("SIGAP_ADMIN_TOKEN must be at least 16 characters")
        try:
            grace = float(env.get("SIGAP_OUTBOX_GRACE_SECONDS", "30"))
        except ValueError:
            raise ConfigError("SIGAP_OUTBOX_GRACE_SECONDS must be a number of seconds") from None
        catalog_dir = Path(env.get("SIGAP_CATALOG_DIR") or DEFAULT_CATALOG_DIR)
        if not catalog_dir.is_dir():
            raise ConfigError(f"SIGAP_CATALOG_DIR '{catalog_dir}' is not a directory")
        return cls(
            project_id=project,
            intake_secrets=_parse_intake_secrets(env.get("SIGAP_INTAKE_SECRETS", "{}")),
            admin_token=admin_token,
            catalog_dir=catalog_dir,
            outbox_grace_seconds=grace,
            webhook_allow_http=env.get("SIGAP_WEBHOOK_ALLOW_HTTP", "false").lower() == "true",
            webhook_allowlist=_parse_allowlist(env.get("SIGAP_WEBHOOK_ALLOWLIST", "")),
            webhook_retry_schedule=_parse_schedule(env.get("SIGAP_WEBHOOK_RETRY_SCHEDULE")),
            notify_retry_schedule=_parse_schedule(env.get("SIGAP_NOTIFY_RETRY_SCHEDULE"), NOTIFY_RETRY_SCHEDULE,
                                                  "SIGAP_NOTIFY_RETRY_SCHEDULE"),
            public_base_url=env.get("SIGAP_PUBLIC_BASE_URL", "http://127.0.0.1:8080"),
            smtp_host=env.get("SIGAP_SMTP_HOST") or None,
            smtp_port=_int(env, "SIGAP_SMTP_PORT", 587),
            smtp_from=env.get("SIGAP_SMTP_FROM", "Sigap Kota Metro <sigap@metrokota.go.id>"),
            smtp_user=env.get("SIGAP_SMTP_USER") or None,
            smtp_password=env.get("SIGAP_SMTP_PASSWORD") or None,
            smtp_starttls=env.get("SIGAP_SMTP_STARTTLS", "true").lower() == "true",
            telegram_api_base=env.get("SIGAP_TELEGRAM_API_BASE", "https://api.telegram.org"),
            telegram_bot_token=env.get("SIGAP_TELEGRAM_BOT_TOKEN") or None,
            allow_clock_override=env.get("SIGAP_ALLOW_CLOCK_OVERRIDE", "false").lower() in ("1", "true"),
            **_lapor_settings(env),
        )

    def require_admin_token(self) -> str:
        if not self.admin_token:
            raise ConfigError("SIGAP_ADMIN_TOKEN must be set for the admin API")
        return self.admin_token

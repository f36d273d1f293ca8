"""Settings.from_env(): the one reader of the environment, validated, passed down.

Read by pydantic-settings, one rule per kind of value: every variable is ``SIGAP_`` + the
field's name in capitals (the project also as ``GOOGLE_CLOUD_PROJECT``); an empty
variable counts as unset; a boolean is ``1``/``true``/``yes``/``on`` or ``0``/``false``/
``no``/``off`` in any case, and anything else is refused (never silently false); a list is
comma-separated. A bad value raises ``ConfigError`` naming the variable, never echoing
its value. ``Settings(...)`` built directly takes its values from its arguments only.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR
from shared.domain.integrations.webhooks import RETRY_SCHEDULE

NOTIFY_RETRY_SCHEDULE = (30.0, 120.0, 600.0, 3600.0, 21600.0)  # 6 attempts over about 7 hours
PROJECT_VARIABLES = ("SIGAP_PROJECT_ID", "GOOGLE_CLOUD_PROJECT")

_environ: ContextVar[Mapping[str, str] | None] = ContextVar("sigap_environ", default=None)


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def variable(field: str) -> str:
    """The environment variable of a settings field."""
    return PROJECT_VARIABLES[0] if field == "project_id" else f"SIGAP_{field.upper()}"


class _Environment(EnvSettingsSource):
    """The environment handed to ``from_env`` (``os.environ`` unless a test gives one)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]):
        super().__init__(settings_cls)
        self.env_vars = {name.lower(): value for name, value in environ.items() if value != ""}


def _comma_separated(raw: Any) -> Any:
    return tuple(part.strip() for part in raw.split(",") if part.strip()) if isinstance(raw, str) else raw


def _schedule(raw: Any, name: str) -> tuple[float, ...]:
    try:
        schedule = tuple(float(part) for part in _comma_separated(raw))
    except (TypeError, ValueError):
        schedule = ()
    if not schedule or any(s < 0 for s in schedule):
        raise ValueError(f"{name} must be comma-separated non-negative seconds")
    return schedule


def _check_intake_secrets(secrets: Any) -> dict[str, str]:
    if not isinstance(secrets, dict):
        raise ValueError('SIGAP_INTAKE_SECRETS must be a JSON object {"source-id": "whsec_..."}')
    for source, secret in secrets.items():
        if not isinstance(secret, str) or not secret.startswith("whsec_"):
            raise ValueError(f"SIGAP_INTAKE_SECRETS: the secret of source '{source}' must start with 'whsec_'")
        try:
            key = base64.b64decode(secret[len("whsec_"):], validate=True)
        except binascii.Error:
            raise ValueError(f"SIGAP_INTAKE_SECRETS: the secret of source '{source}' is not base64") from None
        if len(key) < 16:
            raise ValueError(f"SIGAP_INTAKE_SECRETS: the secret of source '{source}' is shorter than 16 bytes")
    return secrets


Seconds = Annotated[tuple[float, ...], NoDecode]
Names = Annotated[tuple[str, ...], NoDecode]


class Settings(BaseSettings):
    """Every setting of every function. Secrets are hidden from ``repr``."""
    model_config = SettingsConfigDict(env_prefix="SIGAP_", case_sensitive=False, env_ignore_empty=True,
                                      frozen=True, extra="forbid", validate_by_name=True,
                                      hide_input_in_errors=True)

    project_id: str = Field(min_length=1, validation_alias=AliasChoices(*PROJECT_VARIABLES))
    intake_secrets: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict, repr=False)
    admin_token: str | None = Field(default=None, repr=False)
    catalog_dir: Path = DEFAULT_CATALOG_DIR
    outbox_grace_seconds: float = 30.0
    max_body_bytes: int = 64 * 1024
    webhook_allow_http: bool = False    # https only in production
    webhook_allowlist: Names = ()       # CIDRs allowed despite being private
    webhook_retry_schedule: Seconds = RETRY_SCHEDULE  # seconds, comma-separated
    notify_retry_schedule: Seconds = NOTIFY_RETRY_SCHEDULE
    public_base_url: str = "http://127.0.0.1:8080"  # where case links in messages point
    smtp_host: str | None = None                    # (+ _PORT, _FROM, _USER, _PASSWORD, _STARTTLS)
    smtp_port: int = 587
    smtp_from: str = "Sigap Kota Metro <sigap@metrokota.go.id>"
    smtp_user: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_starttls: bool = True
    telegram_api_base: str = "https://api.telegram.org"  # a stand-in locally
    telegram_bot_token: str | None = Field(default=None, repr=False)
    allow_clock_override: bool = False  # ticks may carry "as_of" (tests only)
    lapor_base_url: str | None = None   # the LAPOR! integration API (unset: no sync/push)
    lapor_token: str | None = Field(default=None, repr=False)  # its access token; never logged
    lapor_page_size: int = Field(default=100, ge=1, le=100)     # reports per page
    lapor_run_seconds: float = Field(default=240.0, ge=1, le=3600)  # a sync run stops starting pages after this
    lapor_max_attempts: int = Field(default=8, ge=1, le=100)     # push attempts before an item is parked dead
    lapor_submit_sources: Names = ("*",)  # city sources submitted to LAPOR! (* = all)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        environ = _environ.get()
        return (init_settings,) if environ is None else (init_settings, _Environment(settings_cls, environ))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of this process; raises ConfigError naming the first bad variable."""
        with _reading(os.environ if environ is None else environ):
            try:
                return cls()
            except ValidationError as exc:
                raise ConfigError(_message(exc)) from None

    @field_validator("intake_secrets", mode="before")
    @classmethod
    def _intake_secrets(cls, raw: Any) -> dict[str, str]:
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"SIGAP_INTAKE_SECRETS is not valid JSON: {exc.msg}") from None
        return _check_intake_secrets(raw)

    @field_validator("admin_token")
    @classmethod
    def _admin_token(cls, token: str | None) -> str | None:
        if token is not None and len(token) < 16:
            raise ValueError("SIGAP_ADMIN_TOKEN must be at least 16 characters")
        return token

    @field_validator("catalog_dir")
    @classmethod
    def _catalog_dir(cls, path: Path) -> Path:
        if not path.is_dir():
            raise ValueError(f"SIGAP_CATALOG_DIR '{path}' is not a directory")
        return path

    @field_validator("webhook_allowlist", "lapor_submit_sources", mode="before")
    @classmethod
    def _names(cls, raw: Any) -> Any:
        return _comma_separated(raw)

    @field_validator("webhook_allowlist")
    @classmethod
    def _networks(cls, networks: tuple[str, ...]) -> tuple[str, ...]:
        for network in networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"SIGAP_WEBHOOK_ALLOWLIST: '{network}' is not an IP network (CIDR)") from None
        return networks

    @field_validator("webhook_retry_schedule", "notify_retry_schedule", mode="before")
    @classmethod
    def _schedules(cls, raw: Any, info: ValidationInfo) -> tuple[float, ...]:
        return _schedule(raw, variable(info.field_name or ""))

    @field_validator("lapor_base_url")
    @classmethod
    def _lapor_url(cls, url: str | None) -> str | None:
        if url and not url.startswith(("https://", "http://")):
            raise ValueError("SIGAP_LAPOR_BASE_URL must be an http(s) URL")
        return url

    @model_validator(mode="after")
    def _lapor_token_with_url(self) -> Settings:
        if self.lapor_base_url and not self.lapor_token:
            raise ValueError("SIGAP_LAPOR_TOKEN must be set when SIGAP_LAPOR_BASE_URL is")
        return self

    def require_admin_token(self) -> str:
        if not self.admin_token:
            raise ConfigError("SIGAP_ADMIN_TOKEN must be set for the admin API")
        return self.admin_token


@contextmanager
def _reading(environ: Mapping[str, str]) -> Iterator[None]:
    token = _environ.set(environ)
    try:
        yield
    finally:
        _environ.reset(token)


def _message(exc: ValidationError) -> str:
    """The first error, naming its variable; a value is never repeated (it may be a secret)."""
    error = exc.errors(include_url=False, include_input=False)[0]
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:  # a rule across several variables names them itself
        return message
    name = str(error["loc"][0])
    name = variable(name) if name in Settings.model_fields else name
    if error["type"] == "missing" and name in PROJECT_VARIABLES:
        return "SIGAP_PROJECT_ID (or GOOGLE_CLOUD_PROJECT) must name the Google Cloud project"
    return message if name in message else f"{name}: {message}"

"""Settings.from_env(): the one reader of the environment, validated, passed down.

Read by pydantic-settings, one rule per kind of value: every variable is ``SIGAP_`` + the
field's name in capitals (the project also as ``GOOGLE_CLOUD_PROJECT``); an empty
variable counts as unset; a boolean is ``1``/``true``/``yes``/``on`` or ``0``/``false``/
``no``/``off`` in any case, and anything else is refused (never silently false); a list is
comma-separated. Bad values raise one ``ConfigError`` naming every bad variable, never
echoing a value. ``Settings(...)`` built directly takes its values from its arguments only.

``SIGAP_ENV=production`` (set by infra/terraform) adds PRODUCTION_REQUIREMENTS: the
settings each function needs there, checked when its settings are read at start. The
function is named by ``SIGAP_FUNCTION`` (infra/terraform sets it to the entry point),
else by Cloud Functions' own ``FUNCTION_TARGET`` or ``K_SERVICE``.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR
from shared.delivery.schedules import NOTIFY_RETRY_SCHEDULE, WEBHOOK_RETRY_SCHEDULE

PROJECT_VARIABLES = ("SIGAP_PROJECT_ID", "GOOGLE_CLOUD_PROJECT")
# Which function this process is: SIGAP_FUNCTION (set by infra/terraform), else what Cloud
# Functions gen2 sets: FUNCTION_TARGET (the entry point), K_SERVICE (the service, with "-").
FUNCTION_VARIABLES = ("SIGAP_FUNCTION", "FUNCTION_TARGET", "K_SERVICE")

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
    link_secret: str | None = Field(default=None, repr=False)  # signs case and sign-in links, sessions
    catalog_dir: Path = DEFAULT_CATALOG_DIR
    outbox_grace_seconds: float = 30.0
    intake_publish_behind: bool = True  # publish behind the answer while busy (shared/services/announcing.py)
    max_body_bytes: int = 64 * 1024
    webhook_allow_http: bool = False    # https only in production
    webhook_allowlist: Names = ()       # CIDRs allowed despite being private
    webhook_retry_schedule: Seconds = WEBHOOK_RETRY_SCHEDULE  # seconds, comma-separated
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
    telegram_webhook_secret: str | None = Field(default=None, repr=False)  # X-Telegram-Bot-Api-Secret-Token
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"  # the WhatsApp Cloud API; a stand-in locally
    whatsapp_phone_number_id: str | None = None     # the sending number's id in the Cloud API
    whatsapp_token: str | None = Field(default=None, repr=False)  # its access token (Secret Manager)
    allow_clock_override: bool = False  # ticks may carry "as_of" (tests only)
    lapor_base_url: str | None = None   # the LAPOR! integration API (unset: no sync/push)
    lapor_token: str | None = Field(default=None, repr=False)  # its access token; never logged
    lapor_page_size: int = Field(default=100, ge=1, le=100)     # reports per page
    lapor_run_seconds: float = Field(default=240.0, ge=1, le=3600)  # a sync run stops starting pages after this
    lapor_max_attempts: int = Field(default=8, ge=1, le=100)     # push attempts before an item is parked dead
    lapor_submit_sources: Names = ("*",)  # city sources submitted to LAPOR! (* = all)
    # Abuse limits (issue 14; shared/web/limits.py): hits per minute, 0 = no such limit.
    limit_source_per_minute: int = Field(default=600, ge=0)   # intake deliveries per source
    limit_key_per_minute: int = Field(default=600, ge=0)      # requests per API key (units, Open311)
    limit_address_per_minute: int = Field(default=600, ge=0)  # requests per client address (per function)
    lockout_free_failures: int = Field(default=10, ge=1)      # auth failures per address before a lockout
    trusted_proxy_hops: int = Field(default=0, ge=0, le=5)    # X-Forwarded-For entries added by our proxies
    env: Literal["development", "production"] = "development"  # production: PRODUCTION_REQUIREMENTS at start
    function: str | None = Field(default=None, validation_alias=AliasChoices(*FUNCTION_VARIABLES))  # its name

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
        """The settings of this process; raises one ConfigError naming every bad variable.

        With ``SIGAP_ENV=production`` the function's PRODUCTION_REQUIREMENTS are checked
        too, so a function that lacks a setting it needs fails at start, not at its first
        request (nor runs without LAPOR! or with loopback links)."""
        environ = os.environ if environ is None else environ
        try:
            with _reading(environ):
                settings = cls()
        except ValidationError as exc:
            problems = _problems(exc)
            if in_production(environ):  # what else is missing, the bad ones aside
                bad = {name for names, _ in problems for name in names}
                rest = {key: value for key, value in environ.items() if key.upper() not in bad}
                rest |= {PROJECT_VARIABLES[0]: "unset"} if bad & set(PROJECT_VARIABLES) else {}  # reported already
                try:
                    with _reading(rest):
                        problems += [p for p in production_problems(cls()) if not set(p[0]) & bad]
                except ValidationError:
                    pass
            raise ConfigError(_joined(problems, environ)) from None
        if settings.env == "production" and (problems := production_problems(settings)):
            raise ConfigError(_joined(problems, environ))
        return settings

    @field_validator("function", mode="before")
    @classmethod
    def _function(cls, raw: Any) -> Any:
        return raw.replace("-", "_") if isinstance(raw, str) else raw  # K_SERVICE is "deliver-notifications"

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

    @field_validator("link_secret")
    @classmethod
    def _link_secret(cls, secret: str | None) -> str | None:
        if secret is not None and len(secret) < 32:
            raise ValueError("SIGAP_LINK_SECRET must be at least 32 characters")
        return secret

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

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_webhook_secret(cls, secret: str | None) -> str | None:
        # Telegram's own rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
            raise ValueError("SIGAP_TELEGRAM_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        return secret

    @field_validator("whatsapp_api_base")
    @classmethod
    def _whatsapp_url(cls, url: str) -> str:
        if not url.startswith(("https://", "http://")):
            raise ValueError("SIGAP_WHATSAPP_API_BASE must be an http(s) URL")
        return url

    @model_validator(mode="after")
    def _whatsapp_token_with_number(self) -> Settings:
        if bool(self.whatsapp_token) != bool(self.whatsapp_phone_number_id):
            raise ValueError("SIGAP_WHATSAPP_TOKEN and SIGAP_WHATSAPP_PHONE_NUMBER_ID are set together or not at all")
        return self

    def require_link_secret(self) -> str:
        """The key of people's links and sessions (shared/web/links.py): SIGAP_LINK_SECRET."""
        if not self.link_secret:
            raise ConfigError("SIGAP_LINK_SECRET must be set for case links, sign-in and sessions")
        return self.link_secret

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


Problem = tuple[tuple[str, ...], str]  # the variables it is about, and what is wrong


def _problems(exc: ValidationError) -> list[Problem]:
    """Every error, naming its variable; a value is never repeated (it may be a secret)."""
    problems: list[Problem] = []
    for error in exc.errors(include_url=False, include_input=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        if not error["loc"]:  # a rule across several variables names them itself
            problems.append((tuple(re.findall(r"\bSIGAP_[A-Z_]+", message)), message))
            continue
        name = str(error["loc"][0])
        name = variable(name) if name in Settings.model_fields else name
        if error["type"] == "missing" and name in PROJECT_VARIABLES:
            message = "SIGAP_PROJECT_ID (or GOOGLE_CLOUD_PROJECT) must name the Google Cloud project"
        names = PROJECT_VARIABLES if name in PROJECT_VARIABLES else (name,)
        problems.append((names, message if name in message else f"{name}: {message}"))
    return problems


def _named(environ: Mapping[str, str], name: str) -> str | None:
    return next((value for key, value in environ.items() if key.upper() == name and value), None)


def _joined(problems: list[Problem], environ: Mapping[str, str]) -> str:
    messages = list(dict.fromkeys(message for _, message in problems))
    if not in_production(environ):
        return "; ".join(messages)
    function = next((_named(environ, v) for v in FUNCTION_VARIABLES if _named(environ, v)), None)
    who = f"function '{function.replace('-', '_')}'" if function else "this function"
    return (f"{who} cannot start in production, {len(messages)} setting(s) to fix: " + "; ".join(messages))


# --- What each function needs in production -------------------------------------------------
# The one table: docs/deploy.md ("Settings required in production") lists the same variables
# (tests/unit/test_config.py checks), and infra/terraform passes each required one to its
# function (tests/unit/test_terraform.py checks).

@dataclass(frozen=True)
class Requirement:
    """A rule on a function's settings in production: ``kind`` says how ``variables`` take part.

    required: the variables must be set, as ``problem`` says (e.g. a password with its user);
    one_of: at least one of them. Terraform passes each variable of both kinds to the
    function. not_true: must be unset or false, and Terraform passes none of them."""
    kind: Literal["required", "one_of", "not_true"]
    variables: tuple[str, ...]
    problem: Callable[[Settings], str | None]


def _loopback_or_private(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "") or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def _https_url(name: str, url: str | None, *, public: bool = False) -> str | None:
    if not url:
        return f"{name} must be set"
    if not url.startswith("https://"):
        return f"{name} must be an https:// URL"
    if public and _loopback_or_private(url):
        return f"{name} must be a public host, not a loopback or private address (links in messages point there)"
    return None


_EVERY_FUNCTION = (
    Requirement("required", ("SIGAP_FUNCTION",), lambda s: None if s.function in PRODUCTION_REQUIREMENTS else
                "SIGAP_FUNCTION (or FUNCTION_TARGET) must name one of Sigap's functions"),
    Requirement("required", ("SIGAP_PROJECT_ID",), lambda s: None if s.project_id else "SIGAP_PROJECT_ID must be set"),
    Requirement("not_true", ("SIGAP_ALLOW_CLOCK_OVERRIDE",), lambda s: None if not s.allow_clock_override else
                "SIGAP_ALLOW_CLOCK_OVERRIDE must not be true in production (ticks could move the clock)"),
    Requirement("not_true", ("SIGAP_WEBHOOK_ALLOW_HTTP",), lambda s: None if not s.webhook_allow_http else
                "SIGAP_WEBHOOK_ALLOW_HTTP must not be true in production (webhooks are https only)"),
)
_ADMIN_TOKEN = Requirement("required", ("SIGAP_ADMIN_TOKEN",), lambda s: None if s.admin_token else
                           "SIGAP_ADMIN_TOKEN must be set (the admin API and the dashboard check it)")
_CHANNEL = Requirement("one_of", ("SIGAP_SMTP_HOST", "SIGAP_TELEGRAM_BOT_TOKEN"),
                       lambda s: None if s.smtp_host or s.telegram_bot_token else
                       "SIGAP_SMTP_HOST or SIGAP_TELEGRAM_BOT_TOKEN must be set (no notification channel)")
_LAPOR = (Requirement("required", ("SIGAP_LAPOR_BASE_URL",), lambda s: _https_url("SIGAP_LAPOR_BASE_URL",
                                                                                  s.lapor_base_url)),
          Requirement("required", ("SIGAP_LAPOR_TOKEN",), lambda s: None if s.lapor_token else
                      "SIGAP_LAPOR_TOKEN must be set"))

PRODUCTION_REQUIREMENTS: dict[str, tuple[Requirement, ...]] = {  # beyond _EVERY_FUNCTION; every function is a key
    "intake": (Requirement("required", ("SIGAP_INTAKE_SECRETS",), lambda s: None if s.intake_secrets else
                           "SIGAP_INTAKE_SECRETS must name at least one source"),),
    "cases": (_ADMIN_TOKEN,),
    "open311": (),
    "units": (_ADMIN_TOKEN,),
    "webhooks": (_ADMIN_TOKEN,),
    "reports": (_ADMIN_TOKEN,
                Requirement("required", ("SIGAP_LINK_SECRET",), lambda s: None if s.link_secret else
                            "SIGAP_LINK_SECRET must be set (people's sign-in links, sessions and case links)"),
                Requirement("required", ("SIGAP_PUBLIC_BASE_URL",),
                            lambda s: _https_url("SIGAP_PUBLIC_BASE_URL", s.public_base_url, public=True)
                            if "public_base_url" in s.model_fields_set else
                            "SIGAP_PUBLIC_BASE_URL must be set (sign-in links point there)")),
    "route": (),
    "sweep_outbox": (),
    "dispatch_webhooks": (),
    "deliver_webhooks": (),
    "notify": (Requirement("required", ("SIGAP_PUBLIC_BASE_URL",),
                           lambda s: _https_url("SIGAP_PUBLIC_BASE_URL", s.public_base_url, public=True)
                           if "public_base_url" in s.model_fields_set else
                           "SIGAP_PUBLIC_BASE_URL must be set (unset, links in messages point at 127.0.0.1)"),
               _CHANNEL,
               Requirement("required", ("SIGAP_LINK_SECRET",), lambda s: None if s.link_secret else
                           "SIGAP_LINK_SECRET must be set (each message links to the case page signed for its "
                           "recipient)")),
    "deliver_notifications": (_CHANNEL, Requirement(
        "required", ("SIGAP_SMTP_USER", "SIGAP_SMTP_PASSWORD"), lambda s: None if not s.smtp_user or s.smtp_password
        else "SIGAP_SMTP_PASSWORD must be set when SIGAP_SMTP_USER is")),
    # with Telegram on (its bot token mounted), the webhook needs its secret; off, it answers 503
    "telegram_webhook": (Requirement("required", ("SIGAP_TELEGRAM_WEBHOOK_SECRET",), lambda s: None if
                                     s.telegram_webhook_secret or not s.telegram_bot_token else
                                     "SIGAP_TELEGRAM_WEBHOOK_SECRET must be set when SIGAP_TELEGRAM_BOT_TOKEN is "
                                     "(the webhook refuses every update without it)"),),
    "escalate": (),
    "digest": (),
    "sync_lapor": _LAPOR,
    "push_lapor": _LAPOR,
    "queue_lapor_submission": (),
    "reports_ingest": (),
    "learn_routing": (),
}


def in_production(environ: Mapping[str, str] | None = None) -> bool:
    """``SIGAP_ENV=production`` (read before the settings, which it makes stricter)."""
    return _named(os.environ if environ is None else environ, "SIGAP_ENV") == "production"


def requirements_of(function: str | None) -> tuple[Requirement, ...]:
    """The rules a function's settings meet in production (an unknown function: the common ones)."""
    return _EVERY_FUNCTION + PRODUCTION_REQUIREMENTS.get(function or "", ())


def production_problems(settings: Settings) -> list[Problem]:
    """What keeps this function from starting in production (empty: nothing)."""
    return [(rule.variables, problem) for rule in requirements_of(settings.function)
            if (problem := rule.problem(settings))]

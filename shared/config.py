"""Settings.from_env(): the one reader of the environment, validated, passed down."""
from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from shared.catalog_files import DEFAULT_CATALOG_DIR


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


@dataclass(frozen=True)
class Settings:
    project_id: str
    intake_secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    admin_token: str | None = field(default=None, repr=False)
    catalog_dir: Path = DEFAULT_CATALOG_DIR
    outbox_grace_seconds: float = 30.0
    max_body_bytes: int = 64 * 1024

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
        )

    def require_admin_token(self) -> str:
        if not self.admin_token:
            raise ConfigError("SIGAP_ADMIN_TOKEN must be set for the admin API")
        return self.admin_token

"""The cold-start floor of an intake built the way issue 13 asks, next to the minimal
handler (tests/benchmarks/minimal_intake.py): the same commit, publish and delete, plus
the two libraries the issue makes every function use, at their smallest: the settings read
by pydantic-settings (the three intake needs) and the body validated by a pydantic model
(the complaint's required fields). Nothing of Sigap is imported.

``make bench-cold-start`` starts it beside intake and the minimal handler: its ratio to the
minimal handler is what pydantic and pydantic-settings cost before any of Sigap's own code
runs, so it bounds the ratio any intake written this way can reach.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import functions_framework
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# functions-framework loads this file by its path, as it loads the minimal handler beside it
_spec = importlib.util.spec_from_file_location("minimal_intake", Path(__file__).with_name("minimal_intake.py"))
assert _spec is not None and _spec.loader is not None
minimal_intake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(minimal_intake)


class _Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGAP_", extra="ignore")
    project_id: str
    intake_secrets: dict[str, str] = {}
    limit_source_per_minute: int = Field(default=600, ge=0)


class _Complaint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    external_id: str = Field(min_length=1, max_length=128)
    title: str = Field(min_length=5, max_length=200)
    description: str = Field(min_length=10, max_length=5000)
    location: dict[str, Any] | None = None


_settings: list[_Settings] = []


@functions_framework.http
def intake(request: Any) -> tuple[dict[str, str], int]:
    if not _settings:
        _settings.append(_Settings())  # project_id comes from SIGAP_PROJECT_ID
    complaint = _Complaint.model_validate_json(request.get_data())
    return minimal_intake.intake_with(complaint.model_dump())

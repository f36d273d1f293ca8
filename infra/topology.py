"""Reads infra/topology.yaml: Sigap's functions, their triggers and topics. The
local stack (``infra.local``) reads it here; production's Terraform (``infra/terraform``)
reads the same file with ``yamldecode``. It imports no Google client."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TOPOLOGY_FILE = Path(__file__).resolve().parent / "topology.yaml"


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    trigger: str  # http, topic or schedule
    topic: str | None = None
    topics: tuple[str, ...] = ()  # a function fed by several topics (one subscription each)
    timeout_seconds: int | None = None       # the function's timeout, when longer than the default
    ack_deadline_seconds: int | None = None  # its push subscriptions' ack deadline, likewise
    every_seconds: float | None = None
    cron: str | None = None

    @property
    def signature_type(self) -> str:
        return "http" if self.trigger == "http" else "cloudevent"


def load_topology(path: Path = TOPOLOGY_FILE) -> dict[str, Any]:
    """The parsed file, with ``functions`` as a list of :class:`FunctionSpec`."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text())
    raw["functions"] = [FunctionSpec(**{**f, "topics": tuple(f.get("topics", ()))}) for f in raw["functions"]]
    return raw

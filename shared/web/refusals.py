"""Refusal kinds to HTTP statuses: the only place where a domain refusal becomes a number."""
from __future__ import annotations

from collections.abc import Mapping

from shared.domain.unit_actions import Refusal

STATUS: Mapping[Refusal, int] = {
    Refusal.INVALID_TRANSITION: 409,
    Refusal.COORDINATOR_ONLY: 403,
    Refusal.CASE_NOT_FOUND: 404,
    Refusal.INVALID_FIELD: 422,
    Refusal.UNKNOWN_UNIT: 422,
    Refusal.UNKNOWN_CATEGORY: 422,
    Refusal.MISSING_IDEMPOTENCY_KEY: 422,
    Refusal.IDEMPOTENCY_KEY_REUSED: 422,
}
assert set(STATUS) == set(Refusal), "every refusal kind needs its HTTP status"


def http_status(refused: Refusal | None) -> int:
    """200 for an action made (or replayed); the kind's status for a refusal."""
    return 200 if refused is None else STATUS[refused]

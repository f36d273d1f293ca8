"""The one error every optimistic write raises when it loses."""
from __future__ import annotations


class Conflict(Exception):
    """An optimistic write lost: someone else changed or created the document first."""

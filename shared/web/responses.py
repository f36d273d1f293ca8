"""JSON responses, and the one error shape of every Sigap HTTP API."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response


def encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(f"cannot encode {type(value).__name__}")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, default=encode_value, ensure_ascii=False), status=status,
                    mimetype="application/json", headers=headers)


def error(status: int, code: str, message: str, field: str | None = None,
          headers: dict[str, str] | None = None) -> Response:
    """``{"error": {"code", "message", "field"}}``: code is machine-readable, field names the input."""
    return json_response({"error": {"code": code, "message": message, "field": field}}, status, headers)

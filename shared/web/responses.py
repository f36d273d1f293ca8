"""JSON and HTML responses, and the one error shape of every Sigap HTTP API.

Every HTML page answers through ``html_response`` (issue 14): a Content-Security-Policy
with no inline script (a script the page carries inline is allowed only by its SHA-256
hash: pass its exact text in ``scripts``), no framing (``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``), ``nosniff``, ``Referrer-Policy: no-referrer`` and
``Cache-Control: no-store`` (pages hold staff data). Inline ``<style>`` and style
attributes are allowed (``style-src 'unsafe-inline'``): they cannot run code."""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask import Response


def encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(f"cannot encode {type(value).__name__}")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body, default=encode_value, ensure_ascii=False), status=status,
                        mimetype="application/json", headers=headers)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def error(status: int, code: str, message: str, field: str | None = None,
          headers: dict[str, str] | None = None) -> Response:
    """``{"error": {"code", "message", "field"}}``: code is machine-readable, field names the input."""
    return json_response({"error": {"code": code, "message": message, "field": field}}, status, headers)


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script: ``'sha256-...'``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def content_security_policy(scripts: Iterable[str] = ()) -> str:
    script_src = " ".join(["'self'", *(script_hash(s) for s in scripts)])
    return ("default-src 'none'; " f"script-src {script_src}; " "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")


def html_headers(scripts: Iterable[str] = ()) -> dict[str, str]:
    """The headers every HTML page carries (see the module's docstring)."""
    return {"Content-Security-Policy": content_security_policy(scripts), "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
            "Cross-Origin-Opener-Policy": "same-origin"}


def html_response(body: str, status: int = 200, headers: Mapping[str, str] | None = None, *,
                  scripts: Iterable[str] = ()) -> Response:
    """An HTML page (UTF-8) with the security headers; ``headers`` are added (a Location,
    a Set-Cookie are set on the returned response as usual)."""
    response = Response(body, status=status, mimetype="text/html")
    response.headers.update(html_headers(scripts))
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response

"""The admin bearer token check shared by the admin APIs."""
from __future__ import annotations

import hmac
from typing import Any

from flask import Request, Response

from shared.web.responses import error


def admin_refusal(request: Request, app: Any) -> Response | None:
    """None when the request carries the admin token; otherwise the 401 to answer."""
    token = app.settings.require_admin_token()
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return None
    return error(401, "unauthorized", "send Authorization: Bearer <admin token>", "Authorization",
                 headers={"WWW-Authenticate": "Bearer"})

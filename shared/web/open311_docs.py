"""The Open311 routes' contract: each path in both formats (``.json`` and ``.xml``, the
format a route default), its answers and errors in the spec's shape."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from shared.web.auth import OPEN311_KEY
from shared.web.contract import Operation, Reply
from shared.web.open311_models import Open311Errors
from shared.web.routing import Handler, Param, Route

XML = "text/xml"
ERRORS = {400: "a parameter or form field is missing or invalid", 403: "api_key is missing, unknown or revoked",
           404: "no such service, request or endpoint", 405: "the path answers other methods (see Allow)",
           429: "too many requests from this address or with this api_key, or too many failed api_keys"}


def _reply(fmt: str, description: str, model: type[BaseModel] | None) -> Reply:
    if fmt == "xml":
        return Reply(description, None, media=XML,
                     schema={"type": "string", "description": "GeoReport v2 XML: the JSON answer's fields as elements"})
    return Reply(description, model)


def pair(path: str, method: str, handler: Handler, summary: str, ok: Mapping[int, tuple[str, type[BaseModel]]],
         errors: tuple[int, ...], params: Mapping[str, Param] | None = None, **more: Any) -> list[Route]:
    """The route in both formats: ``{path}.json`` and ``{path}.xml``."""
    routes = []
    for fmt in ("json", "xml"):
        replies = {status: _reply(fmt, text, model) for status, (text, model) in ok.items()}
        replies.update({s: _reply(fmt, ERRORS[s], Open311Errors) for s in (*errors, 405, 429)})
        replies[405] = Reply(replies[405].description, replies[405].model, replies[405].media, replies[405].schema,
                             headers={"Allow": "the methods the path answers"})
        replies[429] = Reply(replies[429].description, replies[429].model, replies[429].media, replies[429].schema,
                             headers={"Retry-After": "seconds to wait"})
        routes.append(Route(f"{path}.{fmt}", method, handler, Operation(f"{summary} ({fmt.upper()})", replies, **more),
                            params=params or {}, defaults={"fmt": fmt}))
    return routes


def with_services(document: dict[str, Any], codes: list[str]) -> dict[str, Any]:
    """The document with the catalog's service codes as the form's choices (they are configuration)."""
    form = document["components"]["schemas"].get("RequestForm")
    if form is not None:
        form["properties"]["service_code"].pop("default", None)
        form["properties"]["service_code"]["enum"] = codes
        form["required"] = ["service_code", "description"]  # without them: 400 (404 for an unknown code)
    return document


SECURED = ((OPEN311_KEY,),)

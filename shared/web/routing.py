"""A small router per HTTP function, on werkzeug's ``Map`` and ``Rule``.

A function declares its routes once, as a table of ``Route`` (an OpenAPI-style path
such as ``/cases/{case_id}``, one method, the handler, the path parameters' patterns
and the operation's contract). The same table answers requests and writes the
function's OpenAPI document (``shared/web/openapi.py``), so the two cannot drift.

Guarantees: a path that matches no route is a ``Match`` with no route and no allowed
methods (404); a path that exists under other methods lists them in ``allowed``
(405, and the ``Allow`` header says them); a trailing slash is accepted and never
redirected; a GET route answers HEAD too.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Request, Response
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import BaseConverter, Map, Rule

from shared.web.contract import Operation
from shared.web.responses import error

Handler = Callable[..., Response]
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Param:
    """A path parameter: the pattern its value must match (one path segment) and what it is."""
    pattern: str
    description: str


@dataclass(frozen=True)
class Route:
    path: str                       # OpenAPI style: /cases/{case_id}
    method: str                     # GET, POST, DELETE
    handler: Handler                # called as handler(request, app, **path values, **defaults)
    operation: Operation | None     # None: answered, but not part of the documented contract
    params: Mapping[str, Param] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    route: Route | None
    values: Mapping[str, Any] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()   # when route is None: the methods the path answers (405), or () (404)

    def call(self, request: Request, app: Any) -> Response:
        assert self.route is not None
        return self.route.handler(request, app, **self.values)


def _converter(pattern: str) -> type[BaseConverter]:
    return type("Pattern", (BaseConverter,), {"regex": pattern, "part_isolating": True})


class Router:
    """The routes of one HTTP function, matched by werkzeug."""

    def __init__(self, routes: Iterable[Route]):
        self.routes = tuple(routes)
        converters: dict[str, type[BaseConverter]] = {}
        rules = []
        for index, route in enumerate(self.routes):
            def rule_part(found: re.Match[str], route: Route = route) -> str:
                name = found.group(1)
                key = f"p{len(converters)}"
                converters[key] = _converter(route.params[name].pattern)
                return f"<{key}:{name}>"
            rules.append(Rule(_PLACEHOLDER.sub(rule_part, route.path), methods=[route.method], endpoint=str(index),
                              defaults=dict(route.defaults) or None))
        self._map = Map(rules, strict_slashes=False, merge_slashes=False, redirect_defaults=False,
                        converters=converters)  # never a redirect: an answer or 404/405

    def match(self, request: Request) -> Match:
        adapter = self._map.bind("function", url_scheme="http")
        try:
            index, values = adapter.match(request.path or "/", request.method)
        except MethodNotAllowed as exc:
            return Match(None, allowed=tuple(sorted(exc.valid_methods or ())))
        except NotFound:
            return Match(None)
        return Match(self.routes[int(index)], values)


def allow_header(allowed: Iterable[str]) -> dict[str, str]:
    return {"Allow": ", ".join(allowed)}


def routing_error(match: Match, hint: str) -> Response:
    """The JSON answer when no route matched: 405 with ``Allow``, else 404 ``not_found`` with a hint."""
    if match.allowed:
        methods = [m for m in match.allowed if m != "HEAD"] or list(match.allowed)
        return error(405, "method_not_allowed", f"use {' or '.join(methods)}", headers=allow_header(match.allowed))
    return error(404, "not_found", f"no such endpoint; {hint}")


def serve_admin_only(router: Router, request: Request, app: Any, hint: str,
                     refusal: Callable[[Request, Any], Response | None]) -> Response:
    """A function whose every route needs the admin token, except its OpenAPI document:
    the document answers anyone; the rest answer ``refusal`` first, then route (404/405 with ``hint``)."""
    match = router.match(request)
    if match.route is not None and match.route.path == "/openapi.json":
        return match.call(request, app)
    refused = refusal(request, app)
    if refused is not None:
        return refused
    return match.call(request, app) if match.route else routing_error(match, hint)

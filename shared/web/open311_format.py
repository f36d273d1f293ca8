"""Open311 answers in the format the path asks for (``.json`` or ``.xml``), errors as the
spec says: a list of ``{code, description}`` with the HTTP status as code."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from flask import Response

from shared.web.responses import encode_value, json_response
from shared.web.routing import allow_header

_ITEM = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
         "errors": "error"}
# characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Open311Error(Exception):
    def __init__(self, status: int, description: str, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status, self.description, self.headers = status, description, headers


def not_allowed(allowed: tuple[str, ...]) -> Open311Error:
    methods = [m for m in allowed if m != "HEAD"]
    return Open311Error(405, f"use {' or '.join(methods)} here", headers=allow_header(allowed))


def _text(value: Any) -> str | None:
    """The element's text; a character XML cannot carry becomes U+FFFD, so the answer stays well-formed."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(encode_value(value)) if isinstance(value, datetime) else str(value))


def _xml(root: str, body: Any) -> Response:
    def fill(element: ElementTree.Element, value: Any, tag: str) -> None:
        if isinstance(value, list):
            item_tag = _ITEM.get(tag, "item")
            for item in value:
                fill(ElementTree.SubElement(element, item_tag), item, item_tag)
        elif isinstance(value, dict):
            for key, inner in value.items():
                fill(ElementTree.SubElement(element, key), inner, key)
        else:
            element.text = _text(value)
    tree = ElementTree.Element(root)
    fill(tree, body, root)
    return Response(ElementTree.tostring(tree, encoding="utf-8", xml_declaration=True), mimetype="text/xml")


def answer(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    response = _xml(root, body) if fmt == "xml" else json_response(body)
    response.status_code = status
    return response


def error_answer(fmt: str, exc: Open311Error) -> Response:
    response = answer(fmt, "errors", [{"code": exc.status, "description": exc.description}], exc.status)
    response.headers.update(exc.headers or {})
    return response

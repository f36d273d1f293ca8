"""The one mapping from a pydantic ``ValidationError`` to Sigap's answer, and the
readers of bodies and query strings that use it.

Rules (the first problem wins): a body that is not UTF-8, not JSON, JSON nested deeper
than ``MAX_DEPTH`` arrays and objects, or JSON that is not an object, is 400
``malformed_json`` (the signature, where there is one, was checked on the raw bytes
before: shared/web/intake.py); anything else is 422 naming the field, with the
code ``invalid_field``, unless ``codes`` gives a top-level field its own code and
message: then the field is named as a whole (``event_types``, not ``event_types.0``)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, TypeVar

from flask import Response
from pydantic import BaseModel, ValidationError

from shared.web.responses import error

M = TypeVar("M", bound=BaseModel)
MAX_DEPTH = 32  # no Sigap body nests deeper than 4; the parser's own limit is only a backstop
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_AN_OBJECT = frozenset({"model_type", "model_attributes_type", "dict_type"})


@dataclass(frozen=True)
class Problem:
    status: int
    code: str
    message: str
    field: str | None = None

    def response(self) -> Response:
        return error(self.status, self.code, self.message, self.field)


def field_name(loc: tuple[Any, ...]) -> str | None:
    return ".".join(str(part) for part in loc) or None


def problem_of(exc: ValidationError, *, hints: Mapping[str, str] | None = None,
               codes: Mapping[str, tuple[str, str]] | None = None,
               names: Mapping[str, str] | None = None) -> Problem:
    """``hints``: words added to "x is required" per field; ``codes``: field -> (code, message);
    ``names``: the name the caller knows a field by (a form's, when a model was built from it)."""
    first = exc.errors(include_url=False)[0]
    if first["type"] == "json_invalid":
        return Problem(400, "malformed_json", "the body is not valid JSON")
    if first["type"] in _NOT_AN_OBJECT and not first["loc"]:
        return Problem(400, "malformed_json", "the body must be a JSON object")
    field = field_name(first["loc"])
    field = (names or {}).get(field or "", field)
    top = str(first["loc"][0]) if first["loc"] else ""
    if codes and top in codes:
        code, message = codes[top]
        return Problem(422, code, message, top)
    if first["type"] == "missing":
        return Problem(422, "invalid_field", f"{field} is required{(hints or {}).get(field or '', '')}", field)
    return Problem(422, "invalid_field", f"{field}: {first['msg']}", field)


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in ``raw`` (brackets inside strings do not count)."""
    brackets = _STRINGS.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(1 if b in b"[{" else -1 for b in brackets), default=0)


def body_problem(raw: bytes) -> Problem | None:
    """What makes ``raw`` unreadable before any model sees it: not UTF-8, or nested too deep."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return Problem(400, "malformed_json", "the body is not valid UTF-8")
    if json_depth(raw) > MAX_DEPTH:
        return Problem(400, "malformed_json", f"the body nests deeper than {MAX_DEPTH} levels")
    return None


def read_json(model: type[M], raw: bytes, *, hints: Mapping[str, str] | None = None,
              codes: Mapping[str, tuple[str, str]] | None = None) -> M | Response:
    """The body as ``model``, or the answer that refuses it."""
    problem = body_problem(raw)
    if problem is not None:
        return problem.response()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        return problem_of(exc, hints=hints, codes=codes).response()


def wire_values(model: type[BaseModel], args: Mapping[str, str]) -> dict[str, str]:
    """The parameters (query or form) a model reads, by their names on the wire (aliases);
    an empty value counts as absent."""
    names = (info.alias or name for name, info in model.model_fields.items())
    return {name: args[name] for name in names if args.get(name)}


def read_query(model: type[M], args: Mapping[str, str],
               codes: Mapping[str, tuple[str, str]] | None = None) -> M | Response:
    """The query string as ``model`` (its fields' names; unknown parameters are ignored)."""
    try:
        return model.model_validate(wire_values(model, args))
    except ValidationError as exc:
        return problem_of(exc, codes=codes).response()

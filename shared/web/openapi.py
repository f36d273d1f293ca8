"""OpenAPI 3.1 documents, written from each function's route table: every documented
route with its method, path, query and header parameters, request body, answers per
status (the error shape included) and security. Schemas come from the pydantic models
that validate the requests and describe the answers (``model_json_schema``), so the
document is the code's own contract. Served at ``/<function>/openapi.json``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from shared.web.contract import AnyObject, Operation, Reply, errors
from shared.web.security import SCHEMES

if TYPE_CHECKING:
    from shared.web.routing import Route, Router

VERSION = "1.0.0"
_REF = "#/components/schemas/{model}"
SPEC_OPERATION = Operation("This API's OpenAPI 3.1 document", replies={200: Reply("the document", AnyObject),
                                                                       **errors()})


def document(function: str, title: str, router: Router, description: str = "") -> dict[str, Any]:
    """The document of one function, whose paths are relative to the server ``/<function>``."""
    defs: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    schemes: set[str] = set()
    for route in router.routes:
        if route.operation is not None:
            paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, route.operation, defs)
            schemes.update(name for alternative in route.operation.security for name in alternative)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": VERSION, "description": description or f"Sigap function `{function}`"},
        "servers": [{"url": f"/{function}"}],
        "paths": paths,
        "components": {"schemas": dict(sorted(defs.items())),
                       "securitySchemes": {name: SCHEMES[name] for name in sorted(schemes)}},
    }


def schema_of(model: type[BaseModel], defs: dict[str, Any],
              mode: Literal["validation", "serialization"]) -> dict[str, Any]:
    """A reference to the model's schema, which goes with the schemas it uses into ``defs``."""
    schema = model.model_json_schema(ref_template=_REF, mode=mode)
    defs.update(schema.pop("$defs", {}))
    defs[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter is one that may be left out; ``null`` cannot be sent in a query."""
    options = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    if len(options) == 1 and "anyOf" in schema:
        rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
        return {**options[0], **rest}
    return schema


def _query(model: type[BaseModel], defs: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=_REF, mode="validation")
    defs.update(schema.pop("$defs", {}))
    required = set(schema.get("required", ()))
    fields = {info.alias or name: info for name, info in model.model_fields.items()}
    out = []
    for name, prop in schema["properties"].items():
        prop = _without_null({k: v for k, v in prop.items() if k not in ("title", "description")})
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        described = fields[name].description
        out.append({**param, "description": described} if described else param)
    return out


def _reply(reply: Reply, defs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": reply.description}
    if reply.schema is not None:
        out["content"] = {reply.media: {"schema": dict(reply.schema)}}
    elif reply.model is not None:
        out["content"] = {reply.media: {"schema": schema_of(reply.model, defs, "serialization")}}
    if reply.headers:
        out["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                          for name, text in reply.headers.items()}
    return out


def _operation(route: Route, op: Operation, defs: dict[str, Any]) -> dict[str, Any]:
    params = [{"name": name, "in": "path", "required": True, "description": p.description,
               "schema": {"type": "string", "pattern": f"^(?:{p.pattern})$"}} for name, p in route.params.items()]
    params += [{"name": h.name, "in": "header", "required": h.required, "description": h.description,
                "schema": dict(h.schema)} for h in op.headers]
    if op.query is not None:
        params += _query(op.query, defs)
    out: dict[str, Any] = {"summary": op.summary, "operationId": _operation_id(route)}
    if op.description:
        out["description"] = op.description
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": op.body_required,
                              "content": {op.body_media: {"schema": schema_of(op.body, defs, "validation")}}}
    out["responses"] = {str(status): _reply(reply, defs) for status, reply in sorted(op.replies.items())}
    out["security"] = [{name: [] for name in alternative} for alternative in op.security]
    return out


def _operation_id(route: Route) -> str:
    words = [w.strip("{}") for w in route.path.replace(".", "_").split("/") if w]
    return "_".join([route.method.lower(), *words]) or route.method.lower()

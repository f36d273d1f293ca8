"""Creates encoded straight to protobuf: the writes of a commit built without the client's
proto-plus layer, for the documents Sigap writes on its hot path.

google-cloud-firestore encodes a document through proto-plus wrappers: building intake's
four creates (case, delivery key, timeline entry, outbox event) costs about 1.3 ms of CPU,
a quarter of what an intake request costs its process under load. The same ``Write``
messages built on the protobuf classes underneath take about 0.2 ms (docs/benchmarks.md).

Only plain values take this path: ``None``, ``bool``, ``int``, ``float``, ``str``, a plain
``datetime``, and ``dict`` (string keys), ``list`` and ``tuple`` of those, checked by exact
type. Anything else (a sentinel such as ``SERVER_TIMESTAMP``, a nanosecond datetime, bytes,
a reference, a GeoPoint, a subclass) returns ``None`` and the caller lets the client encode
the document as usual. tests/unit/test_firestore_encoding.py holds every encoding here equal,
byte for byte, to the client's own.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from google.cloud.firestore_v1.base_batch import BaseBatch
from google.cloud.firestore_v1.types import write as write_types

_WRITE = write_types.Write.pb()


class _Unsupported(Exception):
    pass


def _encode(value: Any, out: Any) -> None:
    kind = type(value)
    if value is None:
        out.null_value = 0
    elif kind is bool:
        out.boolean_value = value
    elif kind is int:
        out.integer_value = value
    elif kind is float:
        out.double_value = value
    elif kind is str:
        out.string_value = value
    elif kind is datetime:
        out.timestamp_value.FromDatetime(value)
    elif kind is dict:
        fields = out.map_value.fields
        out.map_value.SetInParent()
        for key, item in value.items():
            if type(key) is not str:
                raise _Unsupported
            _encode(item, fields[key])
    elif kind is list or kind is tuple:
        values = out.array_value.values
        out.array_value.SetInParent()
        for item in value:
            _encode(item, values.add())
    else:
        raise _Unsupported


def create_write(document_path: str, data: dict[str, Any]) -> Any | None:
    """The ``Write`` protobuf creating ``document_path`` with ``data`` (it must not exist yet),
    or None when ``data`` holds a value only the client can encode."""
    write = _WRITE()
    write.update.name = document_path
    try:
        fields = write.update.fields
        for key, value in data.items():
            if type(key) is not str:
                return None
            _encode(value, fields[key])
    except (_Unsupported, ValueError, TypeError, OverflowError):
        return None  # the client encodes it, and raises what it raises for a bad value
    write.current_document.exists = False
    return write


def stage_create(batch: Any, ref: Any, data: dict[str, Any]) -> bool:
    """Adds to ``batch`` (a client's WriteBatch) what ``batch.create(ref, data)`` would add,
    encoded here; False, adding nothing, when the client must encode it (or it is no batch
    of the client's: a test's stand-in)."""
    if not isinstance(batch, BaseBatch):
        return False
    encoded = create_write(ref._document_path, data)
    if encoded is None:
        return False
    batch._document_references[ref._document_path] = ref  # as BaseBatch.create does
    batch._add_write_pbs([encoded])
    return True

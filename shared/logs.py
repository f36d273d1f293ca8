"""Structured JSON logs, one line per event, in the shape Cloud Logging reads.

Only identifiers and outcomes are logged: never a complaint's text, a reporter's
identity or a secret. Callers pass ``fields`` explicitly; nothing is logged implicitly.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import sys
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TextIO, TypeVar

_trace: contextvars.ContextVar[str | None] = contextvars.ContextVar("sigap_trace", default=None)
_project: str | None = None


def configure(project_id: str) -> None:
    global _project
    _project = project_id


def bind_trace(header_value: str | None) -> None:
    """Accepts ``X-Cloud-Trace-Context`` (TRACE/SPAN;o=1) or W3C ``traceparent``."""
    trace_id = None
    if header_value:
        if header_value.startswith("00-") and header_value.count("-") >= 3:
            trace_id = header_value.split("-")[1]
        else:
            trace_id = header_value.split("/")[0].split(";")[0] or None
    _trace.set(trace_id)


_muted: contextvars.ContextVar[bool] = contextvars.ContextVar("sigap_logs_muted", default=False)


@contextlib.contextmanager
def muted() -> Iterator[None]:
    """No log lines inside the block (for command-line reports whose output is the point)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def log(severity: str, message: str, stream: TextIO | None = None, **fields: Any) -> None:
    if _muted.get():
        return
    entry: dict[str, Any] = {
        "severity": severity,
        "message": message,
        "time": datetime.now(UTC).isoformat(),
        **fields,
    }
    trace_id = _trace.get()
    if trace_id and _project:
        entry["logging.googleapis.com/trace"] = f"projects/{_project}/traces/{trace_id}"
    print(json.dumps(entry, default=str, ensure_ascii=False), file=stream or sys.stdout, flush=True)


def info(message: str, **fields: Any) -> None:
    log("INFO", message, **fields)


def warning(message: str, **fields: Any) -> None:
    log("WARNING", message, **fields)


def error(message: str, **fields: Any) -> None:
    log("ERROR", message, **fields)


F = TypeVar("F", bound=Callable[..., Any])


def reported(function: F) -> F:
    """Logs an exception escaping an entry point as one ERROR line (the framework's own
    server is silent about a 500), then lets it propagate so the trigger retries."""
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            log("ERROR", f"{function.__name__} failed: {type(exc).__name__}\n{traceback.format_exc()}",
                function=function.__name__, stream=sys.stderr)
            raise
    return wrapper  # type: ignore[return-value]

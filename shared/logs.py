"""Structured JSON logs, one line per event, in the shape Cloud Logging reads.

Only identifiers and outcomes are logged: never a complaint's text, a reporter's
identity or a secret. Callers pass ``fields`` explicitly; nothing is logged implicitly.

One line is one JSON object, always (issue 14): each line is written whole, by one
``os.write`` loop on the stream's file descriptor under one lock for every stream and
thread, so concurrent requests never glue two objects onto a line. ``install()`` routes
Python's ``logging`` (Flask's "Exception on ..." with its traceback, werkzeug, the
Google clients; gunicorn through shared/gunicorn_logs.py) into the same writer, tracebacks
inside the JSON object; entry points call it when they are imported.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import io
import json
import logging
import os
import sys
import threading
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
    write_line(json.dumps(entry, default=str, ensure_ascii=False), stream or sys.stdout)


_write_lock = threading.Lock()
# what json.dumps(ensure_ascii=False) leaves raw but str.splitlines() breaks on: escaped
_LINE_BREAKS = {ord(c): f"\\u{ord(c):04x}" for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def write_line(line: str, stream: TextIO) -> None:
    """``line`` (no newline in it: JSON escapes them) and its newline, written whole."""
    data = (line.translate(_LINE_BREAKS) + "\n").encode("utf-8", "backslashreplace")
    with _write_lock:
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            fd = -1  # a stream without a descriptor (tests' StringIO, pytest's capture): one write
        if fd < 0:
            stream.write(data.decode("utf-8"))
            stream.flush()
            return
        stream.flush()  # anything printed before goes first
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]


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


_SEVERITY = {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARNING", "ERROR": "ERROR", "CRITICAL": "CRITICAL"}


class JsonHandler(logging.Handler):
    """A ``logging`` record as one of Sigap's JSON lines (to stderr), its traceback inside."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + "".join(traceback.format_exception(*record.exc_info))
            elif record.stack_info:
                message += "\n" + record.stack_info
            log(_SEVERITY.get(record.levelname, "DEFAULT"), message, stream=sys.stderr, logger=record.name)
        except Exception:  # a broken log record must never break the request
            self.handleError(record)


def install() -> None:
    """Python's logging through ``JsonHandler`` (once per process): the root logger gets it,
    so Flask finds a handler and adds no plain-text one of its own."""
    root = logging.getLogger()
    if not any(isinstance(h, JsonHandler) for h in root.handlers):
        root.addHandler(JsonHandler())
    for name in ("flask.app", "werkzeug"):
        logging.getLogger(name).propagate = True


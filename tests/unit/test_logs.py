import io
import json

import pytest

from shared import logs


def capture(monkeypatch, **fields):
    out = io.StringIO()
    logs.log("WARNING", "something happened", stream=out, **fields)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_json_line_with_severity_and_message(monkeypatch):
    logs.bind_trace(None)
    (entry,) = capture(monkeypatch, case_id="c-1")
    assert entry["severity"] == "WARNING" and entry["message"] == "something happened"
    assert entry["case_id"] == "c-1" and "logging.googleapis.com/trace" not in entry


@pytest.mark.parametrize("header, trace", [
    ("105445aa7843bc8bf206b12000100000/1;o=1", "105445aa7843bc8bf206b12000100000"),
    ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736"),
])
def test_trace_field_from_either_header(monkeypatch, header, trace):
    logs.configure("sigap-prod")
    logs.bind_trace(header)
    (entry,) = capture(monkeypatch)
    assert entry["logging.googleapis.com/trace"] == f"projects/sigap-prod/traces/{trace}"
    logs.bind_trace(None)


def test_reported_logs_the_failure_once_and_reraises(capsys):
    @logs.reported
    def handler():
        raise ValueError("boom")
    with pytest.raises(ValueError):
        handler()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(lines) == 1 and lines[0]["severity"] == "ERROR" and lines[0]["function"] == "handler"


def test_muted_silences_only_inside_the_block():
    out = io.StringIO()
    with logs.muted():
        logs.log("INFO", "hidden", stream=out)
    logs.log("INFO", "shown", stream=out)
    assert [json.loads(line)["message"] for line in out.getvalue().splitlines()] == ["shown"]


def test_threads_never_glue_two_objects_onto_one_line(tmp_path):
    """Issue 14: one os.write per line under one lock; 16 threads x 200 lines, some long."""
    import threading
    path = tmp_path / "log.jsonl"
    with path.open("w") as stream:
        def spam(n):
            for i in range(200):
                logs.log("INFO", "x" * (i * 37 % 5000), stream=stream, thread=n, i=i)
        threads = [threading.Thread(target=spam, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    lines = path.read_text().split("\n")
    assert lines[-1] == "" and len(lines) == 16 * 200 + 1
    assert len({(json.loads(line)["thread"], json.loads(line)["i"]) for line in lines[:-1]}) == 16 * 200


def test_python_logging_with_a_traceback_is_one_json_line(capsys):
    import logging
    logs.install()
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("flask.app").exception("Exception on /x [GET]")
    lines = capsys.readouterr().err.splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert lines and all(line.startswith("{") for line in lines)
    (entry,) = [e for e in entries if e.get("logger") == "flask.app"]
    assert entry["severity"] == "ERROR" and "RuntimeError: boom" in entry["message"]
    assert "Traceback" in entry["message"]


def test_line_breaks_json_leaves_raw_are_escaped():
    out = io.StringIO()
    logs.log("INFO", "a\u2028b\x85c\nd", stream=out)
    (line,) = out.getvalue().splitlines()
    assert json.loads(line)["message"] == "a\u2028b\x85c\nd"

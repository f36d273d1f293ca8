"""Benchmark: intake throughput through the real function, against the same emulator's
raw single-document transactional writes, in the same run. Rerun with ``make bench``.

    python -m tests.benchmarks.bench_intake [--requests 400] [--threads 8] [--rounds 3] [--warmup 2000]

The baseline (raw ``transaction.get`` + ``transaction.set`` on distinct documents, straight
to the Firestore emulator) is measured before every intake run and once after the last,
and the ratio is intake / the mean of all raw runs; on a noisy shared machine the rounds
are what make the ratio mean something. Intake is measured two ways in each round:

- ``gateway``: through the local gateway, as before: one Python process serving every
  function, so each complaint's consumers (route, the webhook dispatcher, the LAPOR!
  submission, notify) run in the same process as intake;
- ``dedicated``: the same ``functions/main.py`` served for ``intake`` alone by its own
  functions-framework process, as production runs each function on its own instances;
  its events still flow to the consumers in the gateway, which share the machine;
- ``alone``: that process again, in a second project on the same emulators whose
  ``complaint-received`` topic has no subscriber: intake's own cost (validation, the
  commit, the publish, the outbox delete) without the consumers' work on the same two
  cores, which in production runs on the consumers' own instances;
- ``minimal``: tests/benchmarks/minimal_intake.py served the same way (same project): the
  same Firestore and Pub/Sub calls with nothing of Sigap around them, a second baseline
  that tells the cost of intake's writes apart from the cost of Sigap's code.

- ``commit`` and ``noop``: the bounds, served from minimal_intake.py: its commit alone (no
  publish, no outbox delete), and a handler that only parses the body.

- ``before`` (with ``--before REF``): intake alone as of commit ``REF``, served from a git
  worktree beside the others, so a change is measured against the code before it.

``--modes`` picks the paths (``alone,minimal`` on a loaded machine); ``--setting K=V`` adds
a setting. The abuse limits stay on, with limits no bench can reach, so their cost counts.

Cold start: ``make bench-cold-start`` (tests/benchmarks/bench_cold_start.py); the import
times below are kept for comparison with older runs.
"""
from __future__ import annotations

import argparse
import base64
import functools
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
import urllib3

from infra.local.stack import ROOT, LocalStack, Process, free_port, port_open, wait_until
from shared.domain.integrations.signature import signed_headers
from tests.benchmarks.bench_cold_start import import_seconds
from tests.benchmarks.process_cpu import group_cpu_seconds

PROJECT = "sigap-bench"


class CpuMeter:
    """CPU milliseconds per request of each named process group, and of this bench (its client)."""

    def __init__(self, groups: dict[str, int]):
        self._groups = groups
        self.per_request: dict[str, list[float]] = {name: [] for name in [*groups, "bench client"]}

    def measure(self, count: int, work: Callable[[], float]) -> float:
        before = {name: group_cpu_seconds(pid) for name, pid in self._groups.items()}
        client = sum(os.times()[:2])
        result = work()
        for name, pid in self._groups.items():
            self.per_request[name].append(1000 * (group_cpu_seconds(pid) - before[name]) / count)
        self.per_request["bench client"].append(1000 * (sum(os.times()[:2]) - client) / count)
        return result

    def medians(self) -> dict[str, float]:
        return {name: round(statistics.median(runs), 2) for name, runs in self.per_request.items() if runs}


def rate(count: int, threads: int, work: Callable[[int], Any]) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(count)))
    return count / (time.perf_counter() - started)


def transactional_writes(count: int, threads: int) -> float:
    from google.cloud import firestore
    client = firestore.Client(project=PROJECT)

    @firestore.transactional
    def write(transaction: Any, ref: Any, i: int) -> None:
        transaction.get(ref)
        transaction.set(ref, {"n": i, "at": firestore.SERVER_TIMESTAMP})

    run = secrets.token_hex(3)

    def one(i: int) -> None:
        write(client.transaction(max_attempts=1), client.collection("bench_raw").document(f"{run}-{i}"), i)
    return rate(count, threads, one)


def intake_requests(url: str, secret: str, count: int, threads: int, client: str = "urllib3") -> float:
    """Signed new complaints POSTed to ``url`` (the intake function's root); each must be a 201.

    ``client``: ``urllib3`` (a connection pool, the default) or ``requests`` (a Session per
    thread, as the first runs did). On two cores the client shares the CPU with what it
    measures: requests costs ~0.9-1.2 ms of CPU per call here, urllib3 ~0.4 ms, against
    ~1.0-1.3 ms for a whole raw transactional write (docs/benchmarks.md)."""
    local = threading.local()
    run = secrets.token_hex(4)
    parsed = urllib3.util.parse_url(url)
    pool = urllib3.HTTPConnectionPool(parsed.host or "127.0.0.1", parsed.port, maxsize=threads, block=True)
    path = f"{parsed.path or ''}/sources/demo/complaints"

    def one(i: int) -> None:
        body = json.dumps({"external_id": f"bench-{run}-{i}", "title": "Jalan berlubang di Jl. Soekarno Hatta",
                           "description": "Lubang besar di depan sekolah membahayakan pengendara motor.",
                           "location": {"kelurahan": "Mulyojati"}})
        if client == "requests":
            if not hasattr(local, "session"):
                local.session = requests.Session()
            response = local.session.post(f"{url}/sources/demo/complaints", data=body,
                                          headers=signed_headers(secret, body), timeout=60)
            assert response.status_code == 201, response.text
            return
        answer = pool.request("POST", path, body=body.encode(), headers=signed_headers(secret, body), timeout=60)
        assert answer.status == 201, answer.data
    try:
        return rate(count, threads, one)
    finally:
        pool.close()


def dedicated_intake(stack: LocalStack, log_dir: Path, project: str | None = None,
                     source: Path = ROOT / "functions" / "main.py", tree: Path | None = None,
                     target: str = "intake") -> tuple[Process, str]:
    """``intake`` of ``source``, served by its own functions-framework process (production's
    shape); in ``project`` (whose topic then has no subscriber) when given; with ``shared``
    imported from ``tree`` (another checkout) when given."""
    port = free_port()
    env = {**stack.env, "PYTHONPATH": str(tree)} if tree else stack.env
    if project:
        import google.cloud.pubsub_v1 as pubsub_v1
        publisher = pubsub_v1.PublisherClient()
        topic = publisher.topic_path(project, "complaint-received")
        if topic not in {t.name for t in publisher.list_topics(project=f"projects/{project}")}:
            publisher.create_topic(name=topic)
        env = {**env, "SIGAP_PROJECT_ID": project, "GOOGLE_CLOUD_PROJECT": project}
    command = [str(Path(sys.executable).parent / "functions-framework"), "--target", target,
               "--source", str(source), "--host", "127.0.0.1", "--port", str(port)]
    name = f"{target}-{project or 'dedicated'}-{source.stem}" + ("-before" if tree else "")
    process = Process(name, command, env, log_dir)
    wait_until(lambda: port_open(port), "dedicated intake", process, 60)
    return process, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2000, help="raw writes first (and a fifth as many intakes)")
    parser.add_argument("--modes", default="gateway,dedicated,alone,minimal,commit,noop",
                        help="which intake paths to measure, comma-separated (a loaded machine: alone,minimal); "
                             "commit and noop are the bounds of minimal_intake.py")
    parser.add_argument("--before", metavar="REF",
                        help="also measure intake alone as of this git commit (mode `before`, a worktree)")
    parser.add_argument("--client", choices=("urllib3", "requests"), default="urllib3",
                        help="the bench's HTTP client (requests: as the runs before 2026-12-02)")
    parser.add_argument("--setting", action="append", default=[], metavar="SIGAP_X=V",
                        help="an extra setting for every function (e.g. SIGAP_LIMIT_ADDRESS_PER_MINUTE=0)")
    args = parser.parse_args()
    modes = [mode for mode in args.modes.split(",") if mode] + (["before"] if args.before else [])
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    settings = {"SIGAP_INTAKE_SECRETS": json.dumps({"demo": secret}), "SIGAP_ADMIN_TOKEN": secrets.token_urlsafe(24),
                # one bench client sends thousands a minute from one address and source: the
                # limits must not refuse it, but they are still counted (their cost is measured)
                "SIGAP_LIMIT_ADDRESS_PER_MINUTE": "1000000", "SIGAP_LIMIT_SOURCE_PER_MINUTE": "1000000",
                **dict(item.split("=", 1) for item in args.setting)}
    log_dir = Path(tempfile.mkdtemp(prefix="sigap-bench-"))
    stack = LocalStack(project=PROJECT, firestore_port=free_port(), pubsub_port=free_port(),
                       gateway_port=free_port(), settings=settings, log_dir=log_dir, scheduler=False)
    stack.start()
    os.environ.update(FIRESTORE_EMULATOR_HOST=stack.firestore_host, PUBSUB_EMULATOR_HOST=stack.pubsub_host)
    raw: list[float] = []
    intake: dict[str, list[float]] = {mode: [] for mode in modes}
    try:
        dedicated, dedicated_url = dedicated_intake(stack, log_dir)
        alone, alone_url = dedicated_intake(stack, log_dir, project=f"{PROJECT}-alone")
        minimal, minimal_url = dedicated_intake(stack, log_dir, project=f"{PROJECT}-alone",
                                                source=ROOT / "tests" / "benchmarks" / "minimal_intake.py")
        processes = [dedicated, alone, minimal]
        bounds = {}
        for mode, target in (("commit", "intake_commit_only"), ("noop", "intake_noop")):
            if mode in modes:
                process, bounds[mode] = dedicated_intake(stack, log_dir, project=f"{PROJECT}-alone", target=target,
                                                         source=ROOT / "tests" / "benchmarks" / "minimal_intake.py")
                processes.append(process)
        before_url = ""
        if args.before:
            tree = log_dir / "before"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.before], cwd=ROOT, check=True,
                           capture_output=True)
            before, before_url = dedicated_intake(stack, log_dir, project=f"{PROJECT}-alone",
                                                  source=tree / "functions" / "main.py", tree=tree)
            processes.append(before)
        urls = {mode: url for mode, url in {"gateway": f"{stack.gateway_url}/intake", "dedicated": dedicated_url,
                                            "alone": alone_url, "minimal": minimal_url,
                                            "before": before_url, **bounds}.items() if mode in modes}
        # The emulator's JIT keeps speeding the raw path up for its first thousands of writes
        # (seen here: 95/s rising to 380/s within one run): warm every path up first.
        transactional_writes(args.warmup, args.threads)
        for url in urls.values():
            intake_requests(url, secret, args.warmup // 5, args.threads, args.client)
        emulators = {"firestore emulator": stack.process("firestore-emulator").popen.pid,
                     "pubsub emulator": stack.process("pubsub-emulator").popen.pid}
        served = {"gateway": stack.process("gateway")} if "gateway" in modes else {}
        served |= {mode: process for mode, process in (("dedicated", dedicated), ("alone", alone),
                                                       ("minimal", minimal)) if mode in modes}
        served |= {mode: process for mode, process in zip(bounds, processes[3:], strict=False)}
        if args.before:
            served["before"] = before
        meters = {mode: CpuMeter({**emulators, "served": served[mode].popen.pid}) for mode in urls}
        raw_meter = CpuMeter(emulators)
        for turn in range(args.rounds):  # each round starts one mode later: no mode always follows another
            order = list(urls.items())
            for mode, url in order[turn % len(order):] + order[:turn % len(order)]:
                raw.append(raw_meter.measure(args.requests, lambda: transactional_writes(args.requests, args.threads)))
                intake[mode].append(meters[mode].measure(args.requests, functools.partial(
                    intake_requests, url, secret, args.requests, args.threads, args.client)))
        raw.append(raw_meter.measure(args.requests, lambda: transactional_writes(args.requests, args.threads)))
        for process in processes:
            process.stop()
    finally:
        stack.stop()
        if args.before:
            subprocess.run(["git", "worktree", "remove", "--force", str(log_dir / "before")], cwd=ROOT,
                           capture_output=True)
    baseline = statistics.mean(raw)
    env = {**os.environ, "SIGAP_PROJECT_ID": PROJECT}
    framework = import_seconds("import functions_framework", env, 5)
    functions = import_seconds("import runpy; runpy.run_path('functions/main.py')", env, 5)
    print(json.dumps({
        "threads": args.threads, "requests": args.requests, "rounds": args.rounds, "client": args.client,
        "raw_transactional_writes_per_s": round(baseline, 1),
        "raw_runs_per_s": [round(r, 1) for r in raw],
        **{f"intake_{mode}_requests_per_s": round(statistics.mean(runs), 1) for mode, runs in intake.items()},
        **{f"intake_{mode}_runs_per_s": [round(r, 1) for r in runs] for mode, runs in intake.items()},
        **{f"intake_{mode}_to_raw_write_ratio": round(statistics.mean(runs) / baseline, 2)
           for mode, runs in intake.items()},
        **({"intake_alone_to_minimal_ratio": round(statistics.mean(intake["alone"])
                                                   / statistics.mean(intake["minimal"]), 2)}
           if {"alone", "minimal"} <= set(modes) else {}),
        "cpu_ms_per_request": {"raw": raw_meter.medians(), **{mode: meter.medians() for mode, meter in meters.items()}},
        "import_functions_framework_s": round(framework, 3),
        "import_functions_main_s": round(functions, 3),
        "import_ratio_to_bare_framework": round(functions / framework, 2),
    }, indent=2))


if __name__ == "__main__":
    main()

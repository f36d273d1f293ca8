"""Benchmark: intake throughput through the real function, against the same
emulator's raw single-document transactional writes, in the same run; and the cold
start (import) of the functions module. Rerun with ``make bench``.

    python -m tests.benchmarks.bench_intake [--requests 400] [--threads 8]
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from infra.local.stack import ROOT, LocalStack, free_port
from shared.domain.integrations.signature import signed_headers

PROJECT = "sigap-bench"


def rate(count: int, threads: int, work) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(count)))
    return count / (time.perf_counter() - started)


def transactional_writes(count: int, threads: int) -> float:
    from google.cloud import firestore
    client = firestore.Client(project=PROJECT)

    @firestore.transactional
    def write(transaction, ref, i):
        transaction.get(ref)
        transaction.set(ref, {"n": i, "at": firestore.SERVER_TIMESTAMP})

    def one(i):
        write(client.transaction(max_attempts=1), client.collection("bench_raw").document(f"d{i}"), i)
    return rate(count, threads, one)


def intake_requests(stack: LocalStack, count: int, threads: int) -> float:
    secret = json.loads(stack.settings["SIGAP_INTAKE_SECRETS"])["demo"]
    local = threading.local()
    run = secrets.token_hex(4)

    def one(i):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        session = local.session
        body = json.dumps({"external_id": f"bench-{run}-{i}", "title": "Jalan berlubang di Jl. Soekarno Hatta",
                           "description": "Lubang besar di depan sekolah membahayakan pengendara motor.",
                           "location": {"kelurahan": "Mulyojati"}})
        response = session.post(f"{stack.gateway_url}/intake/sources/demo/complaints", data=body,
                                headers=signed_headers(secret, body), timeout=60)
        assert response.status_code == 201, response.text
    return rate(count, threads, one)


def import_seconds(code: str, repeats: int = 5) -> float:
    env = {**os.environ, "SIGAP_PROJECT_ID": PROJECT}
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter();" + code +
                              ";print(time.perf_counter()-t)"], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    settings = {"SIGAP_INTAKE_SECRETS": json.dumps({"demo": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()}),
                "SIGAP_ADMIN_TOKEN": secrets.token_urlsafe(24)}
    stack = LocalStack(project=PROJECT, firestore_port=free_port(), pubsub_port=free_port(),
                       gateway_port=free_port(), settings=settings,
                       log_dir=Path(tempfile.mkdtemp(prefix="sigap-bench-")), scheduler=False)
    stack.start()
    os.environ.update(FIRESTORE_EMULATOR_HOST=stack.firestore_host, PUBSUB_EMULATOR_HOST=stack.pubsub_host)
    try:
        transactional_writes(50, args.threads), intake_requests(stack, 50, args.threads)  # warm up both
        raw = transactional_writes(args.requests, args.threads)
        intake = intake_requests(stack, args.requests, args.threads)
        raw_again = transactional_writes(args.requests, args.threads)
    finally:
        stack.stop()
    baseline = (raw + raw_again) / 2
    framework = import_seconds("import functions_framework")
    functions = import_seconds("import runpy; runpy.run_path('functions/main.py')")
    first = import_seconds("import runpy; m=runpy.run_path('functions/main.py'); "
                           "from shared import bootstrap; bootstrap.app()")
    print(json.dumps({
        "threads": args.threads, "requests": args.requests,
        "raw_transactional_writes_per_s": round(baseline, 1),
        "raw_runs_per_s": [round(raw, 1), round(raw_again, 1)],
        "intake_requests_per_s": round(intake, 1),
        "intake_to_raw_write_ratio": round(intake / baseline, 2),
        "import_functions_framework_s": round(framework, 3),
        "import_functions_main_s": round(functions, 3),
        "import_main_plus_bootstrap_s": round(first, 3),
        "cold_start_ratio_to_bare_framework": round(functions / framework, 2),
    }, indent=2))


if __name__ == "__main__":
    main()

"""Benchmark: cold start of ``intake``, from a fresh process to its first answer, next to a
minimal functions-framework handler making the same Firestore and Pub/Sub calls
(tests/benchmarks/minimal_intake.py), in the same run, on the same emulators.

Each repetition starts ``functions-framework --target intake`` on a free port, once with
``functions/main.py``, once with the minimal handler and once with the minimal handler plus
pydantic-settings and a pydantic body model (tests/benchmarks/minimal_validated_intake.py,
the floor of any intake built with the libraries issue 13 asks for), rotating which goes
first, and POSTs one signed complaint as soon as the port accepts: the time from spawning the
process to the 201 is the cold start (interpreter, imports, gunicorn, first request with
its client creation and its commit, publish and delete). Prints JSON with the medians,
every run, the ratios (intake to minimal: target <= 1.3), the CPU seconds each handler's
processes spent to their first answer (a steadier measure of the work than wall time on a
noisy machine) and, for reference, import times alone.

Each handler runs from a folder staged as production stages intake's
(``infra.deploy.stage_source``): its modules' bytecode compiled beside them, since a Cloud
Functions instance keeps nothing it writes and would otherwise compile every module on
each cold start; intake is also served from a folder staged without it, in the same
rotation, to show what that costs. ``--no-bytecode`` stages every folder without it (a
checkout run with PYTHONDONTWRITEBYTECODE, as on this machine). Either way the handlers'
processes write no bytecode, so every repetition starts as the first did.

    python -m tests.benchmarks.bench_cold_start [--repeats 7] [--before REF] [--no-bytecode]
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from infra import deploy
from infra.local.stack import ROOT, Process, emulator_env, free_port, http_ok, wait_until
from shared.domain.integrations.signature import signed_headers
from tests.benchmarks.process_cpu import group_cpu_seconds

PROJECT = "sigap-bench-cold"
SIGAP = str(ROOT / "functions" / "main.py")
MINIMAL = ROOT / "tests" / "benchmarks" / "minimal_intake.py"
# the minimal handler plus pydantic-settings and a pydantic body model: issue 13's floor
VALIDATED = ROOT / "tests" / "benchmarks" / "minimal_validated_intake.py"


def stage(tree: Path, into: Path, *, bytecode: bool) -> Path:
    """``tree``'s functions staged as production stages them (``infra.deploy.stage_source``):
    the main.py to serve."""
    return deploy.stage_source(into, root=tree, bytecode=bytecode) / "main.py"


def stage_minimal(into: Path, *, bytecode: bool) -> tuple[str, str]:
    """The two minimal handlers in a folder of their own, staged the same way."""
    into.mkdir(parents=True)
    for handler in (MINIMAL, VALIDATED):
        shutil.copy(handler, into / handler.name)
    if bytecode:
        deploy.compile_bytecode(into)
    return str(into / MINIMAL.name), str(into / VALIDATED.name)


def start_emulators(log_dir: Path) -> tuple[list[Process], dict[str, str]]:
    firestore, pubsub = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
    env.update(FIRESTORE_EMULATOR_HOST=firestore, PUBSUB_EMULATOR_HOST=pubsub, SIGAP_PROJECT_ID=PROJECT,
               GOOGLE_CLOUD_PROJECT=PROJECT)
    processes = [
        Process("firestore-emulator", ["gcloud", "emulators", "firestore", "start", f"--host-port={firestore}",
                                       "--quiet"], env, log_dir),
        Process("pubsub-emulator", ["gcloud", "beta", "emulators", "pubsub", "start", f"--host-port={pubsub}",
                                    f"--project={PROJECT}", "--quiet"], env, log_dir)]
    for process, host in zip(processes, (firestore, pubsub), strict=True):
        wait_until(lambda host=host: http_ok(f"http://{host}/"), process.name, process, 60)
    with emulator_env(env):
        import google.cloud.pubsub_v1 as pubsub_v1
        publisher = pubsub_v1.PublisherClient()
        publisher.create_topic(name=publisher.topic_path(PROJECT, "complaint-received"))
    return processes, env


def first_answer(source: str, env: dict[str, str], secret: str, log_dir: Path, run: str) -> tuple[float, float]:
    """Seconds from spawning the function's process to its first answer (a 201), and the CPU
    seconds its processes (gunicorn's arbiter and worker) spent to get there."""
    port = free_port()
    body = json.dumps({"external_id": f"cold-{run}", "title": "Jalan berlubang di Jl. Soekarno Hatta",
                       "description": "Lubang besar di depan sekolah membahayakan pengendara motor.",
                       "location": {"kelurahan": "Mulyojati"}})
    command = [str(Path(sys.executable).parent / "functions-framework"), "--target", "intake",
               "--source", source, "--host", "127.0.0.1", "--port", str(port)]
    started = time.perf_counter()
    process = Process(f"cold-{run}", command, env, log_dir)
    try:
        while True:
            try:
                response = requests.post(f"http://127.0.0.1:{port}/sources/demo/complaints", data=body,
                                         headers=signed_headers(secret, body), timeout=60)
                break
            except requests.ConnectionError:
                if not process.alive():
                    raise RuntimeError(f"{source} exited early:\n{process.tail()}") from None
                time.sleep(0.005)
        elapsed = time.perf_counter() - started
        cpu = group_cpu_seconds(process.popen.pid)
        if response.status_code != 201:
            raise RuntimeError(f"{source} answered {response.status_code}: {response.text}")
        return elapsed, cpu
    finally:
        process.stop()


MODULES_AT_FIRST_ANSWER = """
import json, os, sys
from functions_framework import create_app
from shared.domain.integrations.signature import signed_headers
before = set(sys.modules)
client = create_app("intake", sys.argv[1], "http").test_client()
body = json.dumps({"external_id": sys.argv[2], "title": "Jalan berlubang di Jl. Soekarno Hatta",
                   "description": "Lubang besar di depan sekolah membahayakan pengendara motor."})
secret = json.loads(os.environ["SIGAP_INTAKE_SECRETS"])["demo"]
assert client.post("/sources/demo/complaints", data=body, headers=signed_headers(secret, body)).status_code == 201
loaded = set(sys.modules) - before
print(json.dumps({"modules": len(loaded), "shared": len([m for m in loaded if m.startswith("shared")])}))
"""


def modules_at_first_answer(source: str, env: dict[str, str]) -> dict[str, int]:
    """Modules a process loads from creating the function to its first 201 (beyond
    functions-framework itself): a count that, unlike seconds, does not depend on load."""
    out = subprocess.run([sys.executable, "-c", MODULES_AT_FIRST_ANSWER, source, f"count-{secrets.token_hex(4)}"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    counts: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return counts


def import_seconds(code: str, env: dict[str, str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter();" + code +
                              ";print(time.perf_counter()-t)"], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def paired(runs: list[float], baseline: list[float]) -> float:
    """The median of each repetition's ratio to the baseline's run in the same rotation."""
    return round(statistics.median(a / b for a, b in zip(runs, baseline, strict=True)), 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--before", metavar="REF",
                        help="also start intake as of this git commit (a worktree), in the same rotation")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="stage every handler without its compiled bytecode")
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="sigap-bench-cold-"))
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    emulators, env = start_emulators(log_dir)
    env.update(SIGAP_INTAKE_SECRETS=json.dumps({"demo": secret}), SIGAP_ADMIN_TOKEN=secrets.token_urlsafe(24),
               PYTHONDONTWRITEBYTECODE="1")
    bytecode = not args.no_bytecode
    # each staged folder is imported first (PYTHONPATH), before the checkout's editable install
    intake = stage(ROOT, log_dir / "intake", bytecode=bytecode)
    minimal_main, validated_main = stage_minimal(log_dir / "minimal", bytecode=bytecode)
    order = [("sigap", str(intake), {**env, "PYTHONPATH": str(intake.parent)}), ("minimal", minimal_main, env),
             ("validated", validated_main, env)]
    if bytecode:  # what the staged bytecode saves, in the same run
        uncompiled = stage(ROOT, log_dir / "intake-uncompiled", bytecode=False)
        order.append(("uncompiled", str(uncompiled), {**env, "PYTHONPATH": str(uncompiled.parent)}))
    tree = log_dir / "before"
    if args.before:  # the tree before a change, staged the same way
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.before], cwd=ROOT, check=True,
                       capture_output=True)
        before = stage(tree, log_dir / "before-staged", bytecode=bytecode)
        order.append(("before", str(before), {**env, "PYTHONPATH": str(before.parent)}))
    runs: dict[str, list[float]] = {name: [] for name, _, _ in order}
    cpu: dict[str, list[float]] = {name: [] for name, _, _ in order}
    try:
        modules = {"intake": modules_at_first_answer(SIGAP, env),
                   "minimal": modules_at_first_answer(str(MINIMAL), env)}
        for name, source, source_env in order:  # page every code path into the OS cache
            first_answer(source, source_env, secret, log_dir, f"warm-up-{name}")
        for i in range(args.repeats):
            turn = i % len(order)
            for name, source, source_env in order[turn:] + order[:turn]:
                seconds, cpu_seconds = first_answer(source, source_env, secret, log_dir,
                                                    f"{name}-{i}-{secrets.token_hex(3)}")
                runs[name].append(seconds)
                cpu[name].append(cpu_seconds)
    finally:
        for process in reversed(emulators):
            process.stop()
        if args.before:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
    sigap, minimal = statistics.median(runs["sigap"]), statistics.median(runs["minimal"])
    validated = statistics.median(runs["validated"])
    imports = {
        "import_functions_framework_s": "import functions_framework",
        "import_functions_main_s": "import runpy; runpy.run_path('functions/main.py')",
        "import_minimal_handler_s": "import runpy; runpy.run_path('tests/benchmarks/minimal_intake.py')",
    }
    print(json.dumps({
        "repeats": args.repeats,
        "bytecode": "compiled when staged (infra/deploy.py)" if bytecode else "none: every module compiled",
        "intake_first_answer_median_s": round(sigap, 3),
        "minimal_first_answer_median_s": round(minimal, 3),
        "cold_start_ratio": round(sigap / minimal, 2),
        # each repetition's intake over the minimal handler started beside it (the same
        # seconds of a noisy machine), then the median: steadier than a ratio of medians
        "cold_start_ratio_paired": paired(runs["sigap"], runs["minimal"]),
        "target_ratio": 1.3,
        # the minimal handler with pydantic-settings and a pydantic body model, nothing of Sigap
        "validated_first_answer_median_s": round(validated, 3),
        "validated_to_minimal_ratio": round(validated / minimal, 2),
        "intake_to_validated_ratio": round(sigap / validated, 2),
        "validated_to_minimal_ratio_paired": paired(runs["validated"], runs["minimal"]),
        # CPU seconds of the function's own processes to the first answer (10 ms ticks): the
        # work done, which the machine's other load moves far less than wall time
        "cpu_to_first_answer_median_s": {name: round(statistics.median(v), 3) for name, v in cpu.items()},
        "cpu_ratio_to_minimal_paired": {name: paired(v, cpu["minimal"]) for name, v in cpu.items()
                                        if name != "minimal"},
        "intake_runs_s": [round(t, 3) for t in runs["sigap"]],
        "minimal_runs_s": [round(t, 3) for t in runs["minimal"]],
        "validated_runs_s": [round(t, 3) for t in runs["validated"]],
        **({"before": args.before, "before_first_answer_median_s": round(statistics.median(runs["before"]), 3),
            "before_to_minimal_ratio": round(statistics.median(runs["before"]) / minimal, 2),
            "before_to_minimal_ratio_paired": paired(runs["before"], runs["minimal"]),
            "before_runs_s": [round(t, 3) for t in runs["before"]]} if args.before else {}),
        **({"uncompiled_first_answer_median_s": round(statistics.median(runs["uncompiled"]), 3),
            "intake_to_uncompiled_ratio_paired": paired(runs["sigap"], runs["uncompiled"]),
            "uncompiled_runs_s": [round(t, 3) for t in runs["uncompiled"]]} if bytecode else {}),
        "modules_loaded_to_first_answer": modules,
        **{name: round(import_seconds(code, env, 5), 3) for name, code in imports.items()},
    }, indent=2))


if __name__ == "__main__":
    main()

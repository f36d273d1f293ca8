"""Deployment plan for Google Cloud, derived from infra/topology.yaml and
infra/firestore.indexes.json: every function (gen2, Python 3.11), its trigger,
Cloud Scheduler jobs (Asia/Jakarta), Pub/Sub topics with dead-lettering, and the
Firestore composite indexes. Secrets come from Secret Manager, never from here.

    python -m infra.deploy --project PROJECT [--region asia-southeast2] [--apply]

Without --apply it prints the commands (a dry run); with it, it runs them in order.
"""
from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from infra.topology import FunctionSpec, load_topology

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "functions"
SECRETS = {  # environment variable -> Secret Manager secret
    "SIGAP_INTAKE_SECRETS": "sigap-intake-secrets",
    "SIGAP_ADMIN_TOKEN": "sigap-admin-token",
    "SIGAP_LAPOR_TOKEN": "sigap-lapor-token",
}
# called from outside; they check signatures, keys or tokens
PUBLIC = {"intake", "open311", "cases", "units", "webhooks"}


def stage_source() -> Path:
    """One source folder as Cloud Functions expects it: main.py at the top, shared/ beside it."""
    if BUILD.exists():
        shutil.rmtree(BUILD)
    shutil.copytree(ROOT / "shared", BUILD / "shared", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "functions" / "main.py", BUILD / "main.py")
    shutil.copy(ROOT / "requirements.txt", BUILD / "requirements.txt")
    return BUILD


def check_catalog(project: str) -> None:
    """A bad catalog is never deployed: the catalog, routing rules, escalation policy and
    calendar load here or the plan stops (CatalogError names file, entry and problem).
    The functions themselves load each part only when they first need it."""
    from shared import bootstrap
    from shared.config import Settings
    bootstrap.check(bootstrap.App(Settings(project_id=project)))


def _function(spec: FunctionSpec, project: str, region: str, source: Path) -> list[list[str]]:
    base = ["gcloud", "functions", "deploy", spec.name.replace("_", "-"), "--gen2", "--runtime=python311",
            f"--project={project}", f"--region={region}", f"--source={source}", f"--entry-point={spec.name}",
            f"--set-env-vars=SIGAP_PROJECT_ID={project}",
            "--set-secrets=" + ",".join(f"{env}={secret}:latest" for env, secret in SECRETS.items())]
    if spec.timeout_seconds:
        base.append(f"--timeout={spec.timeout_seconds}")
    if spec.trigger == "http":
        access = "--allow-unauthenticated" if spec.name in PUBLIC else "--no-allow-unauthenticated"
        return [base + ["--trigger-http", access]]
    topics = ([spec.topic] if spec.topic else []) + list(spec.topics)
    commands = [base + [f"--trigger-topic={topics[0]}", "--retry"]]
    for topic in topics[1:]:  # one Eventarc trigger per further topic, onto the same service
        commands.append(["gcloud", "eventarc", "triggers", "create", f"{spec.name.replace('_', '-')}-{topic}",
                         f"--project={project}", f"--location={region}",
                         f"--destination-run-service={spec.name.replace('_', '-')}",
                         "--event-filters=type=google.cloud.pubsub.topic.v1.messagePublished",
                         f"--transport-topic={topic}"])
    return commands


def plan(project: str, region: str, source: Path) -> list[list[str]]:
    topology = load_topology()
    dead = topology["dead_letter"]
    commands = [["gcloud", "pubsub", "topics", "create", topic, f"--project={project}"]
                for topic in [*topology["topics"], dead["topic"]]]
    commands.append(["gcloud", "pubsub", "subscriptions", "create", dead["hold_subscription"],
                     f"--topic={dead['topic']}", f"--project={project}", "--message-retention-duration=7d"])
    for spec in topology["functions"]:
        commands += _function(spec, project, region, source)
        if spec.trigger == "schedule":
            commands.append(["gcloud", "scheduler", "jobs", "create", "pubsub", f"tick-{spec.name.replace('_', '-')}",
                             f"--project={project}", f"--location={region}", f"--schedule={spec.cron}",
                             "--time-zone=Asia/Jakarta", f"--topic={spec.topic}",
                             f'--message-body={json.dumps({"schedule": spec.name})}'])
    for index in json.loads((ROOT / "infra" / "firestore.indexes.json").read_text())["indexes"]:
        commands.append(["gcloud", "firestore", "indexes", "composite", "create", f"--project={project}",
                         f"--collection-group={index['collectionGroup']}",
                         f"--query-scope={index.get('queryScope', 'COLLECTION').lower().replace('_', '-')}",
                         *[f"--field-config=field-path={f['fieldPath']},order={f['order'].lower()}"
                           for f in index["fields"]]])
    return commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy")
    parser.add_argument("--project", required=True)
    parser.add_argument("--region", default="asia-southeast2")  # Jakarta
    parser.add_argument("--apply", action="store_true")
    args = parser.parse_args(argv)
    check_catalog(args.project)
    source = stage_source()
    for command in plan(args.project, args.region, source):
        print(shlex.join(command), flush=True)
        if args.apply:
            subprocess.run(command, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

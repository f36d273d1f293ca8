import json
from pathlib import Path

from infra.deploy import plan, stage_source
from infra.topology import load_topology

PLAN = plan("sigap-prod", "asia-southeast2", Path("/build"))
LINES = [" ".join(c) for c in PLAN]


def test_every_function_is_deployed_with_its_entry_point_and_secrets():
    for spec in load_topology()["functions"]:
        (deploy,) = [c for c in PLAN
                     if c[:3] == ["gcloud", "functions", "deploy"] and f"--entry-point={spec.name}" in c]
        assert "--runtime=python311" in deploy
        assert any(a.startswith("--set-secrets=SIGAP_INTAKE_SECRETS=") for a in deploy)
        assert not any("whsec_" in a for a in deploy)


def test_every_schedule_runs_in_jakarta_time_and_every_extra_topic_gets_a_trigger():
    for spec in load_topology()["functions"]:
        if spec.trigger == "schedule":
            assert any(f"--topic={spec.topic}" in line and "--time-zone=Asia/Jakarta" in line for line in LINES)
        for topic in spec.topics[1:]:
            assert any("eventarc triggers create" in line and f"--transport-topic={topic}" in line for line in LINES)


def test_every_composite_index_is_created():
    indexes = json.loads((Path(__file__).resolve().parents[2] / "infra" / "firestore.indexes.json").read_text())
    assert sum("firestore indexes composite create" in line for line in LINES) == len(indexes["indexes"])


def test_staged_source_has_main_at_the_top_and_shared_beside_it():
    source = stage_source()
    assert (source / "main.py").is_file() and (source / "shared" / "domain" / "case.py").is_file()
    assert (source / "requirements.txt").read_text().startswith("# Runtime")


def test_a_long_sync_run_gets_a_longer_timeout_and_ack_deadline():
    (spec,) = [f for f in load_topology()["functions"] if f.name == "sync_lapor"]
    (deploy,) = [c for c in PLAN if "--entry-point=sync_lapor" in c]
    assert "--timeout=300" in deploy and spec.ack_deadline_seconds == 300

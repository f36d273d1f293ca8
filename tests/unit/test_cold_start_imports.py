"""What intake loads before its first answer: its cold start is measured against a minimal
handler (tests/benchmarks/bench_cold_start.py, target <= 1.3x), so the modules only other
functions need must stay off its path. A fresh interpreter imports functions/main.py and
intake's web module and builds the parts a complaint without a category uses."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, runpy, sys
runpy.run_path("functions/main.py")
from shared import bootstrap
from shared.web import intake
app = bootstrap.app()
_parts = (app.uow, app.publisher, app.limits, app.clock, app.settings)
print(json.dumps(sorted(sys.modules)))
"""

# Each is a module another function needs and intake does not (with the reason it is heavy).
OFF_INTAKES_PATH = {
    "yaml": "the catalog's YAML (a complaint without a category never reads it)",
    "shared.domain.routing": "routing rules, the stemmer and fuzzy matching",
    "rapidfuzz": "fuzzy matching",
    "Sastrawi": "the stemmer",
    "shared.domain.reports": "the reports",
    "shared.adapters.firestore_aggregates": "the report aggregates",
    "shared.domain.integrations.lapor": "the LAPOR! domain (the sync and the push)",
    "shared.adapters.firestore_lapor": "the LAPOR! store",
    "shared.domain.integrations.webhooks": "outbound webhooks",
    "shared.delivery.policy": "the delivery engine's retry policy",
    "shared.delivery.state": "the delivery engine's states",
    "shared.domain.clock": "the escalation clock, policy and working calendar (a new case has no clock)",
    "shared.domain.catalog": "the catalog's domain (read only when a complaint names a category)",
}


def test_intake_loads_only_what_a_complaint_needs():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGAP_")}
    env.update(SIGAP_PROJECT_ID="sigap-imports", FIRESTORE_EMULATOR_HOST="127.0.0.1:9",
               PUBSUB_EMULATOR_HOST="127.0.0.1:9")
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "shared.web.intake" in loaded and "google.cloud.firestore" in loaded  # the probe ran intake's path
    found = {name: why for name, why in OFF_INTAKES_PATH.items()
             if any(m == name or m.startswith(name + ".") for m in loaded)}
    assert found == {}

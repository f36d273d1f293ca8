"""infra/terraform (production) stays in step with infra/topology.yaml, infra/firestore.indexes.json,
the code and docs/deploy.md. The HCL is parsed (python-hcl2), not planned: this machine cannot
download providers, so these tests check what Terraform is given and how it derives the rest."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from hcl2.utils import SerializationOptions

from shared.domain.events import TOPICS

ROOT = Path(__file__).resolve().parents[2]
TF = ROOT / "infra" / "terraform"
TOPOLOGY = yaml.safe_load((ROOT / "infra" / "topology.yaml").read_text())
INDEXES = json.loads((ROOT / "infra" / "firestore.indexes.json").read_text())
FUNCTIONS = {f["name"]: f for f in TOPOLOGY["functions"]}
_OPTIONS = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)


def _parse() -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, Any], dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = {}
    local_values: dict[str, Any] = {}
    variables: dict[str, Any] = {}
    terraform: dict[str, Any] = {}
    for path in sorted(TF.glob("*.tf")):
        doc = hcl2.load(path.open(), serialization_options=_OPTIONS)
        for block in doc.get("resource", []):
            for rtype, named in block.items():
                for name, body in named.items():
                    assert f"{rtype}.{name}" not in resources, f"{rtype}.{name} declared twice"
                    resources[f"{rtype}.{name}"] = body
        for block in doc.get("locals", []):
            assert not set(block) & set(local_values), f"locals declared twice: {set(block) & set(local_values)}"
            local_values.update(block)
        for block in doc.get("variable", []):
            variables.update(block)
        for block in doc.get("terraform", []):
            terraform.update(block)
    return resources, local_values, variables, terraform


RESOURCES, LOCALS, VARIABLES, TERRAFORM = _parse()
ACCESS: dict[str, dict[str, Any]] = LOCALS["function_access"]
SECRETS: dict[str, dict[str, Any]] = LOCALS["secrets"]


def _block(body: dict[str, Any], name: str) -> dict[str, Any]:
    (block,) = body[name]
    return block


def _has(expression: str, fragment: str) -> bool:
    """The fragment is in the expression, whitespace aside (python-hcl2 re-spaces expressions)."""
    return re.sub(r"\s+", "", fragment) in re.sub(r"\s+", "", expression)


def _of_type(rtype: str) -> dict[str, dict[str, Any]]:
    return {address: body for address, body in RESOURCES.items() if address.split(".")[0] == rtype}


# --- One source of truth ----------------------------------------------------------------------

def test_every_topology_function_has_an_access_entry_and_back():
    assert set(ACCESS) == set(FUNCTIONS), "infra/terraform/access.tf and infra/topology.yaml name other functions"


def test_terraform_reads_the_topology_and_the_indexes_files():
    assert LOCALS["topology"] == '${yamldecode(file("${path.module}/../topology.yaml"))}'
    assert _has(LOCALS["firestore_indexes"], 'file("${path.module}/../firestore.indexes.json")')
    assert _has(LOCALS["functions"], "for f in local.topology.functions")
    assert _has(LOCALS["functions"], "local.function_access[f.name]")
    assert LOCALS["dead_letter"] == "${local.topology.dead_letter}"
    assert LOCALS["retry"] == "${local.topology.retry}"


def test_every_topology_function_has_a_function_an_account_and_a_trigger():
    function = RESOURCES["google_cloudfunctions2_function.function"]
    account = RESOURCES["google_service_account.function"]
    assert function["for_each"] == account["for_each"] == "${local.functions}"
    assert account["account_id"] == "sigap-${each.value.service}"
    assert _block(function, "build_config")["entry_point"] == "${each.key}"
    assert _block(function, "build_config")["runtime"] == "python311"
    assert _block(function, "service_config")["service_account_email"] == \
        "${google_service_account.function[each.key].email}"
    # http: invoked by the internet or by admins; topic and schedule: by their push subscriptions
    assert RESOURCES["google_cloud_run_v2_service_iam_member.public"]["for_each"] == "${local.public_functions}"
    assert RESOURCES["google_cloud_run_v2_service_iam_member.admin"]["for_each"] == "${local.admin_invokers}"
    assert RESOURCES["google_cloud_run_v2_service_iam_member.pubsub_push"]["for_each"] == "${local.fed}"
    assert RESOURCES["google_pubsub_subscription.push"]["for_each"] == "${local.push_subscriptions}"
    assert RESOURCES["google_cloud_scheduler_job.tick"]["for_each"] == "${local.scheduled}"
    assert _has(LOCALS["fed"], 'f.trigger != "http"') and _has(LOCALS["scheduled"], 'f.trigger == "schedule"')
    for name, spec in FUNCTIONS.items():
        service = name.replace("_", "-")
        assert len(f"sigap-{service}") <= 30 and re.fullmatch(r"[a-z][-a-z0-9]*[a-z0-9]", service), name
        if spec["trigger"] == "http":
            assert ACCESS[name]["exposure"] in ("public", "admin"), name
            continue
        assert ACCESS[name]["exposure"] == "internal", name
        assert _push_subscriptions_of(name), f"{name} has no push subscription"
        if spec["trigger"] == "schedule":
            assert spec.get("cron") and spec.get("topic"), name


def _push_subscriptions_of(function: str) -> dict[str, str]:
    """The subscriptions Terraform's local.push_subscriptions makes for a function (same rule)."""
    spec = FUNCTIONS[function]
    names = {f"{function}-push": spec["topic"]} if spec.get("topic") else {}
    names.update({f"{function}-{topic}": topic for topic in spec.get("topics", ())})
    return names


def test_push_subscriptions_are_named_as_the_local_stack_names_them():
    expression = LOCALS["push_subscriptions"]
    assert _has(expression, '"${name}-push" => {function = name, topic = f.topic} if f.topic != null')
    assert _has(expression, '"${pair.function}-${pair.topic}" => pair') and _has(expression, "for t in f.topics")
    redrive = _redrive_module()
    expected = {n: t for f in FUNCTIONS for n, t in _push_subscriptions_of(f).items()}
    assert redrive.subscription_topics(TOPOLOGY) == expected
    assert set(expected.values()) <= set(TOPOLOGY["topics"])


def _redrive_module():
    spec = importlib.util.spec_from_file_location("sigap_redrive", TF / "redrive.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_redrive_republishes_events_and_drops_ticks():
    redrive = _redrive_module()
    assert redrive.plan("projects/p/subscriptions/route-push", TOPOLOGY) == ("republish", "complaint-received")
    assert redrive.plan("notify-digest-daily", TOPOLOGY) == ("republish", "digest-daily")
    assert redrive.plan("deliver_webhooks-push", TOPOLOGY) == ("drop", "webhook-deliveries")
    assert redrive.plan("someone-elses-subscription", TOPOLOGY) == ("keep", None)


# --- Subscriptions, dead letters, schedules --------------------------------------------------

def test_every_subscription_has_a_dead_letter_and_a_retry_policy():
    subscriptions = _of_type("google_pubsub_subscription")
    assert set(subscriptions) == {"google_pubsub_subscription.push", "google_pubsub_subscription.dead_letter_hold",
                                  "google_pubsub_subscription.bigquery"}
    for address, body in subscriptions.items():
        assert _block(body, "expiration_policy")["ttl"] == "", f"{address} would expire when idle"
        if address.endswith(("dead_letter_hold", "bigquery")):
            continue  # the BigQuery subscriptions: test_every_domain_event_lands_in_bigquery
        dead = _block(body, "dead_letter_policy")
        assert dead["dead_letter_topic"] == "${google_pubsub_topic.dead_letter.id}"
        assert dead["max_delivery_attempts"] == "${local.dead_letter.max_delivery_attempts}"
        retry = _block(body, "retry_policy")
        assert retry == {"minimum_backoff": "${local.retry.minimum_backoff_seconds}s",
                         "maximum_backoff": "${local.retry.maximum_backoff_seconds}s"}
        assert body["ack_deadline_seconds"] == "${local.functions[each.value.function].ack_deadline}"
        assert "oidc_token" in _block(body, "push_config")
    assert 1 <= TOPOLOGY["dead_letter"]["max_delivery_attempts"] and "minimum_backoff_seconds" in TOPOLOGY["retry"]


def test_the_dead_letter_hold_keeps_everything_and_the_service_agent_may_forward():
    hold = RESOURCES["google_pubsub_subscription.dead_letter_hold"]
    assert hold["name"] == "${local.dead_letter.hold_subscription}" and "push_config" not in hold
    assert hold["message_retention_duration"] == "2678400s" and hold["retain_acked_messages"] is True
    assert RESOURCES["google_pubsub_topic.dead_letter"]["name"] == "${local.dead_letter.topic}"
    assert RESOURCES["google_pubsub_topic.topic"]["for_each"] == "${toset(local.topology.topics)}"
    publisher = RESOURCES["google_pubsub_topic_iam_member.dead_letter_publisher"]
    subscriber = RESOURCES["google_pubsub_subscription_iam_member.dead_letter_subscriber"]
    assert publisher["member"] == subscriber["member"] == "${local.pubsub_agent}"
    assert subscriber["for_each"] == "${local.push_subscriptions}"
    assert _has(LOCALS["pubsub_agent"], "gcp-sa-pubsub.iam.gserviceaccount.com")


def test_scheduler_jobs_tick_in_jakarta_time_as_their_own_account():
    job = RESOURCES["google_cloud_scheduler_job.tick"]
    assert job["time_zone"] == "Asia/Jakarta" and job["schedule"] == "${each.value.cron}"
    target = _block(job, "http_target")
    assert target["uri"].startswith("https://pubsub.googleapis.com/v1/${google_pubsub_topic.topic[each.value.topic].id}")
    assert "schedule = each.key" in target["body"]
    assert _block(target, "oauth_token")["service_account_email"] == "${google_service_account.scheduler.email}"


# --- Accounts and their rights -----------------------------------------------------------------

FUNCTION_ACCOUNT = "serviceAccount:${google_service_account.function[each.value.function].email}"
ALLOWED_GRANTS = {  # every IAM grant in infra/terraform: (role, member); nothing else may exist
    "google_project_iam_member.function_firestore":
        ("${local.firestore_roles[each.value.access.firestore]}",
         "serviceAccount:${google_service_account.function[each.key].email}"),
    "google_pubsub_topic_iam_member.function_publisher": ("roles/pubsub.publisher", FUNCTION_ACCOUNT),
    "google_secret_manager_secret_iam_member.function_accessor":
        ("roles/secretmanager.secretAccessor", FUNCTION_ACCOUNT),
    "google_pubsub_topic_iam_member.scheduler_publisher":
        ("roles/pubsub.publisher", "serviceAccount:${google_service_account.scheduler.email}"),
    "google_service_account_iam_member.pubsub_push_token_creator":
        ("roles/iam.serviceAccountTokenCreator", "${local.pubsub_agent}"),
    "google_pubsub_topic_iam_member.dead_letter_publisher": ("roles/pubsub.publisher", "${local.pubsub_agent}"),
    "google_pubsub_subscription_iam_member.dead_letter_subscriber":
        ("roles/pubsub.subscriber", "${local.pubsub_agent}"),
    "google_pubsub_subscription_iam_member.bigquery_dead_letter_subscriber":
        ("roles/pubsub.subscriber", "${local.pubsub_agent}"),
    "google_bigquery_dataset_iam_member.pubsub_writer": ("${each.key}", "${local.pubsub_agent}"),
    "google_project_iam_member.build_log_writer":
        ("roles/logging.logWriter", "serviceAccount:${google_service_account.build.email}"),
    "google_artifact_registry_repository_iam_member.build_writer":
        ("roles/artifactregistry.writer", "serviceAccount:${google_service_account.build.email}"),
    "google_storage_bucket_iam_member.build_source_reader":
        ("roles/storage.objectViewer", "serviceAccount:${google_service_account.build.email}"),
    "google_cloud_run_v2_service_iam_member.public": ("roles/run.invoker", "allUsers"),
    "google_cloud_run_v2_service_iam_member.admin": ("roles/run.invoker", "${each.value.member}"),
    "google_cloud_run_v2_service_iam_member.pubsub_push":
        ("roles/run.invoker", "serviceAccount:${google_service_account.pubsub_push.email}"),
}


def test_no_account_holds_a_role_beyond_its_list():
    grants = {a: b for a, b in RESOURCES.items() if re.search(r"_iam_(member|binding|policy)$", a.split(".")[0])}
    assert not [a for a in grants if not a.split(".")[0].endswith("_iam_member")], "authoritative IAM resources"
    assert {a: (b["role"], b["member"]) for a, b in grants.items()} == ALLOWED_GRANTS
    assert set(LOCALS["firestore_roles"].values()) == {"roles/datastore.user", "roles/datastore.viewer"}
    assert set(_of_type("google_service_account")) == {f"google_service_account.{n}" for n in
                                                       ("function", "pubsub_push", "scheduler", "build")}
    assert not _of_type("google_service_account_key"), "service accounts have no keys"
    # per function, exactly the grants of its access entry
    assert RESOURCES["google_pubsub_topic_iam_member.function_publisher"]["for_each"] == "${local.function_publishes}"
    assert _has(LOCALS["function_publishes"], "for topic in f.access.publishes")
    assert RESOURCES["google_secret_manager_secret_iam_member.function_accessor"]["for_each"] == \
        "${local.function_secrets}"
    assert _has(LOCALS["function_secrets"], "for key in f.access.secrets")
    assert RESOURCES["google_pubsub_topic_iam_member.scheduler_publisher"]["topic"] == \
        "${google_pubsub_topic.topic[each.value.topic].id}"


def test_access_entries_are_consistent_with_the_topology_and_the_code():
    topics, domain_topics = set(TOPOLOGY["topics"]), set(TOPICS.values())
    for name, access in ACCESS.items():
        assert access["exposure"] in ("public", "admin", "internal") and access["firestore"] in ("user", "viewer")
        assert set(access["publishes"]) <= topics, name
        assert set(access["secrets"]) <= set(SECRETS), name
        assert len(set(access["publishes"])) == len(access["publishes"]), name
    exposure = {level: {n for n, a in ACCESS.items() if a["exposure"] == level} for level in ("public", "admin")}
    assert exposure == {"public": {"intake", "open311", "units", "reports", "telegram_webhook"},
                        "admin": {"cases", "webhooks"}}
    # the outbox holds every event an announce() commits; digests and alerts are published directly
    assert set(ACCESS["sweep_outbox"]["publishes"]) == domain_topics - {"digest-daily", "sigap-alerts"}
    # each wake-up topic is published by someone and consumed by its worker
    published = {t for a in ACCESS.values() for t in a["publishes"]}
    for spec in FUNCTIONS.values():
        if spec["trigger"] == "schedule" and spec["topic"] not in ("outbox-sweep", "escalation-tick", "digest-tick",
                                                                    "lapor-sync", "routing-learn-tick"):
            assert spec["topic"] in published, spec["name"]
    assert {t for t in published if t in domain_topics} <= set(FUNCTIONS["dispatch_webhooks"]["topics"])


def test_secrets_are_containers_mounted_only_where_read():
    assert not _of_type("google_secret_manager_secret_version"), "secret values are added by people, never here"
    secret = RESOURCES["google_secret_manager_secret.secret"]
    assert secret["for_each"] == "${local.secrets}" and secret["secret_id"] == "sigap-${each.key}"
    (dynamic,) = _block(RESOURCES["google_cloudfunctions2_function.function"], "service_config")["dynamic"]
    mount = dynamic["secret_environment_variables"]
    assert mount["for_each"] == "${[for key in each.value.access.secrets : key if local.secrets[key].enabled]}"
    env = {s["env"] for s in SECRETS.values()}
    assert env == {"SIGAP_INTAKE_SECRETS", "SIGAP_ADMIN_TOKEN", "SIGAP_LINK_SECRET", "SIGAP_LAPOR_TOKEN",
                   "SIGAP_SMTP_PASSWORD", "SIGAP_TELEGRAM_BOT_TOKEN", "SIGAP_TELEGRAM_WEBHOOK_SECRET",
                   "SIGAP_WHATSAPP_TOKEN"}
    assert not env & set(LOCALS["setting_values"]), "a secret in plain environment variables"
    assert not any(_has(LOCALS["common_settings"], name) for name in env), "a secret in plain environment variables"


# --- Settings ---------------------------------------------------------------------------------------

def _read_by_the_code(env_name: str) -> bool:
    """The code reads the variable: its literal name, or (pydantic-settings) its field name."""
    field = env_name.removeprefix("SIGAP_").lower()
    code = "\n".join(p.read_text() for p in (ROOT / "shared").rglob("*.py"))
    return env_name in code or re.search(rf"\b{field}\b", code) is not None


def test_every_setting_is_a_described_typed_variable_read_by_the_code():
    values = LOCALS["setting_values"]
    for name, access in ACCESS.items():
        assert set(access["settings"]) <= set(values), name
    for env_name in [*values, *(s["env"] for s in SECRETS.values())]:
        assert _read_by_the_code(env_name), f"{env_name} is passed to functions but no code reads it"
    assert _has(LOCALS["common_settings"], "SIGAP_ENV") and _has(LOCALS["common_settings"], "SIGAP_PROJECT_ID")
    for name, variable in VARIABLES.items():
        assert variable.get("type") and len(variable.get("description", "")) > 10, f"variable {name}"
    assert "default" not in VARIABLES["lapor_base_url"] and "default" not in VARIABLES["project_id"]


def _passed_to(function: str) -> set[str]:
    """The variables infra/terraform sets for a function: common ones, its name, its settings, its secrets."""
    common = set(re.findall(r"\b(SIGAP_[A-Z_]+)\s*=", LOCALS["common_settings"]))
    own = {"SIGAP_FUNCTION"} if _has(LOCALS["function_env"], "{SIGAP_FUNCTION = name}") else set()
    access = ACCESS[function]
    return common | own | set(access["settings"]) | {SECRETS[key]["env"] for key in access["secrets"]}


def test_every_setting_a_function_requires_in_production_is_passed_to_it():
    from shared.config import requirements_of
    assert _has(LOCALS["common_settings"], 'SIGAP_ENV = "production"')
    assert _has(LOCALS["function_env"], "merge(local.common_settings, {SIGAP_FUNCTION = name}")
    everything = {n for f in ACCESS for n in _passed_to(f)} | set(LOCALS["setting_values"])
    for function in FUNCTIONS:
        passed = _passed_to(function)
        for rule in requirements_of(function):
            if rule.kind == "not_true":
                assert not set(rule.variables) & everything, f"{function}: Terraform sets {rule.variables}"
            else:
                assert set(rule.variables) <= passed, (function, set(rule.variables) - passed)


def test_providers_are_pinned_exactly():
    (providers,) = TERRAFORM["required_providers"]
    for name, spec in providers.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", spec["version"]), name
    assert "google" in providers and "gcs" in TERRAFORM["backend"][0]


# --- Firestore --------------------------------------------------------------------------------------

def test_the_indexes_equal_firestore_indexes_json():
    assert INDEXES["fieldOverrides"] == [], "field overrides are not deployed by infra/terraform/firestore.tf"
    assert {a for a in RESOURCES if a.startswith("google_firestore_index.")} == {"google_firestore_index.index"}
    index = RESOURCES["google_firestore_index.index"]
    assert index["for_each"] == "${local.firestore_indexes}"
    assert index["collection"] == "${each.value.collectionGroup}" and index["query_scope"] == "${each.value.queryScope}"
    (dynamic,) = index["dynamic"]
    assert dynamic["fields"]["for_each"] == "${each.value.fields}"
    assert _block(dynamic["fields"], "content") == {"field_path": "${fields.value.fieldPath}",
                                                    "order": "${try(fields.value.order, null)}",
                                                    "array_config": "${try(fields.value.arrayConfig, null)}"}
    keys = [(i["collectionGroup"], i["queryScope"], tuple((f["fieldPath"], f.get("order", f.get("arrayConfig")))
                                                          for f in i["fields"])) for i in INDEXES["indexes"]]
    assert len(keys) == len(set(keys)), "a duplicate index would collide in for_each"
    for i in INDEXES["indexes"]:
        assert all(set(f) <= {"fieldPath", "order", "arrayConfig"} for f in i["fields"]), i


def test_ttl_policies_cover_the_collections_that_only_grow():
    ttl = RESOURCES["google_firestore_field.ttl"]
    assert ttl["for_each"] == "${local.ttl_collections}" and ttl["field"] == "${local.ttl_field}"
    assert "ttl_config" in ttl and ttl["index_config"] == [{}]
    collections = set(LOCALS["ttl_collections"])
    assert collections == {"idempotency_keys", "deliveries", "webhook_deliveries", "notifications", "outbox", "limits"}
    adapters = "\n".join(p.read_text() for p in (ROOT / "shared" / "adapters").glob("*.py"))
    for collection in collections:
        assert f'"{collection}"' in adapters, f"no adapter writes the collection {collection}"
    database = RESOURCES["google_firestore_database.main"]
    assert database["type"] == "FIRESTORE_NATIVE" and database["location_id"] == "${var.firestore_location}"
    assert VARIABLES["firestore_location"]["default"] == "asia-southeast2"


# --- Operations --------------------------------------------------------------------------------------

def _log_calls(message: str) -> list[str]:
    """The source of each call in shared/ that logs the message: logs.<severity>("message", ...),
    or lapor's alert(publisher, clock, "message", ...), which logs it as an ERROR."""
    calls = []
    for path in (ROOT / "shared").rglob("*.py"):
        text = path.read_text()
        call_start = rf'(?:logs\.(?:info|warning|error|log)|\balert)\(\s*(?:\w+,\s*)*"{re.escape(message)}"'
        for match in re.finditer(call_start, text):
            depth, end = 0, match.end()
            for end in range(match.start(), len(text)):  # to the call's closing parenthesis
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                if depth == 0 and text[end] == ")":
                    break
            call = text[match.start():end + 1]
            # logs.error("...", **fields): the fields are built just before the call
            calls.append(text[max(0, match.start() - 600):match.start()] + call if "**" in call else call)
    return calls


def test_log_metrics_read_lines_and_fields_the_code_writes():
    for address, metric in _of_type("google_logging_metric").items():
        messages = re.findall(r'jsonPayload\.message="([^"]+)"', metric["filter"])
        assert messages, address
        extractors = [metric.get("value_extractor", ""), *metric.get("label_extractors", {}).values()]
        fields = set(re.findall(r"jsonPayload\.(\w+)", " ".join([metric["filter"], *extractors]))) - {"message"}
        for message in set(messages):
            calls = _log_calls(message)
            assert calls, f"{address}: no code logs {message!r}"
            for field in fields:
                assert any(re.search(rf"\b{field}=", call) for call in calls), \
                    f"{address}: {message!r} is logged without the field {field}"


def test_the_outbox_alert_reads_the_sweeps_age_in_seconds():
    metric = RESOURCES["google_logging_metric.outbox_oldest_age"]
    assert metric["value_extractor"] == "EXTRACT(jsonPayload.oldest_age_seconds)"
    assert _block(metric, "metric_descriptor")["unit"] == "s"
    (call,) = _log_calls("outbox sweep checked")
    assert "oldest_age_seconds=" in call
    alert = RESOURCES["google_monitoring_alert_policy.outbox_stale"]
    stale, absent = alert["conditions"]
    assert _block(stale, "condition_threshold")["threshold_value"] == 600
    assert _has(_block(stale, "condition_threshold")["filter"], "google_logging_metric.outbox_oldest_age.name")
    assert _has(_block(absent, "condition_absent")["filter"], "google_logging_metric.outbox_oldest_age.name")


def test_alerts_cover_what_the_issue_asks():
    alerts = _of_type("google_monitoring_alert_policy")
    assert {a.split(".")[1] for a in alerts} == {"dead_letters", "error_ratio", "lapor_sync_stalled",
                                                 "outbox_stale", "deliveries_parked", "intake_down"}
    for address, alert in alerts.items():
        assert alert["notification_channels"] == "${local.alert_channels}", address
        assert "docs/deploy.md" in _block(alert, "documentation")["content"] or "runbook" in \
            _block(alert, "documentation")["content"], address
    uptime = RESOURCES["google_monitoring_uptime_check_config.intake"]
    assert _block(uptime, "http_check")["path"].startswith("/intake/")
    docs = (ROOT / "docs" / "deploy.md").read_text()
    for alert in alerts.values():
        assert alert["display_name"] in docs, f"docs/deploy.md does not explain {alert['display_name']!r}"


def test_every_checkov_skip_gives_its_reason():
    for path in TF.glob("*.tf"):
        for check, reason in re.findall(r"#checkov:skip=(CKV_[A-Z0-9_]+):?(.*)", path.read_text()):
            assert len(reason.strip()) > 30, f"{path.name}: {check} skipped without a reason"


# --- Secrets never in infra/ ---------------------------------------------------------------------------

SECRET_PATTERNS = {
    "Standard Webhooks secret": r"whsec_[A-Za-z0-9+/]{16,}",
    "private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "service account key file": r'"private_key_id"\s*:',
    "Google API key": r"AIza[0-9A-Za-z_-]{35}",
    "Telegram bot token": r"\b\d{8,10}:[A-Za-z0-9_-]{35}\b",
    "bearer token": r"Bearer [A-Za-z0-9._~+/-]{20,}",
    "secret assignment": r"(?i)(password|token|secret_data|api_key)\s*=\s*\"[^\"$]{8,}\"",
}


@pytest.mark.parametrize("kind", sorted(SECRET_PATTERNS))
def test_no_secret_value_key_or_token_anywhere_in_infra(kind):
    found = []
    for path in (ROOT / "infra").rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts or ".terraform" in path.parts:
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        found += [f"{path.relative_to(ROOT)}: {m.group(0)[:12]}..." for m in re.finditer(SECRET_PATTERNS[kind], text)]
    assert not found, f"{kind} in infra/: {found}"


# --- The runbook's table is the access map -------------------------------------------------------------

def _docs_table() -> dict[str, dict[str, Any]]:
    text = (ROOT / "docs" / "deploy.md").read_text()
    start = text.index("| function | trigger | reachable | Firestore | publishes to | secrets | settings |")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        items = [sorted(re.findall(r"`([^`]+)`", cell)) for cell in cells[4:]]
        rows[cells[0].strip("`")] = {"trigger": cells[1], "exposure": cells[2], "firestore": cells[3],
                                     "publishes": items[0], "secrets": items[1], "settings": items[2]}
    return rows


def test_the_runbook_table_says_what_access_tf_grants():
    rows = _docs_table()
    assert set(rows) == set(ACCESS)
    for name, access in ACCESS.items():
        row = rows[name]
        assert row["trigger"] == FUNCTIONS[name]["trigger"], name
        assert (row["exposure"], row["firestore"]) == (access["exposure"], access["firestore"]), name
        for key in ("publishes", "secrets", "settings"):
            assert row[key] == sorted(access[key]), (name, key)


# --- BigQuery (issue 15) -------------------------------------------------------------------------

def test_every_domain_event_lands_in_bigquery():
    assert set(TOPICS.values()) == set(hcl_list(LOCALS["bigquery_event_topics"]))
    assert "report-facts" in TOPOLOGY["topics"] and "report-facts" in ACCESS["reports_ingest"]["publishes"]
    sub = RESOURCES["google_pubsub_subscription.bigquery"]
    assert sub["for_each"] == "${local.bigquery_subscriptions}"
    assert _has(LOCALS["bigquery_subscriptions"], '"bigquery-report-facts" = { topic = "report-facts", table = '
                                                  '"case_facts" }')
    config = _block(sub, "bigquery_config")
    assert config["use_table_schema"] is True and config["write_metadata"] is False
    assert _has(config["table"], "${each.value.table}")
    assert _block(sub, "dead_letter_policy")["dead_letter_topic"] == "${google_pubsub_topic.dead_letter.id}"
    assert "push_config" not in sub
    writer = RESOURCES["google_bigquery_dataset_iam_member.pubsub_writer"]
    assert _has(writer["for_each"], '["roles/bigquery.dataEditor", "roles/bigquery.metadataViewer"]')
    assert "bigquery.googleapis.com" in LOCALS["apis"]


@pytest.mark.parametrize("table, partition", [("events", "occurred_at"), ("case_facts", "recorded_at")])
def test_bigquery_tables_are_partitioned_by_day_and_clustered_by_unit(table, partition):
    body = RESOURCES[f"google_bigquery_table.{table}"]
    assert _block(body, "time_partitioning") == {"type": "DAY", "field": partition}
    assert body["clustering"] == ["unit_id"] and body["deletion_protection"] is True
    assert _has(body["schema"], f"../bigquery/{table}.schema.json")
    schema = {c["name"]: c for c in json.loads((ROOT / "infra" / "bigquery" / f"{table}.schema.json").read_text())}
    assert schema[partition]["type"] == "TIMESTAMP" and "unit_id" in schema
    assert not {"title", "description", "reporter", "name", "phone", "email"} & set(schema)


def test_the_message_fields_are_the_table_columns():
    from datetime import UTC, datetime

    from shared.domain.events import DomainEvent
    from shared.domain.reports.aggregates import facts_rows
    from shared.domain.reports.figures import CaseFacts
    from tests.escalation_support import ESCALATION
    columns = {t: {c["name"] for c in json.loads((ROOT / "infra" / "bigquery" / f"{t}.schema.json").read_text())}
               for t in ("events", "case_facts")}
    at = datetime(2026, 3, 2, 3, tzinfo=UTC)
    message = DomainEvent("e1", "complaint.assigned", "c1", at, {"unit_id": "dlh"}).to_message()
    assert set(message) == columns["events"]
    facts = CaseFacts(id="c1", status="assigned", category="drainase", unit_id="dlh", kelurahan="Yosodadi",
                      anchor_at=at, sla_days=14, assigned_at=at, escalations=((at, 1),), reroutes=((at, "dlh"),))
    rows = facts_rows(facts, 3, ESCALATION.rules.policy, ESCALATION.rules.calendar, at)
    assert set().union(*rows) == columns["case_facts"]


def hcl_list(value: Any) -> list[str]:
    """A toset([...]) local as python-hcl2 gives it back."""
    return re.findall(r'"([^"]+)"', value) if isinstance(value, str) else list(value)

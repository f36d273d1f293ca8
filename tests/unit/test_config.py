import base64
import json
import re
from pathlib import Path

import pytest
import yaml

from shared.config import PRODUCTION_REQUIREMENTS, ConfigError, Settings, in_production, requirements_of

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123").decode()


def test_reads_and_validates_the_environment():
    settings = Settings.from_env({"SIGAP_PROJECT_ID": "p", "SIGAP_INTAKE_SECRETS": json.dumps({"demo": SECRET}),
                                  "SIGAP_ADMIN_TOKEN": "x" * 20})
    assert settings.intake_secrets == {"demo": SECRET} and settings.require_admin_token() == "x" * 20
    assert SECRET not in repr(settings) and "x" * 20 not in repr(settings)


@pytest.mark.parametrize("env, variable", [
    ({}, "SIGAP_PROJECT_ID"),
    ({"SIGAP_PROJECT_ID": "p", "SIGAP_INTAKE_SECRETS": "{"}, "SIGAP_INTAKE_SECRETS"),
    ({"SIGAP_PROJECT_ID": "p", "SIGAP_INTAKE_SECRETS": '{"demo": "plain"}'}, "SIGAP_INTAKE_SECRETS"),
    ({"SIGAP_PROJECT_ID": "p", "SIGAP_INTAKE_SECRETS": '{"demo": "whsec_!!"}'}, "SIGAP_INTAKE_SECRETS"),
    ({"SIGAP_PROJECT_ID": "p", "SIGAP_ADMIN_TOKEN": "short"}, "SIGAP_ADMIN_TOKEN"),
    ({"SIGAP_PROJECT_ID": "p", "SIGAP_CATALOG_DIR": "/nonexistent"}, "SIGAP_CATALOG_DIR"),
])
def test_fails_fast_naming_the_variable(env, variable):
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env(env)


def test_admin_api_needs_the_token():
    with pytest.raises(ConfigError, match="SIGAP_ADMIN_TOKEN"):
        Settings.from_env({"SIGAP_PROJECT_ID": "p"}).require_admin_token()


BASE = {"SIGAP_PROJECT_ID": "p"}
BOOLEANS = ("SIGAP_WEBHOOK_ALLOW_HTTP", "SIGAP_SMTP_STARTTLS", "SIGAP_ALLOW_CLOCK_OVERRIDE")


@pytest.mark.parametrize("variable", BOOLEANS)
@pytest.mark.parametrize("raw, value", [("1", True), ("true", True), ("TRUE", True), ("yes", True), ("on", True),
                                        ("0", False), ("false", False), ("False", False), ("no", False),
                                        ("off", False)])
def test_every_boolean_follows_one_rule(variable, raw, value):
    settings = Settings.from_env({**BASE, variable: raw})
    assert getattr(settings, variable.removeprefix("SIGAP_").lower()) is value


@pytest.mark.parametrize("variable", BOOLEANS)
def test_a_boolean_that_is_neither_is_refused_not_read_as_false(variable):
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env({**BASE, variable: "enabled"})


def test_an_empty_variable_counts_as_unset():
    settings = Settings.from_env({**BASE, "SIGAP_WEBHOOK_ALLOW_HTTP": "", "SIGAP_SMTP_STARTTLS": "",
                                  "SIGAP_ADMIN_TOKEN": "", "SIGAP_LAPOR_BASE_URL": "", "SIGAP_SMTP_PORT": ""})
    assert (settings.webhook_allow_http, settings.smtp_starttls, settings.admin_token) == (False, True, None)
    assert (settings.lapor_base_url, settings.smtp_port) == (None, 587)


def test_the_project_may_come_from_google_cloud_project_and_sigap_wins():
    assert Settings.from_env({"GOOGLE_CLOUD_PROJECT": "g"}).project_id == "g"
    assert Settings.from_env({"GOOGLE_CLOUD_PROJECT": "g", "SIGAP_PROJECT_ID": "p"}).project_id == "p"


def test_lists_and_schedules_are_comma_separated():
    settings = Settings.from_env({**BASE, "SIGAP_WEBHOOK_ALLOWLIST": "10.0.0.0/8, ::1/128",
                                  "SIGAP_WEBHOOK_RETRY_SCHEDULE": "1, 2.5,3", "SIGAP_NOTIFY_RETRY_SCHEDULE": "0",
                                  "SIGAP_LAPOR_SUBMIT_SOURCES": "warga,lapak-aduan"})
    assert settings.webhook_allowlist == ("10.0.0.0/8", "::1/128")
    assert settings.webhook_retry_schedule == (1.0, 2.5, 3.0) and settings.notify_retry_schedule == (0.0,)
    assert settings.lapor_submit_sources == ("warga", "lapak-aduan")


@pytest.mark.parametrize("env, variable", [
    ({"SIGAP_SMTP_PORT": "smtp"}, "SIGAP_SMTP_PORT"),
    ({"SIGAP_OUTBOX_GRACE_SECONDS": "soon"}, "SIGAP_OUTBOX_GRACE_SECONDS"),
    ({"SIGAP_WEBHOOK_ALLOWLIST": "10.0.0.0/8,intranet"}, "SIGAP_WEBHOOK_ALLOWLIST"),
    ({"SIGAP_WEBHOOK_RETRY_SCHEDULE": "5,-1"}, "SIGAP_WEBHOOK_RETRY_SCHEDULE"),
    ({"SIGAP_NOTIFY_RETRY_SCHEDULE": "later"}, "SIGAP_NOTIFY_RETRY_SCHEDULE"),
    ({"SIGAP_LAPOR_BASE_URL": "ftp://lapor", "SIGAP_LAPOR_TOKEN": "t"}, "SIGAP_LAPOR_BASE_URL"),
    ({"SIGAP_LAPOR_RUN_SECONDS": "0"}, "SIGAP_LAPOR_RUN_SECONDS"),
    ({"SIGAP_LAPOR_MAX_ATTEMPTS": "101"}, "SIGAP_LAPOR_MAX_ATTEMPTS"),
])
def test_every_malformed_value_names_its_variable(env, variable):
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env({**BASE, **env})


def test_a_refused_value_is_never_repeated_in_the_error():
    for env in ({"SIGAP_ADMIN_TOKEN": "hunter2"}, {"SIGAP_SMTP_STARTTLS": "hunter2"},
                {"SIGAP_INTAKE_SECRETS": '{"demo": "hunter2"}'}, {"SIGAP_LAPOR_PAGE_SIZE": "hunter2"}):
        with pytest.raises(ConfigError) as refused:
            Settings.from_env({**BASE, **env})
        assert "hunter2" not in str(refused.value) and refused.value.__cause__ is None


def test_every_secret_is_hidden_from_repr():
    secrets = {"SIGAP_ADMIN_TOKEN": "admin-token-0123456789", "SIGAP_SMTP_PASSWORD": "smtp-password-value",
               "SIGAP_TELEGRAM_BOT_TOKEN": "telegram-bot-token", "SIGAP_LAPOR_BASE_URL": "https://lapor.example",
               "SIGAP_LAPOR_TOKEN": "lapor-token-value", "SIGAP_INTAKE_SECRETS": json.dumps({"demo": SECRET})}
    settings = Settings.from_env({**BASE, **secrets})
    for name, value in secrets.items():
        if name != "SIGAP_LAPOR_BASE_URL":
            assert value not in repr(settings) and value not in str(settings), name


def test_settings_built_directly_read_nothing_from_the_environment(monkeypatch):
    monkeypatch.setenv("SIGAP_PROJECT_ID", "from-the-environment")
    monkeypatch.setenv("SIGAP_WEBHOOK_ALLOW_HTTP", "true")
    monkeypatch.setenv("SIGAP_ADMIN_TOKEN", "from-the-environment-0123")
    settings = Settings(project_id="test")
    assert settings.webhook_allow_http is False and settings.admin_token is None
    assert Settings.from_env().webhook_allow_http is True  # from_env() reads os.environ


def test_settings_are_frozen():
    settings = Settings(project_id="test")
    with pytest.raises(ValueError):
        settings.project_id = "other"  # type: ignore[misc]
    assert settings.model_copy(update={"allow_clock_override": True}).allow_clock_override is True


# --- Production: every function fails at start naming what it lacks (docs/deploy.md) -----------------

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGY_FUNCTIONS = {f["name"] for f in yaml.safe_load((ROOT / "infra" / "topology.yaml").read_text())["functions"]}
COMPLETE = {  # what infra/terraform gives a fully configured city, secrets included
    "SIGAP_ENV": "production", "SIGAP_PROJECT_ID": "sigap-kota-metro",
    "SIGAP_INTAKE_SECRETS": json.dumps({"warga": SECRET}), "SIGAP_ADMIN_TOKEN": "a" * 32,
    "SIGAP_PUBLIC_BASE_URL": "https://sigap.metrokota.go.id", "SIGAP_SMTP_HOST": "smtp.metrokota.go.id",
    "SIGAP_SMTP_USER": "sigap", "SIGAP_SMTP_PASSWORD": "smtp-password-value",
    "SIGAP_TELEGRAM_BOT_TOKEN": "telegram-bot-token", "SIGAP_TELEGRAM_WEBHOOK_SECRET": "telegram-webhook-secret-0",
    "SIGAP_LINK_SECRET": "link-secret-of-at-least-32-characters",
    "SIGAP_LAPOR_BASE_URL": "https://api.lapor.go.id",
    "SIGAP_LAPOR_TOKEN": "lapor-token-value",
}


def production(function: str, **changes: str | None) -> Settings:
    env = {**COMPLETE, "SIGAP_FUNCTION": function, **changes}
    return Settings.from_env({k: v for k, v in env.items() if v is not None})


def refused(function: str, **changes: str | None) -> str:
    with pytest.raises(ConfigError) as error:
        production(function, **changes)
    assert error.value.__cause__ is None
    return str(error.value)


def test_the_table_names_every_function_of_the_topology():
    assert set(PRODUCTION_REQUIREMENTS) == TOPOLOGY_FUNCTIONS


@pytest.mark.parametrize("function", sorted(TOPOLOGY_FUNCTIONS))
def test_a_fully_configured_function_starts_in_production(function):
    settings = production(function)
    assert (settings.env, settings.function) == ("production", function)


@pytest.mark.parametrize("function", sorted(TOPOLOGY_FUNCTIONS))
def test_every_function_needs_to_know_its_name_and_may_not_move_the_clock_or_allow_http(function):
    assert "SIGAP_FUNCTION" in refused(function, SIGAP_FUNCTION="sigap")
    assert "SIGAP_ALLOW_CLOCK_OVERRIDE" in refused(function, SIGAP_ALLOW_CLOCK_OVERRIDE="true")
    assert "SIGAP_WEBHOOK_ALLOW_HTTP" in refused(function, SIGAP_WEBHOOK_ALLOW_HTTP="true")
    assert "SIGAP_PROJECT_ID" in refused(function, SIGAP_PROJECT_ID=None)


def test_the_function_is_named_by_sigap_function_else_by_what_cloud_functions_sets():
    env = {k: v for k, v in COMPLETE.items()}
    assert Settings.from_env({**env, "FUNCTION_TARGET": "deliver_notifications"}).function == "deliver_notifications"
    assert Settings.from_env({**env, "K_SERVICE": "deliver-notifications"}).function == "deliver_notifications"
    assert Settings.from_env({**env, "SIGAP_FUNCTION": "intake", "K_SERVICE": "cases"}).function == "intake"
    assert "SIGAP_FUNCTION" in refused("intake", SIGAP_FUNCTION=None)


def test_intake_needs_a_source_secret():
    assert "SIGAP_INTAKE_SECRETS" in refused("intake", SIGAP_INTAKE_SECRETS=None)
    assert "SIGAP_INTAKE_SECRETS" in refused("intake", SIGAP_INTAKE_SECRETS="{}")
    production("route", SIGAP_INTAKE_SECRETS=None)  # only intake reads it


@pytest.mark.parametrize("function", ["cases", "units", "webhooks", "reports"])
def test_the_admin_functions_need_the_admin_token_at_start(function):
    assert "SIGAP_ADMIN_TOKEN" in refused(function, SIGAP_ADMIN_TOKEN=None)
    production("open311", SIGAP_ADMIN_TOKEN=None)


@pytest.mark.parametrize("url", [None, "http://sigap.metrokota.go.id", "https://127.0.0.1:8080",
                                 "https://localhost", "https://10.1.2.3", "https://[::1]/x", "https://sigap.internal"])
def test_notify_needs_a_public_https_base_url_for_its_links(url):
    message = refused("notify", SIGAP_PUBLIC_BASE_URL=url)
    assert "SIGAP_PUBLIC_BASE_URL" in message
    assert ("must be set" in message) is (url is None)  # unset: the loopback default


@pytest.mark.parametrize("function", ["notify", "deliver_notifications"])
def test_notifications_need_a_channel(function):
    message = refused(function, SIGAP_SMTP_HOST=None, SIGAP_TELEGRAM_BOT_TOKEN=None)
    assert "SIGAP_SMTP_HOST" in message and "SIGAP_TELEGRAM_BOT_TOKEN" in message
    assert production(function, SIGAP_SMTP_HOST=None).telegram_bot_token
    assert production(function, SIGAP_TELEGRAM_BOT_TOKEN=None).smtp_host


def test_an_smtp_user_needs_its_password():
    assert "SIGAP_SMTP_PASSWORD" in refused("deliver_notifications", SIGAP_SMTP_PASSWORD=None)
    production("deliver_notifications", SIGAP_SMTP_PASSWORD=None, SIGAP_SMTP_USER=None)  # relay without login


@pytest.mark.parametrize("function", ["sync_lapor", "push_lapor"])
def test_the_lapor_functions_need_an_https_base_url_and_the_token(function):
    assert "SIGAP_LAPOR_BASE_URL" in refused(function, SIGAP_LAPOR_BASE_URL=None, SIGAP_LAPOR_TOKEN=None)
    assert "SIGAP_LAPOR_BASE_URL" in refused(function, SIGAP_LAPOR_BASE_URL="http://api.lapor.go.id")
    assert "SIGAP_LAPOR_TOKEN" in refused(function, SIGAP_LAPOR_TOKEN=None)


def test_one_message_names_every_problem_and_no_value():
    message = refused("notify", SIGAP_PUBLIC_BASE_URL="http://127.0.0.1:8080", SIGAP_SMTP_HOST=None,
                      SIGAP_TELEGRAM_BOT_TOKEN=None, SIGAP_ADMIN_TOKEN="hunter2", SIGAP_ALLOW_CLOCK_OVERRIDE="yes")
    assert message.startswith("function 'notify' cannot start in production, 4 setting(s) to fix: ")
    for name in ("SIGAP_PUBLIC_BASE_URL", "SIGAP_SMTP_HOST", "SIGAP_ADMIN_TOKEN", "SIGAP_ALLOW_CLOCK_OVERRIDE"):
        assert name in message
    assert "hunter2" not in message and "127.0.0.1" not in message


def test_outside_production_nothing_more_is_required_and_sigap_env_is_checked():
    assert Settings.from_env(BASE).env == "development"
    assert Settings.from_env({**BASE, "SIGAP_ENV": "development", "SIGAP_WEBHOOK_ALLOW_HTTP": "1"}).webhook_allow_http
    with pytest.raises(ConfigError, match="SIGAP_ENV"):
        Settings.from_env({**BASE, "SIGAP_ENV": "prod"})  # a typo never means "not production"
    assert in_production({"SIGAP_ENV": "production"}) and not in_production({})


def test_the_instance_fails_at_start_in_production_and_logs_why(monkeypatch, capsys):
    from shared import bootstrap
    monkeypatch.setattr(bootstrap, "_app", None)
    for name, value in {**COMPLETE, "SIGAP_FUNCTION": "sync_lapor", "SIGAP_LAPOR_TOKEN": ""}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="SIGAP_LAPOR_TOKEN"):
        bootstrap.start()
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if "cannot start" in x]
    assert line["severity"] == "ERROR" and "SIGAP_LAPOR_TOKEN" in line["error"]
    assert "lapor-token-value" not in json.dumps(line) and "smtp-password-value" not in json.dumps(line)
    monkeypatch.setenv("SIGAP_LAPOR_TOKEN", "lapor-token-value")
    bootstrap.start()
    assert bootstrap.app().settings.function == "sync_lapor"
    monkeypatch.setattr(bootstrap, "_app", None)
    monkeypatch.setenv("SIGAP_ENV", "development")
    monkeypatch.delenv("SIGAP_PROJECT_ID")
    bootstrap.start()  # outside production: nothing is read at start
    assert bootstrap._app is None


def _docs_requirements() -> dict[str, set[str]]:
    """docs/deploy.md "Settings required in production": function -> the variables its rows name."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    start = text.index("| function | required when `SIGAP_ENV=production` |")
    rows: dict[str, set[str]] = {name: set() for name in TOPOLOGY_FUNCTIONS}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        who, what = (cell.strip() for cell in line.strip().strip("|").split("|"))
        names = TOPOLOGY_FUNCTIONS if who == "every function" else set(re.findall(r"`([a-z0-9_]+)`", who))
        assert names <= TOPOLOGY_FUNCTIONS, who
        for name in names:
            rows[name] |= set(re.findall(r"\bSIGAP_[A-Z_]+\b", what)) - {"SIGAP_ENV"}
    return rows


def test_the_runbook_lists_the_same_requirements_as_the_code():
    docs = _docs_requirements()
    for function in TOPOLOGY_FUNCTIONS:
        code = {name for rule in requirements_of(function) for name in rule.variables}
        assert docs[function] == code, function

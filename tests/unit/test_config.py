import base64
import json

import pytest

from shared.config import ConfigError, Settings

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

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

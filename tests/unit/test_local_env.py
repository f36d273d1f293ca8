""".stack/local.env and .stack/stack.env (infra/local/run.py): quoted so a shell can source them,
and the environment wins over every local default (README, "The two commands")."""
import json
import shlex
import subprocess

import pytest

from infra.local import run
from infra.local.stack import LocalStack

AWKWARD = {
    "SIGAP_INTAKE_SECRETS": json.dumps({"demo": "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=", "it's": "whsec_x+/="}),
    "SIGAP_ADMIN_TOKEN": "abc-DEF_123",
    "SIGAP_SMTP_FROM": "Sigap Kota Metro <sigap@metrokota.go.id>",
    "SIGAP_EMPTY": "",
    "SIGAP_SPACES": "  two  spaces $HOME `date` \\n",
}


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "LOCAL_ENV", tmp_path / "local.env")
    monkeypatch.setattr(run, "STACK_ENV", tmp_path / "stack.env")
    return tmp_path


def sourced(path, names):
    """What bash sees after `set -a; source FILE; set +a`, the README's command."""
    script = f"set -a; source {shlex.quote(str(path))}; set +a; " + " ".join(
        f'printf "%s\\0" "${{{name}-UNSET}}";' for name in names)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True, env={}).stdout
    return dict(zip(names, out.split("\0")[:-1], strict=True))


def test_an_env_file_sourced_in_bash_gives_back_every_value_exactly(state):
    run.write_env_file(state / "local.env", AWKWARD)
    assert sourced(state / "local.env", list(AWKWARD)) == AWKWARD
    assert run.read_env_file(state / "local.env") == AWKWARD
    assert (state / "local.env").stat().st_mode & 0o777 == 0o600


def test_the_first_run_writes_a_file_the_readme_command_can_source(state):
    settings = run.local_settings({})
    shell = sourced(state / "local.env", ["SIGAP_INTAKE_SECRETS", "SIGAP_ADMIN_TOKEN", "SIGAP_LINK_SECRET"])
    assert shell == settings and set(json.loads(shell["SIGAP_INTAKE_SECRETS"])) == {"demo"}
    assert run.local_settings({}) == settings  # created once


def test_a_file_an_older_run_wrote_unquoted_is_quoted_on_the_next_run(state):
    secrets = json.dumps({"demo": "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ="})
    (state / "local.env").write_text(f"SIGAP_INTAKE_SECRETS={secrets}\nSIGAP_ADMIN_TOKEN=tok-123456789012345\n")
    assert run.local_settings({})["SIGAP_INTAKE_SECRETS"] == secrets
    assert sourced(state / "local.env", ["SIGAP_INTAKE_SECRETS"]) == {"SIGAP_INTAKE_SECRETS": secrets}


def test_the_environment_wins_over_local_env_and_every_local_default(state):
    environ = {"SIGAP_WEBHOOK_ALLOWLIST": "10.20.0.0/16", "SIGAP_ADMIN_TOKEN": "from-the-environment-123",
               "SIGAP_WEBHOOK_ALLOW_HTTP": "false"}
    settings = run.stack_settings(environ)
    assert "SIGAP_WEBHOOK_ALLOWLIST" not in settings and "SIGAP_WEBHOOK_ALLOW_HTTP" not in settings
    assert settings["SIGAP_ADMIN_TOKEN"] == "from-the-environment-123"
    assert settings["SIGAP_OUTBOX_GRACE_SECONDS"] == "30"  # a default the environment does not set
    defaults = run.stack_settings({})
    assert defaults["SIGAP_WEBHOOK_ALLOWLIST"] == "127.0.0.0/8,::1/128"


def test_the_functions_of_make_run_see_the_allowlist_given_in_the_environment(state, monkeypatch):
    monkeypatch.setenv("SIGAP_WEBHOOK_ALLOWLIST", "10.20.0.0/16")
    stack = LocalStack(project="p", firestore_port=1, pubsub_port=2, gateway_port=3,
                       settings=run.stack_settings(), log_dir=state / "logs")
    assert stack.env["SIGAP_WEBHOOK_ALLOWLIST"] == "10.20.0.0/16"
    assert stack.env["SIGAP_WEBHOOK_ALLOW_HTTP"] == "true"  # not given: the local default


def test_stack_env_says_where_the_running_stack_is(state):
    stack = LocalStack(project="sigap-local", firestore_port=8681, pubsub_port=8682, gateway_port=8080,
                       settings={}, log_dir=state / "logs")
    run.write_env_file(run.STACK_ENV, run.stack_location(stack))
    assert sourced(run.STACK_ENV, ["SIGAP_PROJECT_ID", "FIRESTORE_EMULATOR_HOST", "SIGAP_GATEWAY_URL"]) == {
        "SIGAP_PROJECT_ID": "sigap-local", "FIRESTORE_EMULATOR_HOST": "127.0.0.1:8681",
        "SIGAP_GATEWAY_URL": "http://127.0.0.1:8080"}


def test_free_ports_are_never_ephemeral_nor_handed_out_twice():
    """A port the local stack picks cannot be taken by the kernel for someone else's bind(0)
    (an emulator's extra port) or an outgoing connection before its server binds it."""
    import socket

    from infra.local.stack import _ephemeral_range, free_port
    low, _ = _ephemeral_range()
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports) and all(1024 <= p < low for p in ports)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        assert sock.getsockname()[1] >= low  # what the kernel hands out lies above them

"""infra/tools/api_keys.py before it touches Firestore: its arguments and where it finds the stack."""
import pytest

from infra.local import run
from infra.tools import api_keys


@pytest.mark.parametrize("argv, message", [
    (["create", "--owner", "Admin DLH", "--scope", "unit"], "--scope unit needs --unit"),
    (["create", "--owner", "Aplikasi", "--scope", "open311", "--unit", "dlh"], "--unit is only for"),
])
def test_a_unit_key_needs_its_unit_and_only_it_takes_one(argv, message, capsys, monkeypatch):
    monkeypatch.setattr(api_keys, "App", lambda settings: pytest.fail("refused before any Firestore call"))
    with pytest.raises(SystemExit) as refused:
        api_keys.main(argv)
    assert refused.value.code == 2 and message in capsys.readouterr().err


def test_the_stack_is_found_from_stack_env_and_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setattr(api_keys, "STACK_ENV", tmp_path / "stack.env")
    assert api_keys.tool_environment({"PATH": "/bin"}) == {"PATH": "/bin"}  # no stack running
    run.write_env_file(tmp_path / "stack.env", {"SIGAP_PROJECT_ID": "sigap-local",
                                                "FIRESTORE_EMULATOR_HOST": "127.0.0.1:8681",
                                                "SIGAP_GATEWAY_URL": "http://127.0.0.1:8080"})
    assert api_keys.tool_environment({"PATH": "/bin"}) == {
        "PATH": "/bin", "SIGAP_PROJECT_ID": "sigap-local", "FIRESTORE_EMULATOR_HOST": "127.0.0.1:8681"}
    given = {"SIGAP_PROJECT_ID": "sigap-kota-metro"}  # production: no emulator is added
    assert api_keys.tool_environment(given) == given


def test_a_stopped_stack_is_said_plainly(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(api_keys, "STACK_ENV", tmp_path / "stack.env")
    for name in ("SIGAP_PROJECT_ID", "GOOGLE_CLOUD_PROJECT", "FIRESTORE_EMULATOR_HOST"):
        monkeypatch.delenv(name, raising=False)
    run.write_env_file(tmp_path / "stack.env", {"SIGAP_PROJECT_ID": "p", "FIRESTORE_EMULATOR_HOST": "127.0.0.1:9"})
    assert api_keys.main(["list"]) == 1
    assert "no Firestore emulator at 127.0.0.1:9" in capsys.readouterr().err
    (tmp_path / "stack.env").unlink()
    assert api_keys.main(["list"]) == 1
    assert "SIGAP_PROJECT_ID" in capsys.readouterr().err

"""What remains of infra/deploy.py: checking the catalog and staging the source infra/terraform zips."""
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra import deploy
from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR
from shared.domain.catalog import CatalogError


def test_staged_source_has_main_at_the_top_and_shared_beside_it():
    source = deploy.stage_source()
    assert (source / "main.py").is_file() and (source / "shared" / "domain" / "case.py").is_file()
    assert (source / "requirements.txt").read_text().startswith("# Runtime")


def _checked_hash_pyc(module: Path) -> Path:
    pyc = Path(importlib.util.cache_from_source(str(module)))
    header = pyc.read_bytes()[:16]
    assert header[:4] == importlib.util.MAGIC_NUMBER, module
    assert int.from_bytes(header[4:8], "little") == 0b11, module  # checked-hash, not an mtime
    assert header[8:16] == importlib.util.source_hash(module.read_bytes()), module
    return pyc


def test_every_staged_module_carries_bytecode_checked_against_its_source(tmp_path):
    source = deploy.stage_source(tmp_path / "functions")
    modules = [source / "main.py", *(source / "shared").rglob("*.py")]
    assert len(modules) > 100
    pycs = {module: _checked_hash_pyc(module) for module in modules}
    # an unchanged source stages to the same bytes, so its zip keeps its hash (source.tf)
    again = deploy.stage_source(tmp_path / "again")
    for module, pyc in pycs.items():
        twin = again / module.relative_to(source)
        assert pyc.read_bytes() == Path(importlib.util.cache_from_source(str(twin))).read_bytes(), module


def test_the_staged_bytecode_is_what_a_fresh_interpreter_loads(tmp_path):
    source = deploy.stage_source(tmp_path / "functions")
    out = subprocess.run([sys.executable, "-v", "-c", "import shared.domain.case as c; "
                          "print(c.case_id_for.__code__.co_filename)"], cwd=source,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(source), "PYTHONNOUSERSITE": "1"},
                         capture_output=True, text=True, check=True)
    case = source / "shared" / "domain" / "case.py"
    assert f"matches {case}" in out.stderr  # loaded from __pycache__, not compiled
    assert out.stdout.strip() == str(case)  # tracebacks name the real file, not the staging path
    case.write_text(case.read_text() + "\nEDITED = True\n")  # a source edited after staging
    out = subprocess.run([sys.executable, "-c", "import shared.domain.case as c; print(c.EDITED)"], cwd=source,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(source), "PYTHONNOUSERSITE": "1"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"  # never stale: the hash no longer matches, the source wins


def test_an_interpreter_of_another_version_compiles_nothing(monkeypatch, tmp_path, capsys):
    (tmp_path / "m.py").write_text("X = 1\n")
    monkeypatch.setattr(deploy, "RUNTIME", (3, 99))
    assert deploy.compile_bytecode(tmp_path) is False
    assert not list(tmp_path.rglob("*.pyc")) and "not the runtime's 3.99" in capsys.readouterr().err


def test_the_staging_interpreter_is_the_runtime_terraform_deploys():
    functions_tf = (deploy.ROOT / "infra" / "terraform" / "functions.tf").read_text()
    assert f'runtime           = "python{deploy.RUNTIME[0]}{deploy.RUNTIME[1]}"' in functions_tf
    assert sys.version_info[:2] == deploy.RUNTIME  # CI stages with the runtime's Python


def test_the_command_checks_the_catalog_then_stages(capsys):
    assert deploy.main([]) == 0
    assert capsys.readouterr().out.strip() == "build/functions"


def test_a_bad_catalog_stops_before_staging(monkeypatch, tmp_path):
    shutil.copytree(DEFAULT_CATALOG_DIR, tmp_path / "catalog")
    units = tmp_path / "catalog" / "units.yaml"
    units.write_text(units.read_text().replace("id: dlh", "id: DLH !", 1))
    staged = []
    monkeypatch.setattr(deploy, "stage_source", lambda: staged.append(1))
    with pytest.raises(CatalogError):
        deploy.main(["--catalog-dir", str(tmp_path / "catalog")])
    assert not staged
    deploy.check_catalog(catalog_dir=DEFAULT_CATALOG_DIR)


def test_no_gcloud_command_path_is_left():
    text = (deploy.ROOT / "infra" / "deploy.py").read_text()
    assert "subprocess" not in text and "--apply" not in text

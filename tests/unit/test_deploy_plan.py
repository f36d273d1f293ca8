"""What remains of infra/deploy.py: checking the catalog and staging the source infra/terraform zips."""
import shutil

import pytest

from infra import deploy
from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR
from shared.domain.catalog import CatalogError


def test_staged_source_has_main_at_the_top_and_shared_beside_it():
    source = deploy.stage_source()
    assert (source / "main.py").is_file() and (source / "shared" / "domain" / "case.py").is_file()
    assert (source / "requirements.txt").read_text().startswith("# Runtime")
    assert not list(source.rglob("__pycache__"))


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

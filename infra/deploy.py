"""Stages the functions' source for infra/terraform (docs/deploy.md), after checking the catalog.

    python -m infra.deploy [--catalog-dir DIR]     # -> build/functions, zipped by source.tf

Production itself is Terraform (infra/terraform/): this module no longer runs gcloud. It
lays out one source folder as Cloud Functions expects it, which
``infra/terraform/source.tf`` zips and uploads under its hash.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "functions"


def stage_source() -> Path:
    """One source folder as Cloud Functions expects it: main.py at the top, shared/ beside it."""
    if BUILD.exists():
        shutil.rmtree(BUILD)
    shutil.copytree(ROOT / "shared", BUILD / "shared", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "functions" / "main.py", BUILD / "main.py")
    shutil.copy(ROOT / "requirements.txt", BUILD / "requirements.txt")
    return BUILD


def check_catalog(project: str = "sigap", catalog_dir: Path | None = None) -> None:
    """A bad catalog is never deployed: the catalog, routing rules, escalation policy and
    calendar load here or staging stops (CatalogError names file, entry and problem).
    The functions themselves load each part only when they first need it."""
    from shared import bootstrap
    from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR
    from shared.config import Settings
    bootstrap.check(bootstrap.App(Settings(project_id=project, catalog_dir=catalog_dir or DEFAULT_CATALOG_DIR)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy", description="Check the catalog and stage the functions' "
                                     "source for infra/terraform (docs/deploy.md).")
    parser.add_argument("--catalog-dir", type=Path, help="the catalog to check (default: shared/catalog/kota-metro, "
                        "as the functions read it without SIGAP_CATALOG_DIR)")
    args = parser.parse_args(argv)
    check_catalog(catalog_dir=args.catalog_dir)
    print(stage_source().relative_to(ROOT), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

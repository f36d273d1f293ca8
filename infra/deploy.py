"""Stages the functions' source for infra/terraform (docs/deploy.md), after checking the catalog.

    python -m infra.deploy [--catalog-dir DIR]     # -> build/functions, zipped by source.tf

Production itself is Terraform (infra/terraform/): this module no longer runs gcloud. It
lays out one source folder as Cloud Functions expects it, which
``infra/terraform/source.tf`` zips and uploads under its hash.
"""
from __future__ import annotations

import argparse
import compileall
import py_compile
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "functions"
RUNTIME = (3, 11)  # infra/terraform/functions.tf: runtime = "python311"


def stage_source(into: Path = BUILD, *, root: Path = ROOT, bytecode: bool = True) -> Path:
    """One source folder as Cloud Functions expects it, from the checkout ``root``: main.py at
    the top, shared/ beside it, with its bytecode compiled (``compile_bytecode``) unless not
    ``bytecode`` (the benchmarks compare both)."""
    if into.exists():
        shutil.rmtree(into)
    shutil.copytree(root / "shared", into / "shared", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "functions" / "main.py", into / "main.py")
    shutil.copy(root / "requirements.txt", into / "requirements.txt")
    if bytecode:
        compile_bytecode(into)
    return into


def compile_bytecode(folder: Path) -> bool:
    """Compiles every module under ``folder`` to bytecode beside it, as the runtime would on
    first import: a new instance then loads it instead of compiling Sigap's modules on every
    cold start (the Cloud Functions image is built from this folder and never keeps what an
    instance writes). Checked-hash bytecode is validated against its source's hash, not its
    mtime, so it survives the zip and the image build and can never run stale; its bytes
    depend only on the source, so an unchanged source still zips to the same hash
    (source.tf), wherever it was staged. Only an interpreter of the runtime's version can
    write bytecode the runtime reads: with another, nothing is compiled (and False says so)."""
    if sys.version_info[:2] != RUNTIME:
        print(f"bytecode not compiled: Python {sys.version_info.major}.{sys.version_info.minor} is not the "
              f"runtime's {RUNTIME[0]}.{RUNTIME[1]}", file=sys.stderr)
        return False
    # paths relative to the folder: the bytes do not depend on where the repository lies, and
    # the loader points each module's code at its real file anyway
    if not compileall.compile_dir(folder, quiet=1, stripdir=str(folder),
                                  invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH):
        raise RuntimeError(f"a module under {folder} does not compile (above)")
    return True


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

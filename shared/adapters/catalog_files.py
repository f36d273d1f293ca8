"""Reads the city's versioned configuration (YAML) from a catalog directory.

The only file I/O for configuration; validation lives in the pure domain
(``shared.domain.catalog`` and ``shared.domain.routing``).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

# PyYAML and the catalog's domain load when a catalog is read, not when the settings name
# its directory: shared.config imports DEFAULT_CATALOG_DIR, and intake never reads the
# catalog (its cold start, docs/benchmarks.md).
if TYPE_CHECKING:  # the routing package (stemmer, fuzzy matching) loads only for the functions that route
    from shared.domain.catalog import Catalog
    from shared.domain.routing import RoutingRules

DEFAULT_CATALOG_DIR = Path(__file__).resolve().parents[1] / "catalog" / "kota-metro"


def read_yaml(path: Path) -> Any:
    import yaml

    from shared.domain.catalog import CatalogError
    # libyaml's parser when PyYAML has it (its wheels do): the same safe loading, ~5x faster
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=loader)
    except FileNotFoundError:
        raise CatalogError(str(path), "-", "file not found") from None
    except yaml.YAMLError as exc:
        raise CatalogError(str(path), "-", f"not valid YAML: {exc}") from None


def load_catalog(directory: Path = DEFAULT_CATALOG_DIR) -> Catalog:
    from shared.domain.catalog import build_catalog
    units_file, categories_file = directory / "units.yaml", directory / "categories.yaml"
    return build_catalog(read_yaml(units_file), read_yaml(categories_file),
                         units_file=str(units_file), categories_file=str(categories_file))


def load_routing_rules(catalog: Catalog, directory: Path = DEFAULT_CATALOG_DIR) -> RoutingRules:
    from shared.domain.routing import build_routing_rules
    routing_file = directory / "routing.yaml"
    return build_routing_rules(read_yaml(routing_file), catalog, str(routing_file))

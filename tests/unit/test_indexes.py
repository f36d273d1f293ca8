"""Every query shape the Firestore adapter runs has its composite index declared
(the emulator does not enforce indexes; production does)."""
import json
from pathlib import Path

from shared.adapters import firestore_aggregates, firestore_cases, firestore_reports, firestore_webhooks

QUERY_SHAPES = (firestore_cases.QUERY_SHAPES + firestore_webhooks.QUERY_SHAPES + firestore_reports.QUERY_SHAPES
                + firestore_aggregates.QUERY_SHAPES)

INDEXES = json.loads((Path(__file__).resolve().parents[2] / "infra" / "firestore.indexes.json").read_text())


def declared():
    for index in INDEXES["indexes"]:
        yield index["collectionGroup"], tuple(
            (f["fieldPath"], "==" if f["order"] == "ASCENDING" and i < len(index["fields"]) - 1 else
             ("desc" if f["order"] == "DESCENDING" else "asc")) for i, f in enumerate(index["fields"]))


def test_every_query_shape_has_an_index():
    have = set(declared())
    missing = [shape for shape in QUERY_SHAPES if shape not in have]
    assert not missing, f"add to infra/firestore.indexes.json: {missing}"


def test_no_index_is_declared_for_nothing():
    assert set(declared()) <= set(QUERY_SHAPES)

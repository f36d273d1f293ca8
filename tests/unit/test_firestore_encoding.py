"""firestore_encoding.create_write builds exactly the Write the client's batch.create would."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from google.api_core.datetime_helpers import DatetimeWithNanoseconds
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore
from google.cloud.firestore_v1 import _helpers
from google.cloud.firestore_v1._helpers import GeoPoint
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.firestore_encoding import create_write
from shared.adapters.firestore_group_commit import Write, _stage
from shared.adapters.firestore_mapping import case_to_document
from shared.services.intake import _new_case
from shared.web.schemas import ComplaintIn
from tests.fakes import FakeClock

PATH = "projects/p/databases/(default)/documents/cases/c-1"

moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1),
                       timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=7))]))
scalars = (st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**63 - 1)
           | st.floats(allow_nan=False) | st.text(max_size=20) | moments)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4), max_leaves=12)
documents = st.dictionaries(st.text(min_size=1, max_size=10), values, max_size=8)


def clients_write(data):
    (write,) = _helpers.pbs_for_create(PATH, data)
    return write._pb


@settings(max_examples=300, deadline=None)
@given(documents)
def test_plain_documents_encode_exactly_as_the_client_encodes_them(data):
    assert create_write(PATH, data) == clients_write(data)


def test_a_real_case_document_encodes_exactly_as_the_client_encodes_it():
    complaint = ComplaintIn.model_validate({
        "external_id": "a-1", "title": "Jalan berlubang di Jl. Soekarno Hatta",
        "description": "Lubang besar di depan sekolah.", "location": {"kelurahan": "Mulyojati"},
        "reporter": {"name": "Budi", "anonymous": True},
        "attachments": [{"url": "https://x.test/a.jpg", "content_type": "image/jpeg"}]})
    document = case_to_document(_new_case(complaint, "demo", FakeClock()))
    assert create_write(PATH, document) == clients_write(document)


def test_what_only_the_client_can_encode_is_left_to_it():
    at = DatetimeWithNanoseconds(2026, 3, 2, 8, 0, nanosecond=123456789, tzinfo=UTC)
    for value in (firestore.SERVER_TIMESTAMP, at, b"bytes", GeoPoint(-5.1, 105.3), {"nested": firestore.DELETE_FIELD},
                  [firestore.SERVER_TIMESTAMP], {1: "not a string key"}, 2**70):
        assert create_write(PATH, {"field": value}) is None, value


def test_the_group_commit_stages_the_same_batch_either_way():
    client = firestore.Client(project="p", credentials=AnonymousCredentials())
    ref = client.collection("cases").document("c-1")
    plain = {"title": "Lampu mati", "at": datetime(2026, 3, 2, tzinfo=UTC)}
    for data in (plain, {"at": firestore.SERVER_TIMESTAMP}):
        ours, theirs = client.batch(), client.batch()
        _stage(ours, Write("create", ref, data))
        theirs.create(ref, data)
        assert [getattr(w, "_pb", w) for w in ours._write_pbs] == [w._pb for w in theirs._write_pbs]
        assert ours._document_references == theirs._document_references
